"""The shell around the plan: read the issue, plan once, perform the plan's actions against one budget.

A run reads everything it needs first (:func:`_gather`), then
:func:`incident_kit.plan.run_plan.plan_run` returns the actions, and
:class:`_Apply` performs them in order: commits, labels, assignees, ticks, messages,
the status comment. Every outside effect is counted against ``max_writes`` (like
actions/stale's operations-per-run) and skipped in a dry run; what was not done is
reported, and the next run picks it up because it plans from the state again.
Messages are sent at most once per fact through a write-ahead claim in the status
comment (see the README, "How each effect happens at most once").
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from secrets import token_hex
from typing import TYPE_CHECKING, Any, Protocol

from incident_kit.apply.attachments import Fetch
from incident_kit.apply.budget import Budget
from incident_kit.apply.commit import commit_file
from incident_kit.github.port import (
    TRUSTED_PERMISSIONS,
    BodyChanged,
    CommentData,
    IssueData,
    NotFound,
    PortError,
    Repository,
)
from incident_kit.plan.actions import (
    Action,
    AddLabels,
    CommitInvite,
    CommitReport,
    CreateLabel,
    RemoveLabel,
    Results,
    RunPlan,
    SendMessage,
    SetAssignees,
    TickBoxes,
)
from incident_kit.plan.bot_state import BotState, Claim, followup_notes, merge_sent
from incident_kit.plan.issue_plan import Failure, Plan, Snapshot, assign_candidates, plan_issue
from incident_kit.plan.run_plan import RunInputs, announcers, plan_run, sent_facts
from incident_kit.plan.trust import MAX_LOOKUPS, Act
from incident_kit.rules.evaluate import Evaluation
from incident_kit.settings.config import Config

if TYPE_CHECKING:  # the notify modules (e-mail, urllib) load only for runs that tell people
    from incident_kit.plan.messages import Message, NotifySecrets
    from incident_kit.settings.config import NotifySettings


@dataclass
class Event:
    """Who did what: used for trust and attribution only, never for the issue's content."""

    name: str = ""  # "issues", "issue_comment", "workflow_dispatch", ...
    action: str = ""
    sender: str | None = None
    previous_body: str | None = None
    at: datetime | None = None  # when it happened, from the payload
    label: str | None = None  # the label of a labeled/unlabeled event
    # Whether an "edited" event changed the body: False when the payload names other changes only
    # (a title edit); real payloads also arrive with "changes": {}, which may be a body edit.
    body_edited: bool = True
    # False for a one-off local run on a body (``incident-kit report``): nothing was observed over time,
    # so nothing is recorded and the timeline shows only what the body says.
    record: bool = True


@dataclass
class Outcome:
    number: int
    relevant: bool = False
    reason: str = ""
    evaluation: Evaluation | None = None
    status_url: str = ""
    failures: tuple[Failure, ...] = ()
    notices: list[str] = field(default_factory=list)
    plan: Plan | None = None
    ics_path: str = ""
    pdf_path: str = ""
    pdf_url: str = ""
    pdf_unsaved: bytes | None = None  # a report the branch refused: the runner uploads it as an artifact
    unsaved: list[tuple[str, bytes]] = field(default_factory=list)  # other refused files (the invite's .ics)
    report_failure: Failure | None = None
    # The report is due but the PDF stack is not installed (the action's event tier): the action's
    # report step installs it and runs again; messages that carry the report wait for that run.
    report_deferred: bool = False
    notify_failures: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # what was told this run, as sentences
    actions: tuple[str, ...] = ()  # what the plan asked for, in order (for the job summary and tests)


# A write of the status comment, its read-back, and at most this many rewrites on top of another
# run's write that landed in between (each one a counted write).
_VERIFY_ROUNDS = 3


class Outbox(Protocol):
    """Where messages go: :class:`incident_kit.apply.deliver.Channels` (Slack, SMTP)."""

    def problem(self, channel: str) -> str: ...

    def send(self, message: Message, now: datetime) -> tuple[list[str], list[str]]: ...

    def refused_note(self, message: Message, still: list[str]) -> str: ...

    def close(self) -> None: ...


