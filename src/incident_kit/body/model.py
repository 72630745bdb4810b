"""The typed model of one incident issue, as the parser reads it.

Everything here is plain data (frozen dataclasses and enums) with no behaviour
beyond small derived properties, so the rules, the status comment, the report
and the weekly check can all share one picture of "where the incident stands".
Line numbers are 1-based lines of the normalised body (CRLF folded to LF).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Answer(enum.StrEnum):
    """A triage question's answer."""

    YES = "yes"
    NO = "no"
    UNANSWERED = "unanswered"


class Decision(enum.StrEnum):
    """Whether the problem is an incident: any yes is, three no is not."""

    INCIDENT = "incident"
    NOT_INCIDENT = "not-incident"
    UNDECIDED = "undecided"


class Phase(enum.StrEnum):
    """Where the incident stands in the template's process, in order."""

    REPORTED = "reported"
    NOT_INCIDENT = "not-incident"
    TRIAGED = "triaged"
    INVESTIGATING = "investigating"
    FIRST_AID_DONE = "first-aid-done"
    RESOLVED = "resolved"
    POSTMORTEM_SCHEDULED = "postmortem-scheduled"
    IMPROVING = "improving"
    DONE = "done"

    @property
    def rank(self) -> int:
        return _PHASE_ORDER.index(self)

    def at_least(self, other: Phase) -> bool:
        return self.rank >= other.rank


_PHASE_ORDER = list(Phase)


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Section:
    """A heading and the lines it spans (up to the next heading of the same or a higher level)."""

    key: str | None  # canonical id from ``sections.SECTION_KEYS`` or None for unknown headings
    path: tuple[str, ...]  # heading texts from the top down
    level: int
    line: int
    end_line: int  # last line (inclusive) that belongs to the section
    keys: tuple[str | None, ...] = ()  # canonical keys along ``path`` (this section's last)


@dataclass(frozen=True)
class ListItem:
    """One list item (task or not), with the text of its first paragraph."""

    text: str
    line: int
    depth: int  # 0 for a top-level list item, 1 for an item nested once, ...
    section: str | None  # key of the innermost known section holding it
    path: tuple[str, ...]  # heading path holding it
    task: bool
    checked: bool
    parent_text: str | None  # text of the enclosing list item, if any


@dataclass(frozen=True)
class TriageQuestion:
    key: str  # "users-affected", "data-corrupting", "under-attack"
    label: str
    checked: bool
    written: str | None  # the written answer as typed, None when still TODO/blank
    answer: Answer
    conflict: bool
    line: int | None  # None when the question is missing from the body


@dataclass(frozen=True)
class Role:
    key: str  # "investigator", "communicator", "recorder"
    label: str
    handles: tuple[str, ...]
    checked: bool
    line: int | None
    names: tuple[str, ...] = ()  # what else the line names that is not an @handle ("dave", "Tanaka-san")


@dataclass(frozen=True)
class Link:
    url: str
    line: int
    kind: str  # "video", "image", "link"
    form: str  # which attachment form matched (e.g. "user-attachments"), or "allowed-host", "other"


@dataclass(frozen=True)
class Attendee:
    kind: str  # "handle", "email" or "name"
    value: str  # the handle without @, the address, or the name without honorific
    written: str  # as written (for messages)
    line: int

    @property
    def shown(self) -> str:
        return f"@{self.value}" if self.kind == "handle" else self.value


@dataclass(frozen=True)
class TimelineEntry:
    text: str  # the whole line as written, without the list marker
    line: int
    when: datetime | None  # aware UTC datetime, None for a slot or an unparseable line
    description: str
    slot: bool  # an ``xx/xx xx:xx`` placeholder line
    error: str | None = None  # why the line could not be read, if it could not
    stamp: str = ""  # the time stamp as written (folded), for "read as" displays
    zone: str = ""  # how its zone was read: "JST", "+09:00", "JST, as on line 12", "Asia/Tokyo (team zone)"
    # Where the zone came from: "written" on the line, "inherited" from a line above, the
    # timeline's "heading" (``Timeline(JST)``), or the "team" zone (the ``timezone:`` setting).
    zone_source: str = ""
    local: datetime | None = None  # the moment in the zone it was read in


