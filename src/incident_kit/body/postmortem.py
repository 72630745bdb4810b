"""The postmortem section: when the 2-hour meeting is and who attends.

The template's Datetime line reads ``xx/xx xx:xx -  2 hours`` until someone fills it
in. The start is read by ``body.when`` (any date, time and zone form it knows; no zone
means the zone a team wrote on the heading, ``Datetime(JST)``, else the team's
``timezone:``). The meeting is two hours long when no length is written: a length
(``- 90 min``, ``- 1.5 hours``, ``2時間``, ``90分``) or an end time
(``- 12:00``, ``〜21:00``, ``- 9pm``), read in the start's zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from incident_kit.body.document import Document
from incident_kit.body.model import ListItem, Postmortem
from incident_kit.body.roles import attendees as read_attendees
from incident_kit.body.text import fold
from incident_kit.body.when import heading_zone, read_time

DEFAULT_MINUTES = 120
_SLOT = re.compile(r"^x{1,2}/x{1,2}\s+x{1,2}:x{1,2}", re.I)
_LENGTH = re.compile(
    r"^(?:[-–~〜]\s*)?(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>hours?|hrs?|h|時間|minutes?|mins?|m|分)(?![A-Za-z])", re.I
)
_PLACEHOLDER = re.compile(r"^x+$", re.I)
HOW = "write it as YYYY-MM-DD HH:MM or MM/DD HH:MM, with a zone such as JST or +09:00 unless it is in the team's zone"


def parse_postmortem(
    doc: Document, items: tuple[ListItem, ...], reference: datetime, team_zone: str = "UTC"
) -> Postmortem:
    section = next((s for s in doc.sections if s.key == "postmortem-datetime"), None)
    listed = [i for i in items if i.section == "attendees" and i.text and not _PLACEHOLDER.match(i.text)]
    attendees = tuple(i.text for i in listed)
    invitees = read_attendees(tuple((i.line, i.text) for i in listed))
    if section is None:
        return Postmortem(None, DEFAULT_MINUTES, "", None, None, attendees, invitees)
    for number, raw in doc.section_lines(section):
        text = fold(raw).strip().lstrip("-*+ ").strip()
        if not text:
            continue
        if _SLOT.match(text):
            return Postmortem(None, DEFAULT_MINUTES, text, number, None, attendees, invitees)
        heading = heading_zone(fold(section.path[-1])) if section.path else None
        if heading is not None:
            read = read_time(text, reference, heading[0], zone_label=f"{heading[1]} (heading)")
        else:
            read = read_time(text, reference, team_zone)
        source = "written" if read.zone_written else "heading" if heading is not None else "team"
        if read.when is None or read.local is None:
            error = read.error
            if error == "no date and time at the start":
                error = HOW
            return Postmortem(None, DEFAULT_MINUTES, raw.strip(), number, error, attendees, invitees, read.written)
        minutes = _minutes(read.rest, read.local, reference, team_zone)
        return Postmortem(
            read.when,
            minutes or DEFAULT_MINUTES,
            raw.strip(),
            number,
            None,
            attendees,
            invitees,
            read.written,
            read.zone,
            source,
            read.local,
            minutes is not None,
        )
    return Postmortem(None, DEFAULT_MINUTES, "", None, None, attendees, invitees)


def _minutes(rest: str, start: datetime, reference: datetime, team_zone: str) -> int | None:
    """The length written after the start, in minutes; None when none is written (or none can be read)."""
    m = _LENGTH.match(rest)
    if m:
        n = float(m["n"])
        unit = m["unit"].lower()
        minutes = n * 60 if unit.startswith("h") or unit == "時間" else n
        return int(minutes) if 1 <= minutes <= 24 * 60 else None
    tail = rest.lstrip("-–~〜 ").strip()
    if tail:
        # An end time, in the start's zone unless it names its own.
        end = read_time(tail, reference, start.tzinfo or team_zone, start.date())
        if end.when is not None:
            minutes = (end.when - start.astimezone(UTC)).total_seconds() / 60
            if minutes <= 0:
                minutes += 24 * 60
            if 1 <= minutes <= 24 * 60:
                return int(minutes)
    return None
