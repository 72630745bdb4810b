"""The hidden HTML markers incident-kit writes, in one place.

A marker tells the bot which comment or issue is its own, and some carry a small
JSON payload (the bot's state, a follow-up's incident and item, a reminder's week).
Anyone can paste one, so a marker is trusted only together with the author being
the bot's login (see ``plan.status.find_status_comment`` and ``plan.followup``).
The payload must not close the HTML comment it sits in: the writers escape ``--``
and ``>`` in it (``plan.status.state_json``) or build it from values that cannot hold them.
"""

from __future__ import annotations

import re

PREFIX = "<!-- incident-kit:"  # every marker starts so; the REST backend recognises its own issues by it
END = " -->"

STATUS = f"{PREFIX}status{END}"  # the bot's one status comment per issue
DIGEST = f"{PREFIX}digest{END}"  # the weekly digest issue
REMINDER_PREFIX = f"{PREFIX}weekly"  # a weekly reminder comment: {"week": "2026-W49"} or {"done": true}
FOLLOWUP_PREFIX = f"{PREFIX}followup "  # a follow-up issue: {"incident": N, "key": "..."}
STATE_NAME = "incident-kit:state"  # also how a damaged state block is still recognised
STATE_PREFIX = f"<!-- {STATE_NAME} "  # the bot's state at the end of its status comment

# The JSON payload of a follow-up marker (one line, no tags inside) and of the state block (may span lines).
FOLLOWUP_PAYLOAD = re.compile(re.escape(FOLLOWUP_PREFIX) + r"(\{[^<>]*?\})" + re.escape(END))
STATE_PAYLOAD = re.compile(re.escape(STATE_PREFIX) + r"(\{.*?\})" + re.escape(END), re.S)


def reminder(payload: str) -> str:
    return f"{REMINDER_PREFIX} {payload}{END}"


def followup(payload: str) -> str:
    return f"{FOLLOWUP_PREFIX}{payload}{END}"


def state(payload: str) -> str:
    return f"{STATE_PREFIX}{payload}{END}"
