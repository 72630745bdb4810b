"""The Record section's UTC timeline: entries, unfilled slots, and the year of each entry.

The template writes entries as ``- MM/DD HH:MM: text`` with ``xx/xx xx:xx``
slots still to fill; people also write ``YYYY-MM-DD HH:MM``. An entry without a
year belongs to the year that puts it closest to the issue's creation, so an
entry of 01/02 in an issue opened on 12/31 lands in the next year.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from incident_kit.body.model import ListItem, TimelineEntry

_SLOT = re.compile(r"^x{1,2}/x{1,2}\s+x{1,2}:x{1,2}\b", re.I)
_STAMP = re.compile(
    r"^(?:(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})|(?P<mo2>\d{1,2})/(?P<d2>\d{1,2}))"
    r"[ T]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2})?\s*(?:UTC|Z)?"
)
# Something that starts like a date or a slot, but is only partly filled.
_DATEISH = re.compile(r"^[\dxX]{1,4}[/-][\dxX]{1,2}", re.I)


def nearest_year(month: int, day: int, hour: int, minute: int, reference: datetime) -> datetime:
    """The UTC datetime for a yearless stamp, in the year closest to ``reference``.

    Raises ValueError when the date cannot exist in any nearby year (02/30, 13/01, 25:00).
    """
    candidates = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidates.append(datetime(year, month, day, hour, minute, tzinfo=UTC))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(f"{month:02d}/{day:02d} {hour:02d}:{minute:02d} is not a real date and time")
    return min(candidates, key=lambda c: abs((c - reference).total_seconds()))


def parse_stamp(text: str, reference: datetime) -> tuple[datetime | None, str, str | None]:
    """Read a leading date-time stamp. Returns (when, rest of the text, error)."""
    m = _STAMP.match(text)
    if not m:
        return None, text, "no date and time at the start"
    hour, minute = int(m["h"]), int(m["mi"])
    rest = text[m.end() :].lstrip(" \t:：-–—").strip()
    try:
        if m["y"]:
            when = datetime(int(m["y"]), int(m["mo"]), int(m["d"]), hour, minute, tzinfo=UTC)
        else:
            when = nearest_year(int(m["mo2"]), int(m["d2"]), hour, minute, reference)
    except ValueError:
        return None, rest, f"'{m.group(0).strip()}' is not a real date and time"
    return when, rest, None


def parse_timeline(items: tuple[ListItem, ...], reference: datetime) -> tuple[TimelineEntry, ...]:
    """Read the top-level list items of the Timeline section."""
    out: list[TimelineEntry] = []
    for item in items:
        if item.section != "timeline" or item.depth != 0:
            continue
        text = item.text
        if _SLOT.match(text):
            desc = _SLOT.sub("", text).lstrip(" :").strip()
            out.append(TimelineEntry(text, item.line, None, desc, slot=True))
            continue
        when, rest, error = parse_stamp(text, reference)
        if when is None and error == "no date and time at the start" and _DATEISH.match(text):
            error = "the date or time is only partly filled in"
        out.append(TimelineEntry(text, item.line, when, rest, slot=False, error=error))
    return tuple(out)
