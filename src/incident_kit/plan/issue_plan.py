"""Planning (pure): from the issue as it is now to the state incident-kit wants it in.

The plan says which labels to add and remove, whom to assign, what the status
comment should say, which boxes the bot may tick (opt-in) and whether the step
must fail. It never looks at the event's copy of the body: the shell reads the
issue fresh and the plan is a function of that state alone (plus who sent the
event, for trust), so re-running it on the same state plans nothing new.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from incident_kit.body.checklist import all_checked, fulfilled_by_state, item_name, named
from incident_kit.body.model import Decision, Finding, Incident, IssueContext, Severity
from incident_kit.body.parse import parse_incident
from incident_kit.github.port import TRUSTED_PERMISSIONS, CommentData, EventData, IssueData
from incident_kit.plan.bot_state import BotState, Claim, FollowupNote, InviteRecord, ReportRecord, compact
from incident_kit.plan.conversation import conversation
from incident_kit.plan.figures import conflicts, figures, milestones, moments
from incident_kit.plan.followup import followup_of  # weekly (issue #6)
from incident_kit.plan.invite import PostmortemView
from incident_kit.plan.messages import delivered
from incident_kit.plan.recorded_timeline import Change, blank_facts, facts, record
from incident_kit.plan.status import (
    StatusView,
    TimelineView,
    Untrusted,
    find_status_comment,
    load_state,
    render_status,
    strangers_with_marker,
)
from incident_kit.plan.trust import (
    MAX_LOOKUPS,
    Act,
    capped_note,
    confirms,
    load_people,
    people_of,
    trusted_body_edit,
    waiting_note,
    with_people,
)
from incident_kit.rules.evaluate import Evaluation, evaluate
from incident_kit.settings.config import Config

PARTS = ("all", "validate", "video", "labels", "invite")

# Colours and descriptions for the labels incident-kit creates the first time it needs them.
LABEL_STYLE: dict[str, tuple[str, str]] = {
    "incident": ("d73a4a", "An incident in progress (incident-kit)"),
    "not-incident": ("cfd3d7", "Triage said: not an incident (incident-kit)"),
    "incident-improvement": ("0e8a16", "Resolved incident with follow-ups to finish (incident-kit)"),
    "needs-video": ("fbca04", "The incident report needs a video (incident-kit)"),
}


@dataclass(frozen=True)
class Snapshot:
    """The issue as read from the API at the start of the run."""

    issue: IssueData
    comments: list[CommentData]
    bot_login: str
    permissions: dict[str, str]  # login -> permission, for the author and the event's sender
    sender: str | None
    now: datetime
    assignable: dict[str, bool] = field(default_factory=dict)  # investigators not yet assigned
    fulfilled: frozenset[str] = frozenset()
    previous_body: str | None = None  # from issues.edited's changes.body.from, when present
    event_at: datetime | None = None  # when the event happened (the payload's time)
    opened: bool = False  # the event is the issue being opened
    meta_event: bool = False  # the sender changed labels, assignees or the state (labeled, closed, ...)
    events: tuple[EventData, ...] = ()  # the issue's events, read only when a run was dropped
    repository: str = ""  # owner/name
    act: Act | None = None  # what the sender did (labeled, edited the body), for confirmation
    record_events: bool = True  # False: a one-off local run; record nothing, show only the body's timeline


def assign_candidates(incident: Incident, assignees: tuple[str, ...]) -> tuple[list[str], int]:
    """The investigators whose assignability a run checks (at most MAX_LOOKUPS), and how many more
    were named: the shell reads exactly these before planning, the plan uses the same list."""
    assigned = {a.lower() for a in assignees}
    wanted = [h for h in incident.role("investigator").handles if h.lower() not in assigned]
    return wanted[:MAX_LOOKUPS], max(0, len(wanted) - MAX_LOOKUPS)


@dataclass(frozen=True)
class Extras:
    """What the features (invite, report, messages, the weekly check) add to the status: the state
    records they own (None: keep the stored one), findings, notes, views and the facts they made."""

    invite: InviteRecord | None = None
    report: ReportRecord | None = None
    sent: dict[str, Any] | None = None
    claims: tuple[Claim, ...] | None = None
    followups: tuple[FollowupNote, ...] | None = None
    findings: tuple[Finding, ...] = ()
    fulfilled: frozenset[str] = frozenset()
    postmortem: PostmortemView | None = None
    notes: tuple[str, ...] = ()
    recorded: tuple[Change, ...] = ()  # facts the bot made this run (invite sent, report committed)


@dataclass(frozen=True)
class Failure:
    title: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Plan:
    relevant: bool
    reason: str = ""
    evaluation: Evaluation | None = None
    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    add_assignees: tuple[str, ...] = ()
    status_body: str | None = None
    status_comment: CommentData | None = None
    tick_body: str | None = None
    failures: tuple[Failure, ...] = ()
    trusted: bool = False
    state: BotState = field(default_factory=BotState)
    stored: BotState = field(default_factory=BotState)  # the state as read at the start of the run

    @property
    def status_changed(self) -> bool:
        return self.status_body is not None and (
            self.status_comment is None or self.status_comment.body != self.status_body
        )


@functools.lru_cache(maxsize=8)
def _parsed(body: str, created_at: datetime, hosts: tuple[str, ...], timezone: str = "UTC") -> Incident:
    """A run's plan looks at the body more than once (the status as each feature leaves it); the body
    is the same each time, so it is parsed once. The model is frozen, so sharing it is safe."""
    return parse_incident(body, reference=created_at, video_hosts=hosts, timezone=timezone)


def is_relevant(issue: IssueData, incident: Incident, config: Config) -> bool:
    return bool(set(issue.labels) & set(config.labels.all)) or incident.template_like


def plan_issue(snap: Snapshot, config: Config, part: str = "all", extras: Extras | None = None) -> Plan:
    issue = snap.issue
    if issue.is_pull_request:
        return Plan(False, "a pull request, not an issue")
    # ---- weekly (issue #6): the follow-ups the weekly check opens carry incident-improvement, but
    # they are not incident reports: no status comment, no labels, no video rule on them.
    if followup_of(issue.author, issue.body, snap.bot_login) is not None:
        return Plan(False, "a follow-up issue opened by incident-kit's weekly check, which follows it")
    # ---- end weekly
    incident = _parsed(issue.body, issue.created_at, config.video.hosts, config.timezone)
    if not is_relevant(issue, incident, config):
        return Plan(False, "neither labeled for incident-kit nor written from the incident template")
    status = find_status_comment(snap.comments, snap.bot_login)
    stored = load_state(status)
    labels = config.labels
    trusted, confirmed_by = _trust(snap, stored, config.labels.incident)
    incident, people, people_note = _trusted_people(snap, stored, incident, trusted, confirmed_by)
    current = set(issue.labels)
    desired = set(current) if not trusted else _desired_labels(current, incident, issue, config, part, stored)
    x = extras or Extras()
    # A box that claims an outside action (the invite, the report to stakeholders) is fulfilled only by
    # the delivery on record, never by a committed file (issue #14).
    sent_now = x.sent if x.sent is not None else stored.sent
    invite_now = x.invite if x.invite is not None else stored.invite
    context = IssueContext(
        labels=frozenset(desired),
        state=issue.state,
        state_reason=issue.state_reason,
        created_at=issue.created_at,
        now=snap.now,
        fulfilled=snap.fulfilled | x.fulfilled | delivered(sent_now, invite_now),
        # Open follow-ups: the weekly check's assessment knows them (its records carry their state);
        # the status comment's list does not, so here they are not counted.
    )
    evaluation = evaluate(incident, context, config)
    extra: list[Finding] = list(extras.findings) if extras else []
    assignees: list[str] = []
    if trusted and part in ("all", "validate") and incident.decision is Decision.INCIDENT:
        investigator = incident.role("investigator")
        candidates, more = assign_candidates(incident, issue.assignees)
        if more:
            extra.append(
                Finding(
                    "assignee-unavailable",
                    Severity.WARNING,
                    capped_note(f"{len(candidates) + more} investigators not assigned yet", len(candidates) + more),
                    investigator.line,
                )
            )
        for handle in candidates:
            if snap.assignable.get(handle, False):
                assignees.append(handle)
            else:
                extra.append(
                    Finding(
                        "assignee-unavailable",
                        Severity.WARNING,
                        f"@{handle} cannot be assigned to this issue: check the handle, or give them "
                        "access to the repository (assignees need at least read access).",
                        investigator.line,
                    )
                )
    timeline, snapshot = _record(snap, incident, stored, desired, assignees, extras, config.video.hosts)
    for message, line in conflicts(incident, timeline, config.labels.improvement):
        extra.append(Finding("timeline-conflict", Severity.WARNING, message, line))
    if extra:
        # In body line order, as evaluate orders its own (line-less ones first; the sort is stable).
        findings = sorted(evaluation.findings + tuple(extra), key=lambda f: f.line or 0)
        evaluation = replace(evaluation, findings=tuple(findings))
    new_state = replace(
        stored,
        decision=str(incident.decision),
        phase=str(evaluation.phase),
        timeline=tuple(timeline),
        facts=snapshot,
        confirmed_by=confirmed_by or stored.confirmed_by,
        people=people,
        invite=x.invite if x.invite is not None else stored.invite,
        report=x.report if x.report is not None else stored.report,
        sent=x.sent if x.sent is not None else stored.sent,
        claims=x.claims if x.claims is not None else stored.claims,
        followups=x.followups if x.followups is not None else stored.followups,
        problems=(),
        record_lost=False,
    )
    new_state = compact(new_state)
    notes = [f"Bot state: {p}." for p in stored.problems]
    if people_note:
        notes.append(people_note)
    if new_state.dropped:
        notes.append(
            f"{new_state.dropped} older entries of the recorded timeline were dropped (oldest first) to keep this "
            "comment within GitHub's 65,536 characters."
        )
    notes += [
        f"A comment by @{who} carries incident-kit's status marker; it is ignored (only @{snap.bot_login}'s "
        "own comment holds the state)."
        for who in strangers_with_marker(snap.comments, snap.bot_login)
    ]
    untrusted = None if trusted else Untrusted(issue.author, labels.incident)
    view = StatusView(
        issue.title,
        evaluation,
        context,
        config,
        new_state,
        notes + list(x.notes),
        untrusted,
        extras.postmortem if extras else None,
        timeline_view(incident, issue, timeline, config, snap.record_events),
        conversation=conversation(
            incident,
            evaluation.phase,
            author=issue.author,
            comments=snap.comments,
            bot=snap.bot_login,
            entries=timeline,
            created_at=issue.created_at,
            now=snap.now,
            config=config,
        ),
    )
    body = render_status(view)
    failures: list[Failure] = []
    if (
        part in ("all", "video")
        and config.video.mode == "require"
        and incident.decision is not Decision.NOT_INCIDENT
        and not incident.videos
    ):
        finding = next((f for f in evaluation.findings if f.rule == "video-missing"), None)
        failures.append(
            Failure(
                "Video missing",
                finding.message if finding else "Attach a video.",
                finding.line if finding else None,
            )
        )
    tick_body = None
    if trusted and config.tick_boxes:
        tick_body = _ticked_body(issue.body, incident, context, config)
    return Plan(
        relevant=True,
        evaluation=evaluation,
        add_labels=tuple(sorted(desired - current)),
        remove_labels=tuple(sorted(current - desired)),
        add_assignees=tuple(assignees),
        status_body=body,
        status_comment=status,
        tick_body=tick_body,
        failures=tuple(failures),
        trusted=trusted,
        state=new_state,
        stored=stored,
    )


def _record(
    snap: Snapshot,
    incident: Incident,
    state: BotState,
    desired: set[str],
    new_assignees: list[str],
    extras: Extras | None,
    config_hosts: tuple[str, ...],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The bot's recorded timeline after this run, and the facts snapshot to store with it."""
    issue = snap.issue
    if not snap.record_events:
        closed_now = "closed:completed" if issue.state_reason == "completed" else issue.state
        return [], facts(incident, frozenset(desired), tuple(issue.assignees), closed_now)
    # "closed:completed" is kept apart from other closes: completing the issue makes a resolution final.
    closed = "closed:completed" if issue.state == "closed" and issue.state_reason == "completed" else issue.state
    observed = facts(incident, issue.labels, issue.assignees, closed)
    after = facts(incident, frozenset(desired), tuple(issue.assignees) + tuple(new_assignees), closed)
    previous = None
    if snap.previous_body is not None:
        before = _parsed(snap.previous_body, issue.created_at, config_hosts)
        previous = facts(before, issue.labels, issue.assignees, closed)
    stored = state.facts
    if stored is None:
        # First sight of the issue: compare with the blank template, so what the reporter wrote
        # when opening it is on the record (theirs when this run is the "opened" event).
        stored = blank_facts(observed)
        if snap.opened:
            return record(
                state.timeline,
                stored,
                observed,
                after,
                previous_body_facts=blank_facts(observed),
                sender=issue.author,
                meta_sender=None,
                event_at=issue.created_at,
                now=snap.now,
                bot=snap.bot_login,
                extra=list(extras.recorded) if extras else None,
            )
    return record(
        state.timeline,
        stored,
        observed,
        after,
        previous_body_facts=previous,
        sender=snap.sender,
        meta_sender=snap.sender if snap.meta_event else None,
        event_at=snap.event_at or snap.now,
        events=list(snap.events),
        now=snap.now,
        bot=snap.bot_login,
        extra=list(extras.recorded) if extras else None,
    )


