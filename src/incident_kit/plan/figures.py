"""Response figures and the template's timeline milestones, from the recorded and written timelines (pure).

The postmortem asks "How can future incidents be done first aid in half of this
incident time?": that needs the time to first aid, which nobody measures by hand
during an incident. The figures are measured against the template's time boxes
(2 minutes to join the call, 2 to decide, 1 minute to name roles). The incident's start is the
human-written "Start this incident" entry, else the issue's creation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from incident_kit.basics.roles import ROLE_ORDER
from incident_kit.basics.times import parse_iso
from incident_kit.body.meeting import CALL_END, CALL_START, call_entry
from incident_kit.body.model import Incident, TimelineEntry

CONFLICT_MINUTES = 15  # a written time this far from the recorded fact is worth a second look


@dataclass(frozen=True)
class Figure:
    label: str
    minutes: float | None
    box_minutes: float | None = None

    @property
    def text(self) -> str:
        if self.minutes is None:
            return "not yet known"
        text = duration(self.minutes)
        if self.box_minutes is not None and self.minutes > self.box_minutes:
            text += f" ({duration(self.minutes - self.box_minutes)} over the {duration(self.box_minutes)} time box)"
        elif self.box_minutes is not None:
            text += f" (within the {duration(self.box_minutes)} time box)"
        return text


def duration(minutes: float) -> str:
    minutes = max(0.0, minutes)
    if minutes < 60:
        return f"{minutes:.0f} min"
    hours, rest = divmod(round(minutes), 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _t(entry: dict[str, Any]) -> datetime | None:
    return parse_iso(entry.get("t"))


def _first(entries: list[dict[str, Any]], kind: str, key: str | None = None) -> dict[str, Any] | None:
    for e in entries:
        if e.get("k") == kind and (key is None or str(e.get("key", "")).startswith(key)):
            return e
    return None


def _human(timeline: tuple[TimelineEntry, ...], pattern: str) -> TimelineEntry | None:
    rx = re.compile(pattern, re.I)
    return next((e for e in timeline if e.when is not None and rx.search(e.description)), None)


@dataclass(frozen=True)
class Moments:
    """When the incident's key moments happened: one definition, used by the status comment, the PDF
    and the weekly digest. For each moment the Record's written timeline wins (the Recorder writes when
    it happened; a box is often ticked later), and the bot's recorded event fills in when nothing is
    written; :func:`conflicts` flags the two when they disagree."""

    start: datetime
    decided: datetime | None
    roles: datetime | None
    first_aid_done: datetime | None
    resolved: datetime | None
    call_start: datetime | None = None  # the timeline's "Start slack call" line
    call_end: datetime | None = None  # the timeline's "Finish slack call" line


# Written timeline lines that state each moment (English and Japanese).
WRITTEN = {
    "decided": r"^decided?\b.*\bincident\b|^(?:declare|declared)\b|インシデント(と|に)判断",
    "roles": r"^decided?\s+(the\s+)?roles?\b|役割(を)?決",
    "first_aid_done": r"^finish(ed)?\s+(the\s+)?first[ -]?aid|応急(処置|対応).*(完了|終)",
    "resolved": r"^(announce(d)?\s+)?resolv(e|ed|ing)\b|^解決|解決(した|済|宣言)",
}
LABELS = {
    "decided": "the triage decision",
    "roles": "the roles",
    "first_aid_done": "first aid finished",
    "resolved": "the resolution",
}


def _recorded(entries: list[dict[str, Any]], improvement: str) -> dict[str, datetime | None]:
    decided = _t(d) if (d := _first(entries, "decision")) else None
    role_times = [_t(e) for k in ROLE_ORDER if (e := _first(entries, "role", k))]
    roles = max(t for t in role_times if t) if len(role_times) == 3 and all(role_times) else None
    done = _first(entries, "first-aid-done")
    return {
        "decided": decided,
        "roles": roles,
        "first_aid_done": _t(done) if done else None,
        "resolved": _resolved(entries, improvement),
    }


def _resolved(entries: list[dict[str, Any]], improvement: str) -> datetime | None:
    """When the resolution that stands was made: a resolution taken back (the box unticked, the label
    taken off) does not count, the one made after it does."""
    times: list[datetime] = []
    for e in entries:
        kind, key = e.get("k"), str(e.get("key"))
        made = (kind == "task" and "announce resolving" in key.lower() and key.endswith("=True")) or (
            kind == "label" and key == f"+{improvement}"
        )
        undone = (kind == "task" and "announce resolving" in key.lower() and key.endswith("=False")) or (
            kind == "label" and key == f"-{improvement}"
        )
        if made and (t := _t(e)):
            times.append(t)
        elif undone:
            times.clear()
        elif kind == "state" and key.startswith("closed") and (t := _t(e)):
            times.append(t)
    return min(times, default=None)


def moments(incident: Incident, created_at: datetime, entries: list[dict[str, Any]], improvement: str) -> Moments:
    written_start = _human(incident.timeline, r"^start(ed)? (of )?this incident")
    start = written_start.when if written_start and written_start.when else created_at
    recorded = _recorded(entries, improvement)
    chosen: dict[str, datetime | None] = {}
    for name, pattern in WRITTEN.items():
        written = _human(incident.timeline, pattern)
        chosen[name] = written.when if written is not None else recorded[name]
    call_start = call_entry(incident.timeline, CALL_START)
    call_end = call_entry(incident.timeline, CALL_END)
    return Moments(
        start,
        chosen["decided"],
        chosen["roles"],
        chosen["first_aid_done"],
        chosen["resolved"],
        call_start.when if call_start else None,
        call_end.when if call_end else None,
    )


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a) / timedelta(minutes=1)


def figures(m: Moments, created_at: datetime) -> list[Figure]:
    to_first_aid = _minutes(m.start, m.first_aid_done)
    out = [
        # "Join to slack call room / 2min": counted from the creation, like the triage box.
        Figure("Time to start the call", _minutes(created_at, m.call_start), 2),
        Figure("Time to triage decision", _minutes(created_at, m.decided), 2),
        Figure("Time to name the roles", _minutes(m.decided, m.roles), 1),
        Figure("Time to first aid", to_first_aid),
        Figure("Time to resolve", _minutes(m.start, m.resolved)),
    ]
    if m.call_end is not None:
        out.append(Figure("Call length", _minutes(m.call_start or created_at, m.call_end)))
    if to_first_aid is not None:
        out.append(Figure("First-aid target for the next incident (half of this one)", to_first_aid / 2))
    return out


def first_aid_minutes(m: Moments) -> float | None:
    """Time to first aid, as every figure shows it (None when unknown or before the start)."""
    minutes = _minutes(m.start, m.first_aid_done)
    return minutes if minutes is not None and minutes >= 0 else None


def conflicts(
    incident: Incident, entries: list[dict[str, Any]], improvement: str = "incident-improvement"
) -> list[tuple[str, int]]:
    """Written entries that contradict a recorded fact, for every figure's moment: (message, line)."""
    out: list[tuple[str, int]] = []
    recorded = _recorded(entries, improvement)
    for name, pattern in WRITTEN.items():
        written = _human(incident.timeline, pattern)
        seen = recorded[name]
        if written is None or written.when is None or seen is None:
            continue
        gap = abs((seen - written.when) / timedelta(minutes=1))
        if gap > CONFLICT_MINUTES:
            out.append(
                (
                    f"The timeline says {LABELS[name]} at {written.when:%m/%d %H:%M} UTC, but incident-kit recorded "
                    f"it at {seen:%m/%d %H:%M} UTC; the figures use the written time: correct the line if the "
                    "recorded one is right.",
                    written.line,
                )
            )
    return out


