"""The hidden HTML markers incident-kit writes, in one place.

A marker tells the bot which comment or issue is its own. Anyone can paste one,
so a marker is trusted only together with the author being the bot's login
(see ``plan.status.find_status_comment`` and ``plan.followup``).
"""

from __future__ import annotations

STATUS = "<!-- incident-kit:status -->"
REMINDER_PREFIX = "<!-- incident-kit:weekly"
DIGEST = "<!-- incident-kit:digest -->"
FOLLOWUP_PREFIX = "<!-- incident-kit:followup "