def timeline_view(
    incident: Incident, issue: IssueData, entries: list[dict[str, Any]], config: Config, observed: bool = True
) -> TimelineView:
    """The merged timeline and the figures. ``observed`` False (a local report on a body): only what
    the body says, no "opened" row invented from the run's own issue."""
    merged: list[tuple[str, str, str]] = []
    if observed:
        merged.append((issue.created_at.strftime("%Y-%m-%d %H:%M"), f"@{issue.author} opened the issue", "bot"))
    for written in incident.timeline:
        if written.when is not None:
            merged.append((written.when.strftime("%Y-%m-%d %H:%M"), written.description, "person"))
    for e in entries:
        who = f"@{e['who']}" if e.get("who") else "someone (not recorded)"
        merged.append((str(e.get("t", ""))[:16].replace("T", " "), f"{who} {e.get('what', '')}", "bot"))
    merged.sort(key=lambda row: row[0])
    m = moments(incident, issue.created_at, entries, config.labels.improvement)
    return TimelineView(
        rows=merged,
        figures=[(f.label, f.text) for f in figures(m, issue.created_at)],
        slots=milestones(incident, issue.created_at, issue.author, entries),
    )


def _trust(snap: Snapshot, state: BotState, incident_label: str) -> tuple[bool, str | None]:
    """Whether the bot may act, and who confirmed an outsider's issue (if someone just did).

    Only a maintainer adding the incident label or editing the body confirms (plan/trust.py)."""
    perms = snap.permissions
    if perms.get(snap.issue.author, "none") in TRUSTED_PERMISSIONS:
        return True, None
    previously = state.confirmed_by
    if previously:
        return True, previously
    if snap.act is not None and confirms(snap.act, perms, incident_label):
        return True, snap.act.sender
    return False, None


