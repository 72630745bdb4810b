"""A follow-up issue's identity: the hidden marker the weekly check writes into its body.

The weekly check opens one issue per untracked action item. Each body starts with
``<!-- incident-kit:followup {"incident": N, "key": "..."} -->``, where ``key`` is
a hash of the item's text, so the check can tell that an item already has its
issue and never opens it twice. Anyone can paste the marker into an issue of
their own, so it is trusted only when the issue's author is the bot itself.

This module is deliberately tiny: the per-event handler imports it (to leave the
bot's own follow-ups alone), and must not pull in the weekly scan.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from incident_kit.basics import markers

_MARKER = markers.FOLLOWUP_PAYLOAD


@dataclass(frozen=True)
class FollowupRef:
    """What a follow-up's marker says: which incident it belongs to and which item it tracks."""

    incident: int
    key: str


def item_key(text: str) -> str:
    """A stable key for an action item: whitespace and case do not make a new item."""
    normalized = " ".join(text.split()).casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


def marker(incident: int, key: str) -> str:
    payload = json.dumps({"incident": incident, "key": key}, sort_keys=True, separators=(", ", ": "))
    return markers.followup(payload)


def read_marker(body: str) -> FollowupRef | None:
    """The first marker in a body (the bot writes it on the first line), or None."""
    m = _MARKER.search(body or "")
    if not m:
        return None
    try:
        data = json.loads(m.group(1))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    incident, key = data.get("incident"), data.get("key")
    if isinstance(incident, bool) or not isinstance(incident, int) or not isinstance(key, str) or not key:
        return None
    return FollowupRef(incident, key)


def followup_of(author: str, body: str, bot_login: str) -> FollowupRef | None:
    """The marker of an issue the bot opened, or None (a stranger's copy of the marker counts for nothing)."""
    if not bot_login or author != bot_login:
        return None
    return read_marker(body)
