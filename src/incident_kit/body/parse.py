"""From an issue body to the :class:`~incident_kit.body.model.Incident` model (pure, no I/O).

Any input is accepted: ``None``, bytes, a 65,536-character body, binary junk,
sections reordered or deleted. What cannot be found is reported as missing,
never raised.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from incident_kit.body.action_items import parse_action_items
from incident_kit.body.document import Document, normalize, parse_document
from incident_kit.body.meeting import parse_meeting
from incident_kit.body.model import Incident, RecordField
from incident_kit.body.postmortem import parse_postmortem
from incident_kit.body.roles import parse_roles
from incident_kit.body.sections import REQUIRED, TOPICS
from incident_kit.body.timeline import parse_timeline
from incident_kit.body.triage import parse_triage
from incident_kit.body.video import find_links
from incident_kit.settings.defaults import DEFAULT_VIDEO_HOSTS

RECORD_FIELDS = ("where-is-bug", "first-aid", "people-affected")
_EMPTY_LINE = re.compile(r"^[-*+]?\s*(\[[ xX]\]\s*)?(\.*\s*TODO\b.*|\.\.\.|xxx)?\s*$", re.I)


def parse_incident(
    body: object,
    *,
    reference: datetime | None = None,
    video_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS,
    timezone: str = "UTC",
) -> Incident:
    """Parse a body. ``reference`` (the issue's creation time) gives yearless dates their year;
    ``timezone`` (the team's ``timezone:`` setting) is the zone of a time written without one."""
    text = normalize(body)
    # Yearless dates need a year: the creation time, or today for a body read alone.
    ref = reference or datetime.now(UTC)
    doc = parse_document(text)
    items = doc.items
    video_section = next((s for s in doc.sections if s.key == "video"), None)
    if video_section is not None:
        link_lines = doc.section_lines(video_section)
    else:
        # No video heading (deleted or renamed): look anywhere rather than report a missing video.
        link_lines = [(n + 1, line) for n, line in enumerate(doc.lines) if n + 1 not in doc.code_lines]
    links = find_links(link_lines, video_hosts)
    found = {s.key for s in doc.sections if s.key}
    triage = parse_triage(items)
    return Incident(
        body=text,
        headings=doc.headings,
        sections=doc.sections,
        items=items,
        triage=triage,
        roles=parse_roles(items),
        videos=tuple(link for link in links if link.kind == "video"),
        links=links,
        record=tuple(_record_field(doc, key) for key in RECORD_FIELDS),
        timeline=parse_timeline(items, ref, timezone),
        postmortem=parse_postmortem(doc, items, ref, timezone),
        action_items=parse_action_items(items, _topics(doc)),
        template_like=len(found & set(REQUIRED)) >= 3 or sum(q.line is not None for q in triage) >= 2,
        missing_sections=tuple(k for k in REQUIRED if k not in found),
        meeting=parse_meeting(doc, items),
    )


def _record_field(doc: Document, key: str) -> RecordField:
    section = next((s for s in doc.sections if s.key == key), None)
    if section is None:
        return RecordField(key, "", None)
    kept = [line.strip() for _, line in doc.section_lines(section) if not _EMPTY_LINE.match(line)]
    return RecordField(key, "\n".join(kept), section.line)


def _topics(doc: Document) -> dict[int, str]:
    """Map each line under an action-items heading to the topic heading above it."""
    out: dict[int, str] = {}
    for s in doc.sections:
        if s.key != "action-items":
            continue
        topic = next((k for k in reversed(s.keys[:-1]) if k in TOPICS), None)
        if topic:
            for n in range(s.line, s.end_line + 1):
                out.setdefault(n, topic)
    return out