def _trusted_people(
    snap: Snapshot, stored: BotState, incident: Incident, trusted: bool, confirmed_by: str | None
) -> tuple[Incident, dict[str, Any] | None, str | None]:
    """On a confirmed outsider's issue, the roles and attendees a trusted person wrote or approved.

    Returns the incident to plan with, the trusted version to store, and a note when the body's
    lines differ from it (an outsider's edit waiting for a maintainer)."""
    if not trusted or snap.permissions.get(snap.issue.author, "none") in TRUSTED_PERMISSIONS:
        return incident, stored.people, None
    act = snap.act
    # This run's sender approves the lines as they are now: a maintainer who just confirmed the issue
    # (they saw it as it is), or a maintainer's body edit.
    just_confirmed = stored.confirmed_by is None and confirmed_by is not None
    current = people_of(incident)
    if act is not None and act.sender and (just_confirmed or trusted_body_edit(act, snap.permissions)):
        return incident, {**current, "by": act.sender}, None
    kept = load_people(stored.people) or {"roles": {}, "attendees": []}
    if _named(current) == _named(kept):
        return incident, stored.people, None
    by = stored.people.get("by") if isinstance(stored.people, dict) else None
    note = waiting_note(snap.issue.author, current, kept, str(by) if by else None)
    return with_people(incident, kept), stored.people, note


