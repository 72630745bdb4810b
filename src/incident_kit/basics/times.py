"""Machine times: ISO 8601 timestamps read and written by incident-kit, always timezone-aware UTC.

This module owns the times machines exchange: GitHub's API (``2026-11-20T09:00:00Z``;
PyGithub may hand back naive datetimes that mean UTC), the bot's state in its status
comment, the weekly state file, the follow-up records and the CLI's ``--now`` and
``--created-at``. Whatever comes in (``Z``, an offset, or no zone at all) comes out
as an aware UTC datetime; whatever goes out is converted to UTC before a ``Z`` is
written, so a stored time never claims to be UTC when it is not.

Times people write in the issue body (the timeline, the postmortem date, ``JST``...)
are not read here: the body readers own that grammar.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

EXAMPLE = "2026-11-20T09:00:00Z"  # shown in error messages: what an accepted time looks like


@overload
def to_utc(moment: datetime) -> datetime: ...
@overload
def to_utc(moment: None) -> None: ...
def to_utc(moment: datetime | None) -> datetime | None:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already (GitHub's times are)."""
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_iso(value: object) -> datetime | None:
    """An ISO 8601 time as aware UTC, or None for anything else (None, a number, ``""``, garbage).

    For stored state and API answers, where a missing or damaged time must never be a crash:
    the caller falls back (to "now", to "unknown") instead.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return to_utc(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError):  # OverflowError: an offset that pushes year 1 or 9999 out of range
        return None


# The years a stored or written time may have. The bot's state can be edited by hand, and a year 1
# or 9999 would overflow "start + 2 hours", "since - 1 day" or a display zone west of UTC.
FIRST_YEAR, LAST_YEAR = 1970, 9998


def parse_stored(value: object) -> datetime | None:
    """:func:`parse_iso`, and ``None`` too for a year outside FIRST_YEAR..LAST_YEAR."""
    moment = parse_iso(value)
    return moment if moment is not None and FIRST_YEAR <= moment.year <= LAST_YEAR else None


def require_iso(value: str, what: str) -> datetime:
    """An ISO 8601 time as aware UTC, or a ValueError that says what was wrong and what to write."""
    moment = parse_iso(value)
    if moment is None:
        raise ValueError(f"{what} {value!r} is not an ISO 8601 time such as {EXAMPLE}")
    return moment


def format_iso(moment: datetime) -> str:
    """``2026-11-20T09:00:00Z``: converted to UTC first, whole seconds, always a four-digit year."""
    return to_utc(moment).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def format_iso_basic(moment: datetime) -> str:
    """``20261120T090000Z``: the same in ISO 8601's basic form, as calendar links want it."""
    return format_iso(moment).replace("-", "").replace(":", "")


def format_utc(moment: datetime) -> str:
    """``2026-11-20 09:00 UTC``: how a machine time is shown to people (status comment, report, summary)."""
    return f"{to_utc(moment).replace(tzinfo=None).isoformat(' ', 'minutes')} UTC"