@dataclass(frozen=True)
class RecordField:
    key: str  # "where-is-bug", "first-aid", "people-affected"
    text: str  # the human text, "" while it only says TODO
    line: int | None

    @property
    def filled(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class Postmortem:
    start: datetime | None  # aware UTC datetime
    duration_minutes: int
    written: str  # the Datetime line as written
    line: int | None
    error: str | None  # why a written date could not be read
    attendees: tuple[str, ...]  # the Attendees lines as written
    invitees: tuple[Attendee, ...] = ()  # everyone named on them: handles, e-mail addresses, names
    stamp: str = ""  # the start as written (folded)
    zone: str = ""  # how its zone was read
    zone_source: str = ""  # "written", "heading" (``Datetime(JST)``) or "team", as for a timeline entry
    local: datetime | None = None  # the start in the zone it was read in
    length_written: bool = False  # a length or end time was written (else the 2-hour default)


@dataclass(frozen=True)
class ActionItem:
    text: str
    checked: bool
    line: int
    links: tuple[str, ...]  # "#12", "owner/repo#12", or full issue/PR URLs as written
    topic: str  # "root-problem", "workflow", "incident-mode", or "other"


@dataclass(frozen=True)
class MeetingRole:
    """A postmortem role (Facilitator, Timekeeper, Writer, Rulekeeper) and who holds it."""

    key: str  # "facilitator", "timekeeper", "writer", "rulekeeper"
    label: str
    handles: tuple[str, ...]  # named on the role's own line
    line: int | None  # None when the role's line is missing from the body
    fallback: str | None = None  # the role that covers it when nobody is named ("facilitator", "writer")
    covered_by: tuple[str, ...] = ()  # the fallback role's handles, when this one is empty

    @property
    def holders(self) -> tuple[str, ...]:
        """Who does the role: its own handles, else the fallback role's (the template's "or ... do this role")."""
        return self.handles or self.covered_by


@dataclass(frozen=True)
class AgendaPart:
    """One time-boxed part of the postmortem's agenda, with the minutes written on its heading or line."""

    title: str  # the heading or line text without its "(20min)"
    minutes: int | None  # None when no time box is written
    line: int
    parts: tuple[AgendaPart, ...] = ()  # its own time-boxed sub-parts (sub-headings or list items)


@dataclass(frozen=True)
class MeetingNotes:
    """A part of the meeting that must hold the team's own words after it (good points, brainstorming)."""

    key: str  # "good-points", or "brainstorming:<topic>"
    title: str  # the heading as written
    line: int
    filled: bool  # something other than the template's placeholder and instructions is written


@dataclass(frozen=True)
class Meeting:
    """The postmortem meeting as the body describes it: roles, agenda, notes."""

    roles: tuple[MeetingRole, ...] = ()
    agenda: tuple[AgendaPart, ...] = ()
    agenda_line: int | None = None
    notes: tuple[MeetingNotes, ...] = ()

    def role(self, key: str) -> MeetingRole | None:
        return next((r for r in self.roles if r.key == key), None)


@dataclass(frozen=True)
class Incident:
    """Everything the parser found in one issue body."""

    body: str  # the normalised body the line numbers refer to
    headings: tuple[Heading, ...]
    sections: tuple[Section, ...]
    items: tuple[ListItem, ...]
    triage: tuple[TriageQuestion, ...]
    roles: tuple[Role, ...]
    videos: tuple[Link, ...]
    links: tuple[Link, ...]  # every link found under the video heading (videos included)
    record: tuple[RecordField, ...]
    timeline: tuple[TimelineEntry, ...]
    postmortem: Postmortem
    action_items: tuple[ActionItem, ...]
    template_like: bool  # enough of the template's sections are present to call it an incident body
    missing_sections: tuple[str, ...] = field(default=())
    meeting: Meeting = field(default_factory=Meeting)  # the postmortem's roles, agenda and notes

    @property
    def tasks(self) -> tuple[ListItem, ...]:
        return tuple(i for i in self.items if i.task)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def role(self, key: str) -> Role:
        return next(r for r in self.roles if r.key == key)

    def record_field(self, key: str) -> RecordField:
        return next(f for f in self.record if f.key == key)

    @property
    def decision(self) -> Decision:
        answers = [q.answer for q in self.triage]
        if Answer.YES in answers:
            return Decision.INCIDENT
        if answers and all(a is Answer.NO for a in answers) and len(answers) == 3:
            return Decision.NOT_INCIDENT
        return Decision.UNDECIDED


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    line: int | None = None


@dataclass(frozen=True)
class IssueContext:
    """What the body alone cannot say: labels, state and dates, from the API or the CLI."""

    labels: frozenset[str] = frozenset()
    state: str = "open"  # "open" or "closed"
    state_reason: str | None = None
    created_at: datetime | None = None
    now: datetime | None = None
    # Facts the bot has established that fulfil template items ("invite", "report"; "weekly" in weekly runs).
    fulfilled: frozenset[str] = frozenset()
    # Follow-up issues (numbers) the weekly check opened that are still open: the incident is not done.
    open_followups: tuple[int, ...] = ()
