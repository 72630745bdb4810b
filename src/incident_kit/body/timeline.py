"""The Record section's timeline: entries, unfilled slots, and the moment of each entry.

The template writes entries as ``- MM/DD HH:MM: text`` with ``xx/xx xx:xx`` slots
still to fill. People also write ``YYYY-MM-DD HH:MM``, ``11/20 18:52 JST``,
``１１/２０ ０９：５２`` from a phone, ``2:45pm`` or ``12月3日 19:00``; every form
``body.when`` reads is accepted. A time with no zone is in the team's zone (the
``timezone:`` setting, UTC by default, as the template's heading says); a time with no
date has the date of the entry above it. An entry without a year belongs to the year
that puts it closest to the issue's creation, so an entry of 01/02 in an issue opened
on 12/31 lands in the next year.
"""

from __future__ import annotations

import re
from datetime import datetime

from incident_kit.body.model import ListItem, TimelineEntry
from incident_kit.body.text import fold
from incident_kit.body.when import read_time, zone_info

_SLOT = re.compile(r"^x{1,2}/x{1,2}\s+x{1,2}:x{1,2}\b", re.I)
# Something that starts like a date or a slot, but is only partly filled.
_DATEISH = re.compile(r"^[\dxX]{1,4}[/-][\dxX]{1,2}", re.I)


def parse_timeline(
    items: tuple[ListItem, ...], reference: datetime, team_zone: str = "UTC"
) -> tuple[TimelineEntry, ...]:
    """Read the top-level list items of the Timeline section."""
    out: list[TimelineEntry] = []
    last_local: datetime | None = None  # the entry above, in the zone it was written in
    for item in items:
        if item.section != "timeline" or item.depth != 0:
            continue
        text = fold(item.text)
        if _SLOT.match(text):
            desc = _SLOT.sub("", text).lstrip(" :").strip()
            out.append(TimelineEntry(item.text, item.line, None, desc, slot=True))
            continue
        # A time-only entry has the date of the entry above, as a day in the team's zone.
        default = last_local.astimezone(zone_info(team_zone)).date() if last_local else None
        read = read_time(text, reference, team_zone, default)
        error = read.error
        if read.when is None and error == "no date and time at the start" and _DATEISH.match(text):
            error = "the date or time is only partly filled in"
        if read.local is not None:
            last_local = read.local
        out.append(
            TimelineEntry(
                item.text, item.line, read.when, read.rest, slot=False, error=error, stamp=read.written, zone=read.zone
            )
        )
    return tuple(out)
