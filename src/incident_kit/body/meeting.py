"""The call and the postmortem meeting: the parts of the template that used to be text only.

The Slack call is read from the timeline's own lines ("Start slack call by @...",
"Finish slack call"; the bot cannot see Slack). The meeting is read from the
postmortem section: the four roles of "Decide role" with the template's fallbacks
(the Facilitator keeps time and the Writer keeps the rules unless someone else is
named), the agenda's time boxes as written on its headings and lines ("(20min)",
"（20分）"), and whether "good points" and each topic's brainstorming hold the team's
own words rather than the template's ``...TODO...``. Japanese role names and minutes
read the same as the English ones.
"""

from __future__ import annotations

import re

from incident_kit.body.document import Document
from incident_kit.body.model import AgendaPart, ListItem, Meeting, MeetingNotes, MeetingRole, Section, TimelineEntry
from incident_kit.body.roles import handles
from incident_kit.body.sections import TOPICS
from incident_kit.body.text import fold

# key, label, pattern on the folded item text, the role that covers it when nobody is named
MEETING_ROLES: tuple[tuple[str, str, re.Pattern[str], str | None], ...] = (
    ("facilitator", "Facilitator", re.compile(r"^(?:facilitators?\b|ファシリテータ|司会)", re.I), None),
    ("timekeeper", "Timekeeper", re.compile(r"^(?:time ?keepers?\b|タイムキーパ|時間管理|計時)", re.I), "facilitator"),
    ("writer", "Writer", re.compile(r"^(?:writers?\b|書記|記録係)", re.I), None),
    ("rulekeeper", "Rulekeeper", re.compile(r"^(?:rule ?keepers?\b|ルールキーパ)", re.I), "writer"),
)
# The fallback roles are named in the role's own line, e.g. "Timekeeper (or Facilitator do this role)":
# the mention of the other role is not a handle, so nothing else needs removing before reading handles.

# "(20min)", "(5 minutes)", "（20分）" (folded to "(20分)"), "/ 2min" at the end of a step.
MINUTES = re.compile(
    r"[(\[]\s*(\d{1,3})\s*(?:min(?:ute)?s?|分(?:間)?)\s*[)\]]|/\s*(\d{1,3})\s*(?:min(?:ute)?s?|分)\s*$", re.I
)

# Lines of a notes section that are the template's own words, not the team's.
_PLACEHOLDER = re.compile(r"^(?:\[[ xX]\]\s*)?(?:\.*\s*todo\b.*|\.{2,}|…+|x+|tbd|未定|-+)?\s*$", re.I)
_INSTRUCTION = re.compile(r"^(?:list ?up any ideas?|アイデアを(?:挙げ|出|書).*)$", re.I)
_EMPHASIS_ONLY = re.compile(r"^([*_])[^*_].*\1$")

CALL_START = re.compile(
    r"^(?:start(?:ed)?|join(?:ed)?|open(?:ed)?)\s+(?:a |the )?(?:slack\s+)?(?:voice\s+)?(?:call|huddle)"
    r"|^(?:slack\s*)?(?:通話|ハドル|コール)(?:を)?(?:開始|始め)",
    re.I,
)
CALL_END = re.compile(
    r"^(?:finish(?:ed)?|close[d]?|end(?:ed)?|stop(?:ped)?|left)\s+(?:a |the )?(?:slack\s+)?(?:voice\s+)?(?:call|huddle)"
    r"|^(?:slack\s*)?(?:通話|ハドル|コール)(?:を)?(?:終了|終え|閉じ)",
    re.I,
)


def parse_meeting(doc: Document, items: tuple[ListItem, ...]) -> Meeting:
    agenda_section = next((s for s in doc.sections if s.key == "agenda"), None)
    return Meeting(
        roles=_roles(items),
        agenda=_agenda(doc, items, agenda_section) if agenda_section is not None else (),
        agenda_line=agenda_section.line if agenda_section is not None else None,
        notes=_notes(doc),
    )


def minutes_of(text: str) -> tuple[str, int | None]:
    """A heading or line's text without its time box, and the box's minutes (None when none is written)."""
    folded = fold(text).strip()
    m = MINUTES.search(folded)
    if m is None:
        return folded, None
    title = (folded[: m.start()] + folded[m.end() :]).strip(" -:/")
    return " ".join(title.split()), int(m.group(1) or m.group(2))


