"""The Record section's timeline: entries, unfilled slots, and the moment of each entry.

The template writes entries as ``- MM/DD HH:MM: text`` with ``xx/xx xx:xx`` slots
still to fill. People also write ``YYYY-MM-DD HH:MM``, ``11/20 18:52 JST``,
``１１/２０ ０９：５２`` from a phone, ``2:45pm`` or ``12月3日 19:00``; every form
``body.when`` reads is accepted.

People write the zone once: a time with no zone is in the zone of the nearest line above
that wrote one (``11/20 18:52 JST`` then ``19時05分``), else in the zone the heading names
when a team changed it (``### Timeline(JST)``), else in the team's zone (the ``timezone:``
setting, UTC by default, as the template's heading says). A time with no date has the date
of the entry above, or the next day past midnight (``23:50`` then ``00:10``). An entry
without a year belongs to the year that puts it closest to the issue's creation, so an
entry of 01/02 in an issue opened on 12/31 lands in the next year.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from incident_kit.body.model import ListItem, TimelineEntry
from incident_kit.body.text import fold
from incident_kit.body.when import heading_zone, read_time, zone_info

_SLOT = re.compile(r"^x{1,2}/x{1,2}\s+x{1,2}:x{1,2}\b", re.I)
# Something that starts like a date or a slot, but is only partly filled.
_DATEISH = re.compile(r"^[\dxX]{1,4}[/-][\dxX]{1,2}", re.I)


def parse_timeline(
    items: tuple[ListItem, ...], reference: datetime, team_zone: str = "UTC"
) -> tuple[TimelineEntry, ...]:
    """Read the top-level list items of the Timeline section."""
    out: list[TimelineEntry] = []
    last: datetime | None = None  # the moment of the entry above
    inherited: tuple[tzinfo, str] | None = None  # the zone of the nearest line above that wrote one
    for item in items:
        if item.section != "timeline" or item.depth != 0:
            continue
        text = fold(item.text)
        if _SLOT.match(text):
            desc = _SLOT.sub("", text).lstrip(" :").strip()
            out.append(TimelineEntry(item.text, item.line, None, desc, slot=True))
            continue
        heading = heading_zone(fold(item.path[-1])) if item.path else None
        if inherited is not None:
            zone, label, source = inherited[0], inherited[1], "inherited"
        elif heading is not None:
            zone, label, source = heading[0], f"{heading[1]} (heading)", "heading"
        else:
            zone, label, source = zone_info(team_zone), f"{team_zone} (team zone)", "team"
        read = read_time(text, reference, zone, zone_label=label, after=last)
        error = read.error
        if read.when is None and error == "no date and time at the start" and _DATEISH.match(text):
            error = "the date or time is only partly filled in"
        if read.local is not None and read.when is not None:
            last = read.when
            if read.zone_written:
                inherited = (read.local.tzinfo or zone, f"{read.zone}, as on line {item.line}")
        out.append(
            TimelineEntry(
                item.text,
                item.line,
                read.when,
                read.rest,
                slot=False,
                error=error,
                stamp=read.written,
                zone=read.zone,
                zone_source="written" if read.zone_written else source,
                local=read.local,
            )
        )
    return tuple(out)