def reconcile(
    repo: Repository,
    number: int,
    *,
    config: Config,
    bot_login: str,
    budget: Budget,
    event: Event | None = None,
    part: str = "all",
    now: datetime | None = None,
    add_state: dict[str, Any] | None = None,
    fetch_image: Fetch | None = None,
    secrets: NotifySecrets | None = None,
    dry_run: bool = False,
    outbox: Outbox | None = None,
    run_id: str = "",
) -> Outcome:
    """Bring one issue to the state it should be in: read, plan once, apply the plan's actions.

    ``add_state`` sets entries of the bot's stored state (the weekly check records the follow-up
    issues it opened as ``{"followups": [...]}``). ``outbox`` replaces the Slack/SMTP sender (tests
    wrap it to stop a run between sending and recording); ``run_id`` names this run's claims."""
    event = event or Event()
    now = now or datetime.now(UTC)
    snap = _gather(repo, number, config, bot_login, event, now, part)
    if isinstance(snap, Outcome):
        return snap
    followups = (add_state or {}).get("followups")
    inputs = RunInputs(
        part=part,
        existing_labels=frozenset(snap.existing_labels),
        followups=followup_notes(followups) if isinstance(followups, list) else None,
        requested_report=event.name == "workflow_dispatch",
    )
    run = plan_run(snap.snapshot, config, inputs)
    plan = run.plan
    outcome = Outcome(number, plan.relevant, plan.reason, plan.evaluation, failures=plan.failures, plan=plan)
    if not plan.relevant:
        return outcome
    from incident_kit.apply.deliver import Channels, setup_notes
    from incident_kit.plan.messages import NotifySecrets as Secrets

    secrets = secrets or Secrets()
    channels: Outbox = outbox or Channels(config.notify, secrets)
    apply = _Apply(repo, snap.snapshot, run, budget, channels, config.notify, run_id or token_hex(6), fetch_image)
    apply.notes += [n for n in setup_notes(config.notify, secrets) if n not in run.setup_notes]
    try:
        apply.perform()
    finally:
        channels.close()
    final = apply.final_plan or plan
    outcome.plan, outcome.evaluation = final, final.evaluation
    outcome.failures = (
        final.failures + tuple(apply.file_failures) + ((apply.report_failure,) if apply.report_failure else ())
    )
    outcome.unsaved = list(apply.unsaved)
    outcome.report_failure = apply.report_failure
    outcome.status_url, outcome.notices = apply.status_url, apply.notices
    outcome.ics_path, outcome.pdf_path = run.ics_path, run.pdf_path
    outcome.pdf_url = apply.report_url or run.pdf_url
    outcome.pdf_unsaved = apply.pdf_unsaved
    outcome.report_deferred = apply.report_deferred
    outcome.notify_failures, outcome.sent = apply.failures, apply.sent_sentences
    outcome.actions = tuple(a.describe() for a in run.actions)
    return outcome


@dataclass
class _Read:
    snapshot: Snapshot
    existing_labels: set[str]


def _gather(
    repo: Repository, number: int, config: Config, bot_login: str, event: Event, now: datetime, part: str
) -> _Read | Outcome:
    """Every read the plan needs, before it is made: the issue, its comments, the permissions that
    decide trust and who may announce, the events of a dropped run, assignability, existing labels."""
    try:
        issue = repo.get_issue(number)
    except NotFound:
        return Outcome(number, reason=f"issue #{number} no longer exists (deleted or transferred); nothing to do")
    if issue.is_pull_request:
        return Outcome(number, reason=f"#{number} is a pull request; incident-kit only follows issues")
    comments = repo.list_comments(number)
    # The author's permission first; the sender's only matters when the author is not trusted.
    permissions = {issue.author: repo.permission(issue.author)}
    if (
        permissions[issue.author] not in TRUSTED_PERMISSIONS
        and event.sender
        and event.sender not in permissions
        and event.sender != bot_login
    ):
        permissions[event.sender] = repo.permission(event.sender)
    snap = Snapshot(
        issue,
        comments,
        bot_login,
        permissions,
        event.sender,
        now,
        previous_body=event.previous_body,
        event_at=event.at,
        opened=event.name == "issues" and event.action == "opened",
        meta_event=event.name == "issues"
        and event.action in ("labeled", "unlabeled", "assigned", "unassigned", "closed", "reopened"),
        repository=repo.full_name,
        act=Act(event.sender, event.action if event.name == "issues" else "", event.label, event.body_edited),
        record_events=event.record,
    )
    if _unexplained_meta_change(issue, comments, bot_login, snap.meta_event):
        # Labels, assignees or the state changed since the bot last looked, and this event does not
        # say who did it (a run was dropped): ask the events API rather than name no one.
        snap = replace(snap, events=tuple(repo.list_events(number)))
    first = plan_issue(snap, config, part)
    existing: set[str] = set()
    if first.relevant and first.trusted and first.evaluation is not None:
        # Ask about assignability only for investigators that are not assigned yet, and at most
        # MAX_LOOKUPS of them (the plan says what was not checked).
        wanted, _ = assign_candidates(first.evaluation.incident, issue.assignees)
        if wanted:
            snap = replace(snap, assignable={h: repo.can_assign(h) for h in wanted})
        if config.notify.slack is not None or config.notify.email is not None:
            # Who may announce: in comment order, until the first one with access, at most
            # MAX_LOOKUPS a run (60 outsiders' "Announcement:" comments must not cost 60 requests).
            more: dict[str, str] = {}
            for login in announcers(snap, config, first.evaluation.incident)[:MAX_LOOKUPS]:
                more[login] = repo.permission(login)
                if more[login] in TRUSTED_PERMISSIONS:
                    break
            if more:
                snap = replace(snap, permissions={**snap.permissions, **more})
    if first.relevant:
        existing = {name for name in first.add_labels if repo.label_exists(name)}
    return _Read(snap, existing)