def short_title(title: str, limit: int = 28) -> str:
    """A part's name for a sum: "Root problem" of "Root problem / We finished only first aid, ...?"."""
    head = title.split(" / ")[0].strip()
    if len(head) <= limit:
        return head
    return head[: head.rfind(" ", 0, limit) if " " in head[:limit] else limit].rstrip() + "…"


def _roles(items: tuple[ListItem, ...]) -> tuple[MeetingRole, ...]:
    found: dict[str, tuple[tuple[str, ...], int | None]] = {}
    for key, _label, pattern, _fallback in MEETING_ROLES:
        # The meeting's roles, not the incident's: never from "How to resolve the incident".
        item = next((i for i in items if i.section != "resolve" and pattern.match(fold(i.text).lstrip())), None)
        found[key] = (handles(item.text), item.line) if item is not None else ((), None)
    out: list[MeetingRole] = []
    for key, label, _pattern, fallback in MEETING_ROLES:
        own, line = found[key]
        covered = found[fallback][0] if fallback and not own else ()
        out.append(MeetingRole(key, label, own, line, fallback, covered))
    return tuple(out)


def _agenda(doc: Document, items: tuple[ListItem, ...], agenda: Section) -> tuple[AgendaPart, ...]:
    inside = [s for s in doc.sections if agenda.line < s.line <= agenda.end_line]
    if not inside:
        return ()
    top = min(s.level for s in inside)
    out: list[AgendaPart] = []
    for part in (s for s in inside if s.level == top):
        title, minutes = minutes_of(part.path[-1] if part.path else "")
        below = [s for s in inside if part.line < s.line <= part.end_line]
        subs: list[AgendaPart] = []
        if below:
            level = min(s.level for s in below)
            for sub in (s for s in below if s.level == level):
                sub_title, sub_minutes = minutes_of(sub.path[-1] if sub.path else "")
                if sub_minutes is not None:
                    subs.append(AgendaPart(sub_title, sub_minutes, sub.line))
        # Time-boxed steps written as the part's own list items ("Share agenda for today (2min)").
        first_sub = min((s.line for s in below), default=part.end_line + 1)
        for item in items:
            if item.depth == 0 and part.line < item.line < first_sub:
                item_title, item_minutes = minutes_of(item.text)
                if item_minutes is not None:
                    subs.append(AgendaPart(item_title, item_minutes, item.line))
        subs.sort(key=lambda p: p.line)
        out.append(AgendaPart(title, minutes, part.line, tuple(subs)))
    return tuple(out)


def notes_filled(lines: list[tuple[int, str]]) -> bool:
    """Whether any line holds the team's words, not the placeholder or the template's instructions."""
    for _, raw in lines:
        text = fold(raw).strip()
        text = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", text).strip()
        if not text or _PLACEHOLDER.match(text) or _INSTRUCTION.match(text) or _EMPHASIS_ONLY.match(text):
            continue
        if text.startswith("<!--"):
            continue
        return True
    return False


def _notes(doc: Document) -> tuple[MeetingNotes, ...]:
    out: list[MeetingNotes] = []
    for s in doc.sections:
        if s.key == "good-points":
            key = "good-points"
        elif s.key == "brainstorming":
            topic = next((k for k in reversed(s.keys[:-1]) if k in TOPICS), "other")
            key = f"brainstorming:{topic}"
        else:
            continue
        # Only the section's own lines: a sub-heading's lines belong to the sub-heading.
        own_end = min((h.line for h in doc.headings if s.line < h.line <= s.end_line), default=s.end_line + 1)
        lines = [(n, text) for n, text in doc.section_lines(s) if n < own_end]
        out.append(MeetingNotes(key, s.path[-1] if s.path else key, s.line, notes_filled(lines)))
    return tuple(out)


def call_entry(timeline: tuple[TimelineEntry, ...], pattern: re.Pattern[str]) -> TimelineEntry | None:
    """The first timeline line about the call that holds a time ("Start slack call by @...", "Finish slack call")."""
    return next((e for e in timeline if e.when is not None and pattern.search(fold(e.description))), None)


def call_line(timeline: tuple[TimelineEntry, ...], pattern: re.Pattern[str]) -> TimelineEntry | None:
    """The timeline line about the call, written or still a slot."""
    return next((e for e in timeline if pattern.search(fold(e.description))), None)