# The template's timeline slots, and the recorded fact that fills each (None: the humans' to write).
SLOTS: tuple[tuple[str, str | None], ...] = (
    ("Trigger this incident", None),
    ("Start this incident", None),
    ("Find this incident", None),
    ("Know this incident", None),
    ("Create this issue", "created"),
    ("Start slack call", None),
    ("Start investigating", "role:investigator"),
    ("Start communication with users", None),
    ("Find root cause", "record:where-is-bug"),
    ("Start first aiding", "task:first-aid"),
    ("Finish first aid", "first-aid-done"),
    ("Arrange postmortem", "invite"),
    ("Finish slack call", None),
)


def milestones(
    incident: Incident, created_at: datetime, author: str, entries: list[dict[str, Any]]
) -> list[tuple[str, str | None]]:
    """Each template slot with what the bot knows for it, or None when the Recorder must write it."""
    out: list[tuple[str, str | None]] = []
    for slot, source in SLOTS:
        written = _human(
            incident.timeline, "^" + re.escape(slot.split(" ")[0]) + r"\b.*" + re.escape(slot.split(" ")[-1])
        )
        if written and written.when:
            out.append((slot, f"{written.when:%m/%d %H:%M} (written)"))
            continue
        value: str | None = None
        if source == "created":
            value = f"{created_at:%m/%d %H:%M} by @{author}"
        elif source is not None:
            kind, _, key = source.partition(":")
            if kind == "task":
                e = next(
                    (
                        x
                        for x in entries
                        if x.get("k") == "task"
                        and ":firstaid" in str(x.get("key"))
                        and str(x.get("key")).endswith("=True")
                    ),
                    None,
                )
            else:
                e = _first(entries, kind, key or None)
            if e and (t := _t(e)):
                who = f" by @{e['who']}" if e.get("who") else ""
                value = f"{t:%m/%d %H:%M}{who} (recorded)"
        out.append((slot, value))
    return out