def _unexplained_meta_change(issue: IssueData, comments: list[CommentData], bot_login: str, meta_event: bool) -> bool:
    if meta_event:
        return False
    from incident_kit.plan.status import find_status_comment, load_state

    stored = load_state(find_status_comment(comments, bot_login)).facts
    if stored is None:
        return False
    return (
        sorted(stored.get("labels", [])) != sorted(issue.labels)
        or sorted(stored.get("assignees", [])) != sorted(issue.assignees)
        or str(stored.get("state", "")).split(":")[0] != issue.state  # "closed:completed" is a close
    )


class _Apply:
    """The one place a plan's actions are performed, in order, against one budget.

    Messages follow the write-ahead protocol (README, "How each effect happens at most once"):
    claim in the status comment, read it back to confirm the claim is this run's, send, record.
    The claim and the record ride on the message's unit of the budget: without them it may not go.
    """

    def __init__(
        self,
        repo: Repository,
        snap: Snapshot,
        run: RunPlan,
        budget: Budget,
        channels: Outbox,
        notify: NotifySettings,
        run_id: str,
        fetch_image: Fetch | None,
    ) -> None:
        self.repo, self.issue, self.run, self.budget, self.channels = repo, snap.issue, run, budget, channels
        self.now, self.bot, self.notify = snap.now, snap.bot_login, notify
        self.run_id, self.fetch_image = run_id, fetch_image
        self._fresh_body: str | None = run.status.body_now if run.status else None
        self._fresh_comment: CommentData | None = None  # the status comment as last read back
        self._written: str | None = None  # the status comment's text as this run last wrote it
        self._last_read = BotState()  # the bot state in the status comment as last read back
        self.guarded = False  # a message's claim or record was written: the comment must be re-read
        self.done: set[str] = set()  # "invite", "report": file actions that reached the repository
        self.planned = {"invite" for a in run.actions if isinstance(a, CommitInvite)} | {
            "report" for a in run.actions if isinstance(a, CommitReport)
        }
        # "sent:invite" / "sent:report": deliveries the ticks wait for (plan.run_plan.sent_facts).
        sends = [a for a in run.actions if isinstance(a, SendMessage)]
        self.planned |= {f"sent:{n}" for n in sent_facts(sends)}
        self.invite_url: str | None = None
        self.invite_committed = False
        self.report_url: str | None = None
        self.report_committed = False
        self.report_note = ""
        self.report_failure: Failure | None = None
        self.report_pdf: bytes | None = None
        self.report_deferred = False
        self.pdf_unsaved: bytes | None = None
        self.sent: dict[str, Any] = run.state.sent
        self.claims: tuple[Claim, ...] = run.state.claims
        self.comment_id = run.status.comment_id if run.status else None
        self.status_url = run.plan.status_comment.html_url if run.plan.status_comment else ""
        self.notes: list[str] = []
        self.failures: list[str] = []
        self.notices: list[str] = []
        self.sent_sentences: list[str] = []
        self.final_plan: Plan | None = None
        self.report_pending = False  # the status is written before the report is rendered
        self.unsaved: list[tuple[str, bytes]] = []  # files a branch or permission refused: artifacts
        self.file_failures: list[Failure] = []

    # ------------------------------------------------------------ the actions, in order
    def perform(self) -> None:
        """The actions in order, with two rules: the report is rendered only after the labels,
        assignees and the status comment are applied (rendering is the slow part: a run that runs
        out of time must not lose the rest), and each file commit may fail alone (a branch rule's
        409, a 403 without ``contents: write``, a 422): it becomes a finding and an artifact."""
        sends: list[SendMessage] = []
        reports: list[CommitReport] = []
        after_report: list[Action] = []
        ticks: list[TickBoxes] = []
        for action in self.run.actions:
            if isinstance(action, SendMessage):
                sends.append(action)
            elif isinstance(action, TickBoxes):
                ticks.append(action)  # after the messages: a box that claims a delivery waits for it
            elif isinstance(action, CommitReport):
                reports.append(action)
            elif "report" in getattr(action, "needs", ()) and reports:
                after_report.append(action)
            elif self._ready(action):
                self._guarded(action)
        if reports and self.run.status is not None:
            self.report_pending = True
            self._write_status(counted=True)
            self.report_pending = False
        for action in (*reports, *after_report):
            if self._ready(action):
                self._guarded(action)
        self._messages(sends)
        for tick in ticks:
            if self._ready(tick):
                self._guarded(tick)
        if self.run.status is not None:
            self._write_status(counted=True)

    def _guarded(self, action: Action) -> None:
        try:
            self._one(action)
        except PortError as exc:
            if isinstance(exc, NotFound) and not isinstance(action, CommitInvite | CommitReport):
                raise  # the issue itself is gone: nothing else can be done for it
            if isinstance(action, CommitInvite):
                self.unsaved.append((action.path, action.content))
                self.file_failures.append(
                    Failure("Invite not committed", f"{exc} The .ics file is attached to the workflow run.")
                )
                self.notes.append(
                    f"The postmortem invite could not be committed: {exc} It was attached to the workflow run."
                )
            elif isinstance(action, CommitReport):
                self.report_failure = Failure("Report not committed", str(exc))
                self.report_note = f"The PDF report could not be committed: {exc}"
            else:
                self.file_failures.append(Failure("GitHub refused a write", f"{action.describe()}: {exc}"))
                self.notes.append(f"Not done: {action.describe()}: {exc}")

    def _ready(self, action: Action) -> bool:
        needs = getattr(action, "needs", ())
        missing = [n for n in needs if n in self.planned and n not in self.done]
        if missing:
            waits = " and ".join(f"{n[5:]} delivery" if n.startswith("sent:") else f"{n} commit" for n in missing)
            self.budget.skipped.append(f"{action.describe()} (waits for the {waits})")
            return False
        return True

    def _one(self, action: Action) -> None:
        repo, number = self.repo, self.issue.number
        if isinstance(action, CommitInvite):
            done = commit_file(repo, action.path, action.content, action.message, action.branch, self.budget)
            if done.status != "skipped":
                self.done.add("invite")
                self.invite_url, self.invite_committed = done.url, done.status == "committed"
        elif isinstance(action, CommitReport):
            self._report(action)
        elif isinstance(action, CreateLabel):
            if self.budget.take(action.describe()):
                repo.create_label(action.name, action.color, action.description)
        elif isinstance(action, AddLabels):
            if self.budget.take(action.describe()):
                repo.add_labels(number, list(action.names))
        elif isinstance(action, RemoveLabel):
            if self.budget.take(action.describe()):
                # Someone may have removed it already: then the state we want holds.
                with contextlib.suppress(NotFound):
                    repo.remove_label(number, action.name)
        elif isinstance(action, SetAssignees):
            if self.budget.take(action.describe()):
                repo.add_assignees(number, list(action.add))
        elif isinstance(action, TickBoxes):
            # Humans own the body: write only if nobody edited it since we read it.
            if repo.get_issue(number).body != action.body_read:
                self.notices.append("the body changed while incident-kit worked; boxes were not ticked this run")
            elif self.budget.take(action.describe()):
                try:
                    # A retried PATCH (after a 502) re-reads the body first and never writes over an
                    # edit made in between (GitHub has no conditional PATCH for issue bodies).
                    repo.edit_body(number, action.body, expected=action.body_read)
                except BodyChanged:
                    self.notices.append(
                        "the body changed while incident-kit ticked boxes; the person's edit was kept and the "
                        "boxes are ticked by the run their edit starts"
                    )

    def _report(self, action: CommitReport) -> None:
        from incident_kit.apply.render_job import render_bounded
        from incident_kit.render.pdf import image_urls, tools_installed

        if not self.budget.dry_run and self.budget.used >= self.budget.limit:
            self.budget.skipped.append(f"commit {action.path} (write budget of {self.budget.limit} used up)")
            return  # nothing to commit with: do not pay for rendering
        if not tools_installed():
            # Not a failure: the event work goes on, and the action's next step installs the PDF
            # tools and runs again (reconciling is idempotent, so that run only adds the report).
            self.report_deferred = True
            self.budget.skipped.append(f"commit {action.path} (the PDF tools are installed by the report step)")
            self.report_note = (
                "The incident report (PDF) is due: the action's report step installs the PDF tools and commits it. "
                "If that step failed, the next run tries again."
            )
            return
        images = {}
        if self.fetch_image is not None:
            from incident_kit.apply.attachments import fetch_images

            images = fetch_images(image_urls(action.data), self.fetch_image)
        rendered = render_bounded(action.data, images)
        if rendered.pdf is None:
            self.report_failure = Failure(
                "Report not rendered", f"The PDF report could not be rendered: {rendered.problem}."
            )
            self.report_note = f"The PDF report could not be rendered ({rendered.problem}); the next change retries."
            return
        pdf = rendered.pdf
        if rendered.shortened:
            self.notes.append(
                f"The full PDF report could not be rendered ({rendered.problem}): a shortened report was committed "
                "instead, which says what was cut."
            )
        elif rendered.cuts:
            self.notes.append("The PDF report was cut to its limits: " + "; ".join(rendered.cuts) + ".")
        try:
            done = commit_file(self.repo, action.path, pdf, action.message, action.branch, self.budget)
        except PortError as exc:  # a branch rule, no contents: write, a 422, a missing branch, a 5xx
            self.pdf_unsaved = pdf
            self.report_failure = Failure("Report not committed", f"{exc} The PDF is attached to the workflow run.")
            self.report_note = f"The PDF report could not be committed: {exc} It was attached to the workflow run."
            return
        if done.status != "skipped":
            self.done.add("report")
            self.report_url, self.report_committed, self.report_pdf = done.url, done.status == "committed", pdf

    # ------------------------------------------------------------ messages, at most once
    def _messages(self, sends: list[SendMessage]) -> None:
        go: list[SendMessage] = []
        for action in sends:
            if not self._ready(action):
                continue
            problem = self.channels.problem(action.channel)
            if problem:
                if problem not in self.failures:
                    self.failures.append(problem)
                continue
            if self.budget.take(action.describe()):
                go.append(action)
            elif self.budget.dry_run:
                self.notes.append(f"Dry run: would send {action.describe()}")
        if not go:
            return
        from incident_kit.basics.times import format_iso

        stamp = format_iso(self.now)
        # One message at a time, so a run that dies leaves at most one message in doubt: the write
        # that records a delivery also carries the claim of the next message.
        self.claims = (*self.claims, self._claim(go[0], stamp))
        self._write_status(counted=False)
        for index, action in enumerate(go):
            # The claim's write was read back by _write_status (an unwritten one was read just
            # before): that read says whether an overlapping run claimed the same fact meanwhile.
            claim = self._last_read.claim_for(action.channel, action.key)
            if claim is None or claim.run != self.run_id:
                self.claims = self._released(action)
                self.notices.append(f"{action.describe()}: another run is telling this; not sent by this run")
            else:
                self._send(action)
            if index + 1 < len(go):
                self.claims = (*self.claims, self._claim(go[index + 1], stamp))
            self._write_status(counted=False)

    def _claim(self, action: SendMessage, stamp: str) -> Claim:
        return Claim(action.channel, action.key, self.run_id, stamp, action.message.what)

    def _released(self, action: SendMessage) -> tuple[Claim, ...]:
        return tuple(
            c for c in self.claims if not (c.run == self.run_id and c.key == action.key and c.channel == action.channel)
        )

    def _send(self, action: SendMessage) -> None:
        from incident_kit.apply.deliver import NotSent, sent_sentence
        from incident_kit.plan.messages import record_delivery

        message = self._final_message(action)
        if message is None:
            self.claims = self._released(action)
            return
        try:
            delivered, refused = self.channels.send(message, self.now)
        except NotSent as exc:
            # It did not go out: release the claim, so the next run tries again.
            if str(exc) not in self.failures:
                self.failures.append(str(exc))
            self.claims = self._released(action)
            return
        self.sent = record_delivery(self.sent, message, self.now, delivered, refused)
        if delivered:
            self.done |= {f"sent:{n}" for n in sent_facts([action])}
        if refused:
            self.failures.append(self.channels.refused_note(message, refused))
        self.sent_sentences.append(sent_sentence(message, delivered))
        self.claims = self._released(action)

    def _final_message(self, action: SendMessage) -> Message | None:
        """The message with what this run learned while applying (the report's URL and bytes)."""
        facts = action.facts
        if not action.key.startswith("report:"):
            return action.message
        if "report" in self.done:
            facts = replace(facts, report_url=self.report_url or "", report_pdf=self.report_pdf)
        elif action.attach_committed_report:
            committed = self.repo.get_file(action.attach_committed_report, None)
            facts = replace(facts, report_pdf=committed.content if committed else None)
        from incident_kit.plan.messages import plan_messages

        again = [
            m for m in plan_messages(facts, self.notify, {}) if m.channel == action.channel and m.key == action.key
        ]
        return replace(again[0], to=action.message.to) if again else None

    # ------------------------------------------------------------ the status comment
    def _results(self) -> Results:
        return Results(
            invite_url=self.invite_url,
            invite_committed=self.invite_committed,
            report_url=self.report_url,
            report_committed=self.report_committed,
            report_note=self.report_note
            or (
                "The PDF report is being rendered; this comment is updated when it is committed."
                if self.report_pending
                else ""
            ),
            sent=self.sent,
            claims=self.claims,
            notes=(*self.failures, *self.notes),
            status_comment=self._foreign_write(),
        )

    def _foreign_write(self) -> CommentData | None:
        """The status comment as read back, when another run wrote it after this run's plan was made
        (it is neither the text the plan was made from nor the one this run wrote last)."""
        comment, status = self._fresh_comment, self.run.status
        if comment is None or status is None or comment.body in (status.body_now, self._written):
            return None
        return comment

    def _read_state(self) -> BotState:
        from incident_kit.plan.status import find_status_comment, load_state

        comment = find_status_comment(self.repo.list_comments(self.issue.number), self.bot)
        if comment is not None and self.comment_id is None:
            self.comment_id = comment.id
        self._fresh_body = comment.body if comment is not None else None
        self._fresh_comment = comment
        self._last_read = load_state(comment)
        return self._last_read

    def _write_status(self, *, counted: bool) -> None:
        """Write the status comment on the freshest state, then read it back: when another run wrote
        over it in between (comments have no compare-and-swap, GITHUB-FACTS), merge onto theirs and
        write again, a bounded number of times. Both runs do this, so the last writer always holds
        what the other recorded, not only what it read before."""
        for _attempt in range(_VERIFY_ROUNDS):
            if not self._write_status_once(counted=counted):
                return
            self._read_state()  # read back what is there now
            if self._fresh_body == self._written:
                return
            # (No note in the comment: the next run would have to write again to take it out.)

    def _write_status_once(self, *, counted: bool) -> bool:
        """One write of the status comment; whether anything was written."""
        status = self.run.status
        assert status is not None
        if counted and not self.guarded:
            plan = status.render(self._results())
            if plan.status_body == status.body_now:
                self.final_plan = plan  # nothing to write: no need to read the comment again
                return False
        self.guarded = self.guarded or not counted
        # Read the comment fresh and keep what another run recorded or claimed meanwhile: the body is
        # rendered on that fresh state (Results.status_comment), never on the one read at the start.
        fresh = self._read_state()
        merged = merge_sent(BotState(sent=self.sent, claims=self.claims), fresh, self.run_id)
        self.sent, self.claims = merged.sent, merged.claims
        plan = status.render(self._results())
        self.final_plan = plan
        body = plan.status_body
        if body is None or body == self._fresh_body:
            return False
        verb = "post the status comment" if self.comment_id is None else "update the status comment"
        if counted:
            if not self.budget.take(verb):
                return False
        else:
            self.budget.done.append(f"{verb} (a message's claim or record)")
        if self.comment_id is None:
            created = self.repo.create_comment(self.issue.number, body)
            self.comment_id, self.status_url = created.id, created.html_url
        else:
            self.status_url = self.repo.edit_comment(self.comment_id, body).html_url
        self._written = body
        return True


__all__ = ["Budget", "Event", "Outbox", "Outcome", "PortError", "reconcile"]
