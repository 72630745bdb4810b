"""The weekly check's planning (pure): what is left on each incident, who owns it, what to write.

This module owns the weekly scan's state document (the one JSON file the shell
commits: last successful scan, resume cursor, the ISO week each issue was last
reminded, the follow-up issues it opened, cached bot facts, each issue's reading
of its body while the body does not change, the monthly trend), the per-issue
assessment (unticked boxes per section, open findings, follow-ups to open,
whether the issue is done) and every text the check writes: the reminder, a
follow-up issue's title and body, the done note and the digest. Nothing here
does I/O; ``weekly_scan`` reads GitHub, calls these, and applies what they say
within the write budget.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from incident_kit import __version__
from incident_kit.basics import markers
from incident_kit.basics.limits import BODY_MAX
from incident_kit.basics.times import format_iso, parse_stored
from incident_kit.body.action_items import vague_phrase
from incident_kit.body.checklist import is_done, is_private, item_name
from incident_kit.body.model import Finding, Incident, IssueContext, ListItem, Phase, Severity
from incident_kit.body.parse import parse_incident
from incident_kit.body.roles import handles
from incident_kit.github.port import CommitData, IssueData
from incident_kit.plan.bot_state import BotState
from incident_kit.plan.followup import item_key, marker
from incident_kit.rules.done import Gap, done_gaps, is_none_line
from incident_kit.rules.evaluate import evaluate
from incident_kit.settings.config import Config

STATE_VERSION = 1
# Bump when reading a body (parser, rules, what a Summary holds) changes: every cached reading is
# then read again. The package version is part of the fingerprint too, for releases that forget.
SUMMARY_VERSION = 2  # 2: the weekly-check box is fulfilled while the weekly check runs
# GitHub's contents API returns files over 1 MB without their content; the state file stays below.
STATE_MAX = 900_000
# The findings a reminder repeats: what blocks the process, not style (timeline format and such).
WEEKLY_RULES = (
    "roles-missing",
    "video-missing",
    "postmortem-unscheduled",
    "action-item-vague",
    "action-item-untracked",
    # issue #17: the meeting's notes and roles, and the call's end
    "meeting-notes-empty",
    "postmortem-roles-missing",
    "call-not-closed",
)
REMINDER_MARKER = markers.REMINDER_PREFIX
DIGEST_MARKER = markers.DIGEST
DIGEST_TITLE = "Incident digest (incident-kit weekly check)"
MAX_LISTED_ITEMS = 60  # a reminder lists this many boxes (and findings), then says how many more
MAX_DIGEST_ROWS = 100  # rows per digest table, so the digest fits in one issue body
TREND_MONTHS = 12
# Our own reminder comment moves the issue's updated_at a moment after we read it.
FACTS_SLACK = timedelta(seconds=10)
_TOPIC_NAMES = {
    "root-problem": "Root problem: how to resolve it permanently",
    "workflow": "Workflow problem: how to avoid incidents like this permanently",
    "incident-mode": "Incident mode: how future incidents get first aid in half the time",
    "other": "Postmortem action items",
}


def _zone(name: str) -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def iso_week(moment: datetime, timezone: str = "UTC") -> str:
    """The ISO week (``2026-W48``) the team is in, in its own time zone."""
    year, week, _ = moment.astimezone(_zone(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def weekday(moment: datetime, timezone: str = "UTC") -> str:
    return moment.astimezone(_zone(timezone)).strftime("%A").lower()


# ---------------------------------------------------------------- the state document


@dataclass
class FollowupRecord:
    """A follow-up issue the check opened (or found by its marker)."""

    number: int
    incident: int
    key: str
    text: str = ""
    state: str = "open"  # "open" | "closed" | "missing" (deleted or transferred: GitHub answers 404)
    recorded: bool = False  # the incident's status comment lists it
    created_at: datetime | None = None
    assignees: tuple[str, ...] = ()  # as listed this run; not stored
    title: str = ""  # as listed this run; not stored
    seen: bool = False  # listed (or read) this run; not stored


@dataclass
class Facts:
    """What only the status comment says about an issue, cached while the issue does not change."""

    at: datetime  # the issue's updated_at when read
    fulfilled: frozenset[str] = frozenset()
    confirmed_by: str | None = None


@dataclass
class WeeklyState:
    last_success: datetime | None = None  # start of the last scan that went through every issue
    cursor: int | None = None  # the issue a budget-capped scan stopped at; the next run starts there
    reminded: dict[int, str] = field(default_factory=dict)  # issue -> ISO week of its last reminder
    followups: dict[int, FollowupRecord] = field(default_factory=dict)  # by follow-up number
    facts: dict[int, Facts] = field(default_factory=dict)
    # issue -> its Summary as a row (see encode_summary), decoded only when the issue is looked at;
    # written one line per issue.
    summaries: dict[int, list[Any]] = field(default_factory=dict)
    digest: int | None = None  # the rolling digest issue
    trend: dict[str, list[int]] = field(default_factory=dict)  # "YYYY-MM" -> incident numbers opened then

    def followups_of(self, incident: int) -> list[FollowupRecord]:
        return sorted((f for f in self.followups.values() if f.incident == incident), key=lambda f: f.number)

    def followup(self, incident: int, key: str) -> FollowupRecord | None:
        return next((f for f in self.followups.values() if f.incident == incident and f.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "last_success": format_iso(self.last_success) if self.last_success else None,
            "cursor": self.cursor,
            "reminded": {str(n): w for n, w in sorted(self.reminded.items())},
            "followups": {
                str(f.number): {
                    "incident": f.incident,
                    "key": f.key,
                    "text": f.text,
                    "state": f.state,
                    "recorded": f.recorded,
                    "created": format_iso(f.created_at) if f.created_at else None,
                }
                for f in sorted(self.followups.values(), key=lambda f: f.number)
            },
            "facts": {
                str(n): {"at": format_iso(x.at), "f": sorted(x.fulfilled), "c": x.confirmed_by}
                for n, x in sorted(self.facts.items())
            },
            "summaries": {str(n): row for n, row in sorted(self.summaries.items())},
            "digest": self.digest,
            "trend": {month: sorted(set(numbers)) for month, numbers in sorted(self.trend.items())},
        }

    def dump(self) -> bytes:
        """The file's bytes. The contents API returns a file over 1 MB without its content, so the
        biggest cached readings (a cache only: those issues are read again) are dropped until it fits,
        from this state too: what :func:`same_week_no_news` then compares is what is written (else a
        state at the cap would differ from its own file and be committed again every run)."""
        data = self.to_json()
        encoded = _encode(data)
        rows = data["summaries"]
        while len(encoded) > STATE_MAX and rows:
            excess = len(encoded) - STATE_MAX
            sizes = {n: len(_compact(row).encode("utf-8")) for n, row in rows.items()}
            for number in sorted(rows, key=lambda n: (-sizes[n], n)):
                if excess <= 0:
                    break
                del rows[number]
                self.summaries.pop(int(number), None)
                excess -= sizes[number] + len(number) + 7
            encoded = _encode(data)
        return encoded


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _encode(data: dict[str, Any]) -> bytes:
    """The document indented, but each cached reading on one line (the file stays small, and a
    commit's diff shows one line per issue whose reading changed)."""
    rows, texts = _intern(data["summaries"])
    text = json.dumps({**data, "summaries": {}, "texts": texts}, indent=1, sort_keys=True, ensure_ascii=False)
    if rows:
        # Inside a JSON string every quote is escaped, so only the key itself matches here.
        lines = ",\n".join(f"  {json.dumps(n)}: {_compact(rows[n])}" for n in sorted(rows))
        text = text.replace('"summaries": {}', '"summaries": {\n' + lines + "\n }", 1)
    return (text + "\n").encode("utf-8")


# Texts that repeat from issue to issue (a rule's message, a template box and its section, a gap) are
# written once under "texts", and a reading refers to one by its index: 5,000 readings fit the file.
_TEXT_SLOTS = ((4, (0, 1, 3)), (6, (2,)), (7, (0, 1)))  # (field of the row, places in each entry)


def _slots(row: list[Any]) -> Iterator[tuple[list[Any], int]]:
    """Each (entry, place) of a row where an interned text may stand; nothing of what is not a row."""
    for part, places in _TEXT_SLOTS:
        group = row[part] if len(row) > part else None
        for entry in group if isinstance(group, list) else ():
            if isinstance(entry, list):
                yield from ((entry, i) for i in places if i < len(entry))


def _intern(rows: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The rows with each text used more than once replaced by its index in the returned table
    (copies: the state's own rows keep their texts)."""
    copies = {
        n: [[list(e) if isinstance(e, list) else e for e in f] if isinstance(f, list) else f for f in row]
        for n, row in rows.items()
    }
    uses = Counter(e[i] for row in copies.values() for e, i in _slots(row) if isinstance(e[i], str))
    table = sorted((t for t, k in uses.items() if k > 1 and len(t) > 3), key=lambda t: (-uses[t], t))
    index = {t: k for k, t in enumerate(table)}
    for row in copies.values():
        for entry, i in _slots(row):
            if isinstance(entry[i], str) and entry[i] in index:
                entry[i] = index[entry[i]]
    return copies, table


def _expand(row: list[Any], texts: list[Any]) -> list[Any]:
    """A row as the file wrote it with its texts back in place; an index that names no text stays
    a number (decode_summary then refuses the row: the issue is read again)."""
    for entry, i in _slots(row):
        k = entry[i]
        if isinstance(k, int) and not isinstance(k, bool) and 0 <= k < len(texts) and isinstance(texts[k], str):
            entry[i] = texts[k]
    return row


# An issue number as the state file writes it. Not str.isdigit(): "²" and "①" pass that and then
# crash int(); a key like that means the file was edited by hand, and the entry is dropped.
_NUMBER = re.compile(r"[0-9]{1,9}")


def load_state(data: bytes | None) -> tuple[WeeklyState, str | None]:
    """The state from the committed file; a missing or unreadable one starts afresh (and says why)."""
    if data is None:
        return WeeklyState(), None
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return WeeklyState(), f"the weekly state file is not valid JSON ({exc}); starting afresh"
    if not isinstance(raw, dict) or raw.get("v") != STATE_VERSION:
        return WeeklyState(), "the weekly state file has an unknown format; starting afresh"
    state = WeeklyState(last_success=parse_stored(raw.get("last_success")))
    cursor = raw.get("cursor")
    state.cursor = cursor if isinstance(cursor, int) and not isinstance(cursor, bool) else None
    for number, week in _dict(raw.get("reminded")).items():
        if _NUMBER.fullmatch(str(number)) and isinstance(week, str):
            state.reminded[int(number)] = week
    for number, entry in _dict(raw.get("followups")).items():
        if not _NUMBER.fullmatch(str(number)) or not isinstance(entry, dict):
            continue
        incident, key = entry.get("incident"), entry.get("key")
        if not isinstance(incident, int) or not isinstance(key, str):
            continue
        state.followups[int(number)] = FollowupRecord(
            number=int(number),
            incident=incident,
            key=key,
            text=str(entry.get("text") or ""),
            state=str(entry["state"]) if entry.get("state") in ("closed", "missing") else "open",
            recorded=bool(entry.get("recorded")),
            created_at=parse_stored(entry.get("created")),
        )
    for number, entry in _dict(raw.get("facts")).items():
        at = parse_stored(entry.get("at")) if isinstance(entry, dict) else None
        if not _NUMBER.fullmatch(str(number)) or at is None:
            continue
        fulfilled = entry.get("f") if isinstance(entry.get("f"), list) else []
        confirmed = entry.get("c")
        state.facts[int(number)] = Facts(
            at, frozenset(str(x) for x in fulfilled), confirmed if isinstance(confirmed, str) else None
        )
    table = raw.get("texts")
    texts: list[Any] = table if isinstance(table, list) else []
    for number, row in _dict(raw.get("summaries")).items():
        if _NUMBER.fullmatch(str(number)) and isinstance(row, list):
            state.summaries[int(number)] = _expand(row, texts)  # checked when decoded: a bad row means a re-read
    digest = raw.get("digest")
    state.digest = digest if isinstance(digest, int) and not isinstance(digest, bool) else None
    for month, numbers in _dict(raw.get("trend")).items():
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}", str(month)) and isinstance(numbers, list):
            state.trend[str(month)] = [n for n in numbers if isinstance(n, int)]
    odd = [
        str(k)
        for part in ("reminded", "followups", "facts", "summaries")
        for k in _dict(raw.get(part))
        if not _NUMBER.fullmatch(k)
    ]
    if odd:
        return state, f"the weekly state file has {len(odd)} entries without an issue number ({odd[0]!r}); ignored them"
    return state, None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def same_week_no_news(old: WeeklyState, new: WeeklyState, week: str, timezone: str) -> bool:
    """Nothing but the scan time would change, and the stored scan is from this week: no commit.

    A second run in the same ISO week then writes nothing at all; the older "since" it keeps
    only makes the next run look at a few more closed issues, never at fewer.
    """
    if old.last_success is None or iso_week(old.last_success, timezone) != week:
        return False
    a, b = old.to_json(), new.to_json()
    a.pop("last_success")
    b.pop("last_success")
    return a == b


def rotation(numbers: Iterable[int], cursor: int | None) -> list[int]:
    """Issue numbers in the order this run works through them: from the cursor on, then the rest."""
    ordered = sorted(set(numbers))
    if cursor is None:
        return ordered
    return [n for n in ordered if n >= cursor] + [n for n in ordered if n < cursor]


# ---------------------------------------------------------------- one issue


@dataclass(frozen=True)
class OpenItem:
    section: str  # the top-level heading the box sits under
    text: str
    line: int
    under: str = ""  # the innermost heading, when deeper than the section
    private: bool = False  # about someone's psychological safety: counted, never listed in public


@dataclass(frozen=True)
class NewFollowup:
    """An action item that links no issue and has no follow-up yet: open one for it."""

    key: str
    text: str
    line: int
    topic: str
    handles: tuple[str, ...]


@dataclass
class Assessment:
    issue: IssueData
    summary: Summary  # what the body says (all the digest needs of it)
    phase: Phase
    open_items: list[OpenItem]
    findings: list[Finding]
    followups: list[FollowupRecord]
    new_followups: list[NewFollowup]
    owners: tuple[str, ...]
    age_days: int
    remind: bool  # something is left: a reminder is due (once a week)
    done: bool  # every box that counts is done, every follow-up closed, and nothing in ``gaps``
    close: bool  # done, an incident-improvement issue, still open, and close-when-done is on
    gaps: list[Gap] = field(default_factory=list)  # what besides boxes is missing (rules.done), with owners

    @property
    def number(self) -> int:
        return self.issue.number

    @property
    def open_followups(self) -> list[FollowupRecord]:
        return [f for f in self.followups if f.state == "open"]

    @property
    def missing_followups(self) -> list[FollowupRecord]:
        return [f for f in self.followups if f.state == "missing"]


def read_incident(issue: IssueData, config: Config) -> Incident:
    return parse_incident(
        issue.body, reference=issue.created_at, video_hosts=config.video.hosts, timezone=config.timezone
    )


def counts(item: ListItem, sections: tuple[str, ...]) -> bool:
    """Whether a box counts under ``weekly.sections`` (a heading on its path starts with one of them)."""
    if not sections:
        return True
    wanted = [s.casefold().strip() for s in sections]
    return any(h.casefold().strip().startswith(w) for h in item.path for w in wanted)


def needs_facts(issue: IssueData, incident: Incident, config: Config) -> bool:
    """Whether a box the bot fulfils (invite, report) is open and could be fulfilled already:
    only the status comment can tell, so only then are the issue's comments read."""
    for item in incident.tasks:
        if item.checked or not counts(item, config.weekly.sections):
            continue
        name = item_name(item)
        if name == "invite" and incident.postmortem.start is not None:
            return True
        if name == "output-pdf" and (config.labels.improvement in issue.labels or issue.state == "closed"):
            return True
    return False


def facts_from_status(state: BotState, incident: Incident) -> frozenset[str]:
    """The deliveries the status comment's state records (issue #14: a committed file is not a sent one):
    the invite for the date in the body e-mailed to someone, the final report sent to stakeholders."""
    from incident_kit.plan.messages import delivered

    out = set(delivered(state.sent, state.invite))
    invite = state.invite
    start = incident.postmortem.start
    if invite is None or start is None or invite.start != format_iso(start):
        out.discard("invite")  # e-mailed for another date: this one is not sent
    return frozenset(out)


@dataclass(frozen=True)
class BoxLeft:
    """A box that counts and is not done, and the follow-up key of its action item (if it is one)."""

    item: OpenItem
    key: str | None


@dataclass(frozen=True)
class ActionLeft:
    """An action item not ticked: what follow-ups and findings need of it."""

    line: int
    text: str
    linked: bool
    vague: bool
    topic: str

    @property
    def key(self) -> str:
        return item_key(self.text)


@dataclass(frozen=True)
class Summary:
    """What the weekly check needs of one issue's body: everything :func:`assess_summary` and the
    digest use, so an unchanged issue is not parsed again (cached in the state file, see
    :func:`encode_summary`).

    Besides the body, labels and state (the cache key), the rules see three things that change
    without an edit: the bot facts, the follow-up issues still open (rules.done turns a ticked-off
    incident back to improving while one is open) and ``now``, only as which side of the
    postmortem's start and end it is on (rules.phase, the meeting-notes rule). A reading holds while
    all three are as it was read with (:meth:`holds`). The follow-up states and the age are applied
    on top each run; the template-change lookup is made each run (apply.weekly_run)."""

    phase: Phase
    template_like: bool
    counted: int  # boxes that count under weekly.sections
    boxes: tuple[BoxLeft, ...]
    actions: tuple[ActionLeft, ...]  # the unticked action items, in body order
    findings: tuple[Finding, ...]  # WEEKLY_RULES findings of a template-like incident, ticked items left out
    gaps: tuple[Gap, ...]  # what besides boxes keeps it from done (rules.done), owners with their handles
    roles: tuple[str, ...]  # every role's handles, in order
    template_lines: tuple[int, ...]  # lines of the "Update incident issue template" boxes
    first_aid: tuple[datetime, datetime] | None  # (start, first aid done) when the timeline says both
    postmortem: tuple[datetime, int] | None  # its start and length in minutes
    passed: int  # how many of the postmortem's start and end ``now`` had passed when read
    fulfilled: frozenset[str]
    open_followups: tuple[int, ...]  # the open follow-up issues it was read with
    needs_facts: bool

    def holds(self, now: datetime, fulfilled: frozenset[str], open_followups: tuple[int, ...]) -> bool:
        """Whether this reading is still what :func:`summarize` would say at ``now`` with these facts
        and follow-ups."""
        return (
            fulfilled == self.fulfilled
            and open_followups == self.open_followups
            and _passed(self.postmortem, now) == self.passed
        )


def _passed(postmortem: tuple[datetime, int] | None, now: datetime) -> int:
    """Which side of the postmortem's start and end ``now`` is on: all the rules see of the day."""
    if postmortem is None:
        return 0
    start, minutes = postmortem
    return (now >= start) + (now >= start + timedelta(minutes=minutes))


def summarize(
    issue: IssueData,
    incident: Incident,
    config: Config,
    now: datetime,
    *,
    fulfilled: frozenset[str] = frozenset(),
    open_followups: tuple[int, ...] = (),
) -> Summary:
    """Read what the weekly check needs from a parsed body (the expensive part, done once per change)."""
    from incident_kit.plan.figures import moments

    context = IssueContext(
        labels=frozenset(issue.labels),
        state=issue.state,
        state_reason=issue.state_reason,
        created_at=issue.created_at,
        now=now,
        # The weekly check running is what "Create weekly checking process" asks for.
        fulfilled=fulfilled | {"weekly"},
        open_followups=open_followups,
    )
    evaluation = evaluate(incident, context, config)
    relevant = evaluation.phase is not Phase.NOT_INCIDENT
    actions = {a.line: a for a in incident.action_items}
    counted = [t for t in incident.tasks if counts(t, config.weekly.sections)]
    boxes: list[BoxLeft] = []
    for item in counted:
        if is_done(item, incident, context, config.labels):
            continue
        action = actions.get(item.line)
        top = item.path[0] if item.path else "(before any heading)"
        under = item.path[-1] if len(item.path) > 1 else ""
        boxes.append(
            BoxLeft(
                OpenItem(top, item.text, item.line, under, is_private(item.text)),
                item_key(action.text) if action else None,
            )
        )
    done_actions = {a.line for a in incident.action_items if a.checked}
    findings = tuple(
        f
        for f in evaluation.findings
        if incident.template_like and relevant and f.rule in WEEKLY_RULES and f.line not in done_actions
    )
    left = tuple(
        ActionLeft(
            a.line,
            a.text,
            bool(a.links),
            bool(vague_phrase(a.text, config.vague_phrases, builtin=config.builtin_vague_phrases)),
            a.topic,
        )
        for a in incident.action_items
        if not a.checked
    )
    # Done is more than ticks (rules.done): no error left, the Record filled, the postmortem's outcome
    # written. Open follow-ups are already their own line of the reminder.
    gaps = (
        [
            replace(g, owner=_owner_handles(incident, g.owner))
            for g in done_gaps(
                incident,
                replace(context, open_followups=()),
                evaluation.findings,
                config.vague_phrases,
                config.builtin_vague_phrases,
            )
            if not g.what.startswith("fix the ") or g.what[9:].split("`")[0] in _GAP_RULES
        ]
        if relevant and incident.template_like
        else []
    )
    m = moments(incident, issue.created_at, [], config.labels.improvement)
    pm = incident.postmortem
    meeting = None if pm.start is None else (pm.start, pm.duration_minutes)
    return Summary(
        phase=evaluation.phase,
        template_like=incident.template_like,
        counted=len(counted),
        boxes=tuple(boxes),
        actions=left,
        findings=findings,
        gaps=tuple(gaps),
        roles=tuple(h for r in incident.roles for h in r.handles),
        template_lines=tuple(t.line for t in incident.tasks if item_name(t) == "update-template"),
        first_aid=(m.start, m.first_aid_done) if m.first_aid_done is not None and m.first_aid_done >= m.start else None,
        postmortem=meeting,
        passed=_passed(meeting, now),
        fulfilled=fulfilled,
        open_followups=open_followups,
        needs_facts=needs_facts(issue, incident, config),
    )


# ---------------------------------------------------------------- the cached reading
#
# One row per issue: [key, phase, template_like, counted, boxes, actions, findings, gaps, roles,
# template_lines, first_aid, postmortem, passed, fulfilled, open_followups, needs_facts]. Plain JSON
# (anyone with write access can edit the file): a line that does not decode exactly is read again
# from the body, never trusted.


def reading_fingerprint(config: Config) -> str:
    """What else a reading depends on: the settings (any change reads every issue again, the safe
    side), the package and the cache format's versions."""
    return hashlib.sha256(f"{SUMMARY_VERSION}|{__version__}|{config!r}".encode()).hexdigest()[:16]


def summary_key(issue: IssueData, fingerprint: str) -> str:
    """The cache key of an issue's reading: a digest of everything of the issue it depends on.

    Not ``updated_at`` alone: that moves on every comment (the check's own reminders too), so
    keying on it would read a reminded issue again every week; and it has whole seconds, so an
    edit in the second the scan listed the issue would go unseen. Hashing the body is cheap next
    to parsing it."""
    h = hashlib.blake2b(digest_size=8)
    for part in (
        fingerprint,
        issue.created_at.isoformat(),
        issue.state,
        issue.state_reason or "",
        *sorted(issue.labels),
    ):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    h.update(issue.body.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class _Inexact(ValueError):
    """A time the state file's form (whole seconds, 1970-9998) would not give back exactly."""


def encode_summary(key: str, s: Summary) -> list[Any] | None:
    """The row the state file keeps; None when it could not give the reading back exactly (a time
    with fractions of a second or outside 1970-9998): that issue is then parsed every run."""

    def when(moment: datetime | None) -> str | None:
        if moment is None:
            return None
        try:
            text = format_iso(moment)
        except (OverflowError, ValueError):  # year 1 or 9999 moved out of range by its offset
            raise _Inexact(str(moment)) from None
        if parse_stored(text) != moment:
            raise _Inexact(text)
        return text

    try:
        return _row(key, s, when)
    except _Inexact:
        return None


def _row(key: str, s: Summary, when: Callable[[datetime | None], str | None]) -> list[Any]:
    return [
        key,
        s.phase.value,
        s.template_like,
        s.counted,
        [[b.item.section, b.item.text, b.item.line, b.item.under, b.item.private, b.key] for b in s.boxes],
        [[a.line, a.text, a.linked, a.vague, a.topic] for a in s.actions],
        [[f.rule, f.severity.value, f.message, f.line] for f in s.findings],
        [[g.what, g.owner, g.line] for g in s.gaps],
        list(s.roles),
        list(s.template_lines),
        [when(t) for t in s.first_aid] if s.first_aid else None,
        [when(s.postmortem[0]), s.postmortem[1]] if s.postmortem else None,
        s.passed,
        sorted(s.fulfilled),
        list(s.open_followups),
        s.needs_facts,
    ]


def decode_summary(row: object, key: str) -> Summary | None:
    """The reading cached for ``key``; None when the row is for another key, or not exactly one."""
    if not isinstance(row, list) or not row or row[0] != key:
        return None  # the issue (or a setting) changed
    try:
        (
            _,
            phase,
            template_like,
            counted,
            boxes,
            actions,
            findings,
            gaps,
            roles,
            template_lines,
            first_aid,
            pm,
            passed,
            fulfilled,
            open_followups,
            facts,
        ) = row
        first: tuple[datetime, datetime] | None = None
        if first_aid is not None:
            a, b = _list(first_aid, 2)
            first = (_moment(a), _moment(b))
        meeting: tuple[datetime, int] | None = None
        if pm is not None:
            start, minutes = _list(pm, 2)
            meeting = (_moment(start), _int(minutes))
        return Summary(
            phase=Phase(phase),
            template_like=_bool(template_like),
            counted=_int(counted),
            boxes=tuple(
                BoxLeft(
                    OpenItem(_str(sec), _str(text), _int(ln), _str(under), _bool(private)),
                    None if k is None else _str(k),
                )
                for sec, text, ln, under, private, k in (_list(b, 6) for b in _list(boxes))
            ),
            actions=tuple(
                ActionLeft(_int(ln), _str(text), _bool(linked), _bool(vague), _str(topic))
                for ln, text, linked, vague, topic in (_list(a, 5) for a in _list(actions))
            ),
            findings=tuple(
                Finding(_str(rule), Severity(sev), _str(msg), None if ln is None else _int(ln))
                for rule, sev, msg, ln in (_list(f, 4) for f in _list(findings))
            ),
            gaps=tuple(
                Gap(_str(what), _str(owner), None if ln is None else _int(ln))
                for what, owner, ln in (_list(g, 3) for g in _list(gaps))
            ),
            roles=tuple(_str(h) for h in _list(roles)),
            template_lines=tuple(_int(ln) for ln in _list(template_lines)),
            first_aid=first,
            postmortem=meeting,
            passed=_int(passed),
            fulfilled=frozenset(_str(x) for x in _list(fulfilled)),
            open_followups=tuple(_int(n) for n in _list(open_followups)),
            needs_facts=_bool(facts),
        )
    except (ValueError, TypeError):
        return None


def _list(value: object, size: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (size is not None and len(value) != size):
        raise TypeError("not a list of that size")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("not a boolean")
    return value


def _moment(value: object) -> datetime:
    moment = parse_stored(value) if _str(value).endswith("Z") else None  # as format_iso writes it, in UTC
    if moment is None:
        raise ValueError("not a time the state file writes")
    return moment


def assess(
    issue: IssueData,
    incident: Incident,
    config: Config,
    now: datetime,
    *,
    fulfilled: frozenset[str] = frozenset(),
    followups: Iterable[FollowupRecord] = (),
) -> Assessment:
    """The assessment of one issue, read from its parsed body (what a cold scan does)."""
    known = list(followups)
    summary = summarize(issue, incident, config, now, fulfilled=fulfilled, open_followups=open_followup_numbers(known))
    return assess_summary(issue, summary, config, now, followups=known)


def open_followup_numbers(followups: Iterable[FollowupRecord]) -> tuple[int, ...]:
    """The open follow-up issues, as the rules see them (rules.done)."""
    return tuple(f.number for f in sorted(followups, key=lambda f: f.number) if f.state == "open")


def assess_summary(
    issue: IssueData, summary: Summary, config: Config, now: datetime, *, followups: Iterable[FollowupRecord] = ()
) -> Assessment:
    """The assessment from a body's reading, this run's follow-up states and ``now`` (no parse)."""
    known = sorted(followups, key=lambda f: f.number)
    by_key = {f.key: f for f in known}
    open_items: list[OpenItem] = []
    for box in summary.boxes:
        tracked = by_key.get(box.key) if box.key is not None else None
        if tracked is not None and tracked.state == "closed":
            continue  # its follow-up issue is closed: the change was made (or dropped) there
        # A follow-up that is gone (deleted or transferred) proves nothing: the box stays open,
        # and the reminder names the missing issue.
        open_items.append(box.item)
    relevant = summary.phase is not Phase.NOT_INCIDENT
    new: list[NewFollowup] = []
    if relevant:
        for a in summary.actions:
            key = a.key
            if a.linked or a.vague or key in by_key or is_none_line(a.text):
                continue
            if any(n.key == key for n in new):
                continue  # the same item written twice gets one issue
            new.append(NewFollowup(key, a.text, a.line, a.topic, handles(a.text)))
    tracked_lines = {a.line for a in summary.actions if a.key in by_key}
    findings = [f for f in summary.findings if not (f.rule == "action-item-untracked" and f.line in tracked_lines)]
    open_followups = [f for f in known if f.state == "open"]
    # A deleted follow-up of an item nobody ticked: the item is not done (whatever sections count).
    unticked = {a.key for a in summary.actions}
    missing = [f for f in known if f.state == "missing" and f.key in unticked]
    # An incident whose meeting left "good points" or a brainstorming empty is not done (issue #17).
    empty_notes = any(f.rule == "meeting-notes-empty" for f in findings)
    gaps = list(summary.gaps)
    done = (
        bool(summary.counted)
        and not open_items
        and not new
        and not open_followups
        and not missing
        and not gaps
        and not empty_notes
    )
    remind = relevant and not done and bool(open_items or findings or open_followups or missing or gaps)
    close = (
        done
        and relevant
        and config.weekly.close_when_done
        and issue.state == "open"
        and summary.template_like
        and config.labels.improvement in issue.labels
    )
    return Assessment(
        issue=issue,
        summary=summary,
        phase=summary.phase,
        open_items=open_items if relevant else [],
        findings=findings,
        followups=known,
        new_followups=new,
        owners=_owners(issue, summary.roles, bool(open_items or findings or gaps), open_followups),
        age_days=max(0, (now - issue.created_at).days),
        remind=remind,
        done=done,
        close=close,
        gaps=gaps,
    )


# Error findings that keep an incident from being done (the "not-done" warnings only repeat the gaps).
_GAP_RULES = (
    "triage-conflict",
    "triage-unanswered",
    "roles-missing",
    "role-count",
    "video-missing",
    "action-item-vague",
    "postmortem-date",
)


def _owner_handles(incident: Incident, owner: str) -> str:
    """ "Recorder" -> "Recorder (@dave)": the gap's owner by role and by name."""
    role = {"Recorder": "recorder", "Communicator": "communicator"}.get(owner)
    if role is None:
        return owner
    who = incident.role(role).handles
    return f"{owner} ({' '.join('@' + h for h in who)})" if who else owner


def _owners(
    issue: IssueData, roles: tuple[str, ...], boxes_left: bool, open_followups: list[FollowupRecord]
) -> tuple[str, ...]:
    """Who owns what is left: the role holders for the boxes, each follow-up's assignees for it."""
    people: list[str] = []
    if boxes_left or any(not f.assignees for f in open_followups):
        people += roles
    for f in open_followups:
        people += f.assignees
    if not people:
        people = list(issue.assignees) or [issue.author]
    seen: dict[str, str] = {}
    for login in people:
        if login and not login.endswith("[bot]"):
            seen.setdefault(login.casefold(), login)
    return tuple(seen.values())


# ---------------------------------------------------------------- texts


def quote(text: str, limit: int = 200) -> str:
    """Issue text inside the bot's markdown: one line, no HTML, and no pings or cross-references
    (a weekly quote of "@alice" or "#12" would notify or link again every week)."""
    one = " ".join(text.split())
    if len(one) > limit:
        one = one[: limit - 1] + "…"
    one = html.escape(one, quote=False)
    # One pass: the "#" of the inserted "&#8203;" must not be taken for a reference in turn.
    return re.sub(r"@(?=[A-Za-z0-9])|#(?=\d)", lambda m: m.group(0) + "&#8203;", one)


def _cell(text: str, limit: int = 60) -> str:
    return quote(text, limit).replace("|", "\\|")


def _mentions(logins: Iterable[str]) -> str:
    return " ".join(f"@{login}" for login in logins)


def template_line(change: CommitData | None, path: str, since: datetime) -> str:
    """What the reminder says about "Update incident issue template": the commit that changed the
    template since the incident began, linked, or that none did. The box stays the people's to tick."""
    if change is None:
        return (
            f"**Issue template**: no commit has changed `{path}` since this incident began "
            f"({since:%Y-%m-%d}). Update it with what the postmortem learned, then tick "
            "'Update incident issue template'."
        )
    when = f" on {change.committed_at:%Y-%m-%d}" if change.committed_at else ""
    who = f" by {quote('@' + change.author, 60)}" if change.author else ""
    return (
        f"**Issue template**: `{path}` changed since this incident began: [{change.sha[:7]}]({change.html_url}) "
        f"{quote(change.message, 100)}{who}{when}. If that is this incident's update, tick "
        "'Update incident issue template'."
    )


def update_template_open(a: Assessment) -> bool:
    """Whether the reminder has the "Update incident issue template" box among what is left."""
    lines = {i.line for i in a.open_items}
    return any(line in lines for line in a.summary.template_lines)


def reminder_line(week: str) -> str:
    """The reminder's first line: the week marker the check looks for before posting again."""
    return markers.reminder(f'{{"week": "{week}"}}')


def render_reminder(a: Assessment, week: str, template: str = "") -> str:
    """The week's reminder: who, what is left box by box, the findings, the follow-ups."""
    boxes = len(a.open_items)
    parts = [f"{boxes} box{'es' if boxes != 1 else ''} left"] if boxes else []
    if a.gaps:
        parts.append(f"{len(a.gaps)} more thing{'s' if len(a.gaps) != 1 else ''} to finish")
    if a.open_followups:
        n = len(a.open_followups)
        parts.append(f"{n} follow-up issue{'s' if n != 1 else ''} open")
    if a.missing_followups:
        n = len(a.missing_followups)
        parts.append(f"{n} follow-up issue{'s' if n != 1 else ''} missing")
    if a.findings and not parts:
        parts.append("to fix")
    age = f"opened {a.age_days} day{'s' if a.age_days != 1 else ''} ago"
    if a.issue.state == "closed":
        age = "closed, " + age
    lines = [
        reminder_line(week),
        f"### 🔁 Weekly check, {week}: {', '.join(parts)}",
        "",
        f"{_mentions(a.owners) + ': t' if a.owners else 'T'}his incident was {age} and is in phase **{a.phase}**. "
        "Here is what is left.",
        "",
    ]
    listed = 0
    current = None
    public = [i for i in a.open_items if not i.private]
    private = len(a.open_items) - len(public)
    for item in public:
        if listed >= MAX_LISTED_ITEMS:
            break
        if item.section != current:
            current = item.section
            count = sum(1 for i in public if i.section == current)
            lines.append(f"**{quote(current, 80)}** ({count})")
        under = f" _({quote(item.under, 60)})_" if item.under and item.under != item.section else ""
        lines.append(f"- [ ] {quote(item.text)}{under} · line {item.line}")
        listed += 1
    if len(public) > listed:
        lines.append(f"- …and {len(public) - listed} more")
    if private:
        lines.append(
            f"- {private} private item{'s' if private != 1 else ''} remain{'s' if private == 1 else ''} "
            "(not listed here; the people concerned know which)"
        )
    if a.open_items:
        lines.append("")
    if template:
        lines += [template, ""]
    if a.gaps:
        lines.append("**Not done yet** (besides the boxes)")
        for g in a.gaps[:MAX_LISTED_ITEMS]:
            where = f" (line {g.line})" if g.line else ""
            lines.append(f"- {quote(g.what, 300)}{where}: {quote(g.owner, 120)}")
        lines.append("")
    if a.findings:
        lines.append("**To fix**")
        icons = {Severity.ERROR: "❌", Severity.WARNING: "⚠️"}
        for f in a.findings[:MAX_LISTED_ITEMS]:
            where = f" (line {f.line})" if f.line else ""
            lines.append(f"- {icons.get(f.severity, 'ℹ️')} `{f.rule}`{where}: {quote(f.message, 400)}")
        if len(a.findings) > MAX_LISTED_ITEMS:
            lines.append(f"- …and {len(a.findings) - MAX_LISTED_ITEMS} more")
        lines.append("")
    if a.followups:
        lines.append("**Follow-up issues**")
        for fu in a.followups:
            who = f", {_mentions(fu.assignees)}" if fu.state == "open" and fu.assignees else ""
            if fu.state == "missing":
                lines.append(
                    f"- #{fu.number} (**missing**: deleted or transferred): {quote(fu.text, 120)}. Its action "
                    "item is not done: tick it when the change is made, or link the issue that tracks it now."
                )
            else:
                lines.append(f"- #{fu.number} ({fu.state}{who}): {quote(fu.text, 120)}")
        lines.append("")
    lines.append(
        "<sub>incident-kit's weekly check: one reminder a week while anything is left. Tick the boxes "
        "(or write the answers) in the issue body; close a follow-up issue when its change is made.</sub>"
    )
    return fit("\n".join(lines) + "\n")


def fit(text: str) -> str:
    """Cut at a line so GitHub takes the body (it refuses bodies over 65,536 characters)."""
    if len(text) <= BODY_MAX:
        return text
    tail = "\n…(cut to fit GitHub's limit)\n"
    return text[: text.rfind("\n", 0, BODY_MAX - len(tail))] + tail


def render_done(a: Assessment) -> str:
    closed = [f"#{f.number}" for f in a.followups if f.state == "closed"]
    tail = f" and every follow-up issue ({', '.join(closed)}) is closed" if closed else ""
    done = markers.reminder('{"done": true}')
    return (
        f"{done}\n"
        f"### ✅ Weekly check: every box is done{tail}\n\n"
        "Closing this incident as completed. Thank you for seeing it through!\n"
    )


def followup_title(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= 120 else one[:119] + "…"


def followup_body(incident: IssueData, item: NewFollowup, *, live: bool = True) -> str:
    """A follow-up issue: links back to the incident and quotes the item (the marker first).

    ``live=False`` (an outsider wrote the item, no maintainer approved it) quotes its @handles
    without pinging anyone."""
    # The item is quoted as text (HTML escaped) so it cannot carry a second marker; its @handles
    # stay live on purpose: they are the people it is assigned to.
    text = html.escape(" ".join(item.text.split()), quote=False)
    if not live:
        text = re.sub(r"@(?=[A-Za-z0-9])", "@&#8203;", text)
    topic = _TOPIC_NAMES.get(item.topic, _TOPIC_NAMES["other"])
    return (
        f"{marker(incident.number, item.key)}\n"
        f"An action item from the postmortem of #{incident.number} "
        f"({html.escape(' '.join(incident.title.split())[:120], quote=False)}), under "
        f'"{topic}" (line {item.line}):\n\n'
        f"> {text}\n\n"
        "It is done when the change is made in code, the issue template or the schedule: close this "
        f"issue then. incident-kit's weekly check counts the item as done on #{incident.number} once "
        "this issue is closed.\n\n"
        "<sub>Opened by incident-kit's weekly check, once per action item that links no issue.</sub>\n"
    )


# ---------------------------------------------------------------- the digest and the trend


def add_to_trend(
    trend: dict[str, list[int]], assessments: Iterable[Assessment], now: datetime, timezone: str
) -> dict[str, list[int]]:
    """Count each incident in the month it was opened (kept for TREND_MONTHS * 2 months)."""
    out = {month: sorted(set(numbers)) for month, numbers in trend.items()}
    for a in assessments:
        if not a.summary.template_like or a.phase is Phase.NOT_INCIDENT:
            continue
        month = a.issue.created_at.astimezone(_zone(timezone)).strftime("%Y-%m")
        if a.number not in out.setdefault(month, []):
            out[month] = sorted({*out[month], a.number})
    oldest = _months_back(now.astimezone(_zone(timezone)), TREND_MONTHS * 2)[-1]
    return {month: numbers for month, numbers in out.items() if month >= oldest}


def _months_back(moment: datetime, count: int) -> list[str]:
    year, month = moment.year, moment.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def trend_rows(trend: dict[str, list[int]], now: datetime, timezone: str) -> list[tuple[str, int]]:
    months = list(reversed(_months_back(now.astimezone(_zone(timezone)), TREND_MONTHS)))
    return [(m, len(set(trend.get(m, [])))) for m in months]


def render_digest(
    assessments: list[Assessment],
    followups: list[FollowupRecord],
    trend: dict[str, list[int]],
    *,
    week: str,
    now: datetime,
    config: Config,
    waiting: list[int] | None = None,
) -> str:
    """The weekly summary: open incidents and improvements, follow-ups (overdue ones flagged), who
    owes what, and incidents per month. Stable within a week, so re-running changes nothing."""
    tz = config.timezone
    # Ages and months as of ``now``: the caller passes the week's first scan, so the digest reads
    # the same all week long (the start of the week made a 9-day-old issue "2 d" on a Sunday).
    ref = now
    open_ones = [a for a in assessments if a.issue.state == "open" and a.phase is not Phase.NOT_INCIDENT]
    improving = [a for a in open_ones if config.labels.improvement in a.issue.labels]
    open_fus = [f for f in followups if f.state == "open"]
    overdue_after = timedelta(days=config.weekly.overdue_days)
    overdue = {f.number for f in open_fus if f.created_at is not None and ref - f.created_at > overdue_after}
    lines = [
        DIGEST_MARKER,
        f"## Incident digest, {week}",
        "",
        f"**{len(open_ones) - len(improving)} open incident{'s' if len(open_ones) - len(improving) != 1 else ''}"
        f" · {len(improving)} being improved · {len(open_fus)} follow-up issue{'s' if len(open_fus) != 1 else ''}"
        f" open ({len(overdue)} overdue)**",
        "",
    ]
    lines += ["### Open incidents and improvements", ""]
    if open_ones:
        lines += ["| Issue | Phase | Age | Boxes left | Follow-ups open | Owners |", "|---|---|---|---|---|---|"]
        ranked = sorted(open_ones, key=lambda a: (-len(a.open_items), a.number))
        for a in ranked[:MAX_DIGEST_ROWS]:
            lines.append(
                f"| #{a.number} {_cell(a.issue.title)} | {a.phase} | {_days(ref, a.issue.created_at)} d "
                f"| {len(a.open_items)} "
                f"| {len(a.open_followups)} | {_plain_handles(a.owners)} |"
            )
        if len(ranked) > MAX_DIGEST_ROWS:
            lines.append(f"| …and {len(ranked) - MAX_DIGEST_ROWS} more | | | | | |")
    else:
        lines.append("None. 🎉")
    lines += ["", "### Follow-up issues open", ""]
    if open_fus:
        lines += ["| Issue | For | Open for | Assignees |", "|---|---|---|---|"]
        for f in sorted(open_fus, key=lambda f: (f.created_at or ref, f.number))[:MAX_DIGEST_ROWS]:
            days = _days(ref, f.created_at or ref)
            flag = " ⚠️ overdue" if f.number in overdue else ""
            lines.append(
                f"| #{f.number} {_cell(f.text)} | #{f.incident} | {days} d{flag} "
                f"| {_plain_handles(f.assignees) or '_nobody_'} |"
            )
    else:
        lines.append("None.")
    owes = _who_owes_what(open_ones, open_fus)
    lines += ["", "### Who owes what", ""]
    if owes:
        lines += ["| Person | Incidents with boxes left | Follow-up issues |", "|---|---|---|"]
        for login, (incidents, fus) in sorted(owes.items(), key=lambda kv: kv[0].casefold())[:MAX_DIGEST_ROWS]:
            lines.append(f"| {_plain_handles((login,))} | {_numbers(incidents)} | {_numbers(fus)} |")
    else:
        lines.append("Nobody: nothing is left.")
    if waiting:
        lines += [
            "",
            "Waiting for a maintainer to confirm (opened by people without triage access, so the weekly "
            f"check leaves them alone): {', '.join(f'#{n}' for n in sorted(waiting))}.",
        ]
    lines += _first_aid_section(assessments, config)
    rows = trend_rows(trend, ref, tz)
    top = max((n for _, n in rows), default=0) or 1
    lines += ["", f"### Incidents per month (last {TREND_MONTHS})", "", "| Month | Incidents | |", "|---|---|---|"]
    for month, n in rows:
        lines.append(f"| {month} | {n} | {'█' * max(0, round(n / top * 20))} |")
    lines += [
        "",
        "<sub>Updated in place by incident-kit's weekly check. Months count every incident the check has "
        "seen; boxes the bot fulfils (labels, invite, report) count as done once done.</sub>",
    ]
    return fit("\n".join(lines) + "\n")


def _first_aid_section(assessments: list[Assessment], config: Config) -> list[str]:
    """Time to first aid per incident, from the Record section's own timeline (the body the scan
    already has: no extra request), the team's median, and the target the postmortem asks for."""
    from statistics import median

    from incident_kit.plan.figures import duration

    measured: list[tuple[int, float]] = []
    for a in assessments:
        if a.summary.first_aid is not None:
            start, done = a.summary.first_aid
            measured.append((a.number, (done - start) / timedelta(minutes=1)))
    if not measured:
        return []
    middle = median(minutes for _, minutes in measured)
    lines = ["", "### Time to first aid", ""]
    lines += [f"- #{n}: {duration(minutes)}" for n, minutes in sorted(measured)[:MAX_DIGEST_ROWS]]
    lines += [
        "",
        f"Team median: **{duration(middle)}** over {len(measured)} incident{'s' if len(measured) != 1 else ''}; "
        f"the target for the next one is half of it: **{duration(middle / 2)}**.",
    ]
    return lines


def week_start(moment: datetime, timezone: str = "UTC") -> datetime:
    """Monday 00:00 of the moment's ISO week, in the team's time zone."""
    local = moment.astimezone(_zone(timezone))
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=_zone(timezone))


def _numbers(numbers: list[int], limit: int = 20) -> str:
    shown = ", ".join(f"#{n}" for n in numbers[:limit]) or "-"
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _days(ref: datetime, then: datetime) -> int:
    return max(0, (ref - then).days)


def _plain_handles(logins: Iterable[str]) -> str:
    # The digest is read by everyone weekly; it names people without pinging them. Logins are
    # GitHub's (letters, digits, hyphens), so they need no escaping.
    return " ".join(f"@&#8203;{login}" for login in logins)


def _who_owes_what(
    open_ones: list[Assessment], open_fus: list[FollowupRecord]
) -> dict[str, tuple[list[int], list[int]]]:
    out: dict[str, tuple[list[int], list[int]]] = {}
    names: dict[str, str] = {}

    def entry(login: str) -> tuple[list[int], list[int]]:
        name = names.setdefault(login.casefold(), login)
        return out.setdefault(name, ([], []))

    for a in open_ones:
        if not a.open_items and not a.findings:
            continue
        for login in a.summary.roles:
            entry(login)[0].append(a.number)
    for f in open_fus:
        for login in f.assignees:
            entry(login)[1].append(f.number)
    return {k: (sorted(set(v[0])), sorted(set(v[1]))) for k, v in out.items()}
