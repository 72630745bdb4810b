"""The postmortem section: when the 2-hour meeting is and who attends.

The template's Datetime line reads ``xx/xx xx:xx -  2 hours`` until someone
fills it in; the time is UTC, two hours long unless written otherwise
(``- 90 min``, ``- 1.5 hours``, or an end time ``- 12:00``).
"""

from __future__ import annotations

import re
from datetime import datetime

from incident_kit.body.document import Document
from incident_kit.body.model import ListItem, Postmortem
from incident_kit.body.timeline import parse_stamp

DEFAULT_MINUTES = 120
_SLOT = re.compile(r"^x{1,2}/x{1,2}\s+x{1,2}:x{1,2}", re.I)
_LENGTH = re.compile(r"^(?:[-–~]\s*)?(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>hours?|hrs?|h|minutes?|mins?|m)\b", re.I)
_END = re.compile(r"^(?:[-–~]\s*)?(?P<h>\d{1,2}):(?P<m>\d{2})\b")
_PLACEHOLDER = re.compile(r"^x+$", re.I)


def parse_postmortem(doc: Document, items: tuple[ListItem, ...], reference: datetime) -> Postmortem:
    section = next((s for s in doc.sections if s.key == "postmortem-datetime"), None)
    attendees = tuple(i.text for i in items if i.section == "attendees" and i.text and not _PLACEHOLDER.match(i.text))
    if section is None:
        return Postmortem(None, DEFAULT_MINUTES, "", None, None, attendees)
    for number, raw in doc.section_lines(section):
        text = raw.strip().lstrip("-*+ ").strip()
        if not text:
            continue
        if _SLOT.match(text):
            return Postmortem(None, DEFAULT_MINUTES, text, number, None, attendees)
        when, rest, error = parse_stamp(text, reference)
        if when is None:
            if error == "no date and time at the start":
                error = "write the date as YYYY-MM-DD HH:MM or MM/DD HH:MM (UTC)"
            return Postmortem(None, DEFAULT_MINUTES, text, number, error, attendees)
        return Postmortem(when, _minutes(rest, when), text, number, None, attendees)
    return Postmortem(None, DEFAULT_MINUTES, "", None, None, attendees)


def _minutes(rest: str, start: datetime) -> int:
    m = _LENGTH.match(rest)
    if m:
        n = float(m["n"])
        unit = m["unit"].lower()
        minutes = n * 60 if unit.startswith("h") else n
        return int(minutes) if 1 <= minutes <= 24 * 60 else DEFAULT_MINUTES
    e = _END.match(rest)
    if e and int(e["h"]) < 24 and int(e["m"]) < 60:
        end = start.replace(hour=int(e["h"]), minute=int(e["m"]))
        minutes = (end - start).total_seconds() / 60
        if minutes <= 0:
            minutes += 24 * 60
        return int(minutes)
    return DEFAULT_MINUTES