def _named(people: dict[str, Any]) -> tuple[Any, ...]:
    roles = people.get("roles", {})
    return tuple(sorted((k, tuple(v)) for k, v in roles.items() if v)), tuple(people.get("attendees", ()))


def _desired_labels(
    current: set[str], incident: Incident, issue: IssueData, config: Config, part: str, state: BotState | None = None
) -> set[str]:
    lab = config.labels
    want = set(current)
    decision = incident.decision
    box = all_checked(named(incident, "announce-resolved"))
    closed_done = issue.state == "closed" and issue.state_reason == "completed"
    swapped = lab.improvement in current
    # The swap needs a decided incident: a tick before the triage said yes (or on a non-incident) is a
    # finding, never a label. Closing as completed makes it final.
    swap_now = decision is Decision.INCIDENT and not swapped and (box or (closed_done and lab.incident in current))
    # While the issue is open the labels follow the box: unticking it after it resolved the incident
    # puts `incident` back. A swap by hand (the box never ticked) or a final close is left alone.
    take_back = (
        swapped
        and not box
        and issue.state == "open"
        and decision is Decision.INCIDENT
        and state is not None
        and resolved_by_box(state)
        and not closed_as_completed_before(state)
    )
    if part in ("all", "validate") and not swapped and not swap_now:
        if decision is Decision.INCIDENT:
            want.add(lab.incident)
            want.discard(lab.not_incident)
        elif decision is Decision.NOT_INCIDENT:
            want.discard(lab.incident)
            want.add(lab.not_incident)
    if part in ("all", "labels") and swap_now:
        want.discard(lab.incident)
        want.add(lab.improvement)
    if part in ("all", "labels") and take_back:
        want.discard(lab.improvement)
        want.add(lab.incident)
    if part in ("all", "video"):
        if decision is Decision.NOT_INCIDENT or config.video.mode == "off" or incident.videos:
            want.discard(lab.needs_video)
        else:
            want.add(lab.needs_video)
    return want


def _announce_entries(state: BotState) -> list[dict[str, Any]]:
    return [e for e in state.timeline if e.get("k") == "task" and "announce resolving" in str(e.get("key")).lower()]


def resolved_by_box(state: BotState) -> bool:
    """The recorded timeline saw "Announce resolving this incident" ticked (so the box drives the labels)."""
    return any(str(e.get("key")).endswith("=True") for e in _announce_entries(state))


def closed_as_completed_before(state: BotState) -> bool:
    """The issue was once closed as completed: the resolution is final, a reopen does not undo it."""
    return any(e.get("k") == "state" and e.get("key") == "closed:completed" for e in state.timeline)


def _ticked_body(body: str, incident: Incident, context: IssueContext, config: Config) -> str | None:
    """The body with the boxes the bot fulfils ticked, or None when there is nothing to tick."""
    if "\r" in body.replace("\r\n", ""):
        return None  # lone CR line endings: line numbers would not match; leave the body alone
    lines = body.split("\n")  # CRLF bodies keep their "\r" at each line's end
    changed = False
    for item in incident.tasks:
        if item.checked or not fulfilled_by_state(item_name(item), context, config.labels):
            continue
        index = item.line - 1
        if 0 <= index < len(lines) and "[ ]" in lines[index]:
            lines[index] = lines[index].replace("[ ]", "[x]", 1)
            changed = True
    return "\n".join(lines) if changed else None
