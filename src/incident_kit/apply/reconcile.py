"""The shell around the plan: read the issue fresh, plan, apply the difference within a budget.

Every write is counted against ``max_writes`` (like actions/stale's
operations-per-run) and skipped in a dry run; what was not done is reported,
and the next run picks it up because it plans from the state again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from incident_kit.apply.attachments import Fetch
from incident_kit.apply.budget import Budget
from incident_kit.apply.commit import Committed, commit_file
from incident_kit.body.model import Finding, Phase, Severity
from incident_kit.github.port import (
    TRUSTED_PERMISSIONS,
    BranchRefused,
    CommentData,
    IssueData,
    NotFound,
    PortError,
    Repository,
)
from incident_kit.github.sandbox import blob_sha
from incident_kit.plan.issue_plan import LABEL_STYLE, Extras, Failure, Plan, Snapshot, plan_issue, timeline_view
from incident_kit.plan.recorded_timeline import Change
from incident_kit.rules.evaluate import Evaluation
from incident_kit.settings.config import Config

if TYPE_CHECKING:  # the notify module (e-mail, urllib) loads only for runs that tell people
    from incident_kit.plan.messages import NotifySecrets


@dataclass
class Event:
    """Who did what: used for trust and attribution only, never for the issue's content."""

    name: str = ""  # "issues", "issue_comment", "workflow_dispatch", ...
    action: str = ""
    sender: str | None = None
    previous_body: str | None = None
    at: datetime | None = None  # when it happened, from the payload


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
    report_failure: Failure | None = None
    invite: Any = None  # the Invite sent or kept this run (for the notify step)
    ics: bytes | None = None
    pdf: bytes | None = None  # the report rendered this run
    report_fp: str = ""
    notify_failures: list[str] = field(default_factory=list)


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
) -> Outcome:
    """Bring one issue to the state it should be in. ``add_state`` merges entries into the bot's
    stored state (the weekly check records the follow-up issues it opened this way)."""
    event = event or Event()
    now = now or datetime.now(UTC)
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
    )
    if _unexplained_meta_change(issue, comments, bot_login, snap.meta_event):
        # Labels, assignees or the state changed since the bot last looked, and this event does not
        # say who did it (a run was dropped): ask the events API rather than name no one.
        snap = replace(snap, events=tuple(repo.list_events(number)))
    plan = plan_issue(snap, config, part)
    if plan.relevant and plan.trusted and plan.evaluation is not None:
        # Ask about assignability only for investigators that are not assigned yet.
        wanted = [
            h
            for h in plan.evaluation.incident.role("investigator").handles
            if h.lower() not in {a.lower() for a in issue.assignees}
        ]
        if wanted:
            assignable = {h: repo.can_assign(h) for h in wanted}
            snap = replace(snap, assignable=assignable)
            plan = plan_issue(snap, config, part)
    outcome = Outcome(number, plan.relevant, plan.reason, plan.evaluation, failures=plan.failures, plan=plan)
    if not plan.relevant:
        return outcome
    extras = Extras(state=dict(add_state or {}))
    if plan.trusted and part in ("all", "invite") and plan.evaluation is not None:
        invite = _invite(repo, issue, comments, plan, config, bot_login, budget, now, outcome)
        extras = replace(invite, state={**invite.state, **extras.state})
    if plan.trusted and part in ("all", "report") and plan.evaluation is not None:
        # The report shows the timeline as this run leaves it (the invite's entry included), so
        # the next run, reading it back, computes the same fingerprint and renders nothing.
        settled = plan_issue(snap, config, part, extras) if extras != Extras() else plan
        report = _report(repo, issue, comments, settled, config, bot_login, budget, outcome, event, fetch_image)
        extras = replace(
            extras,
            state={**extras.state, **report.state},
            fulfilled=extras.fulfilled | report.fulfilled,
            recorded=extras.recorded + report.recorded,
            notes=extras.notes + report.notes,
        )
    if plan.trusted and part in ("all", "notify") and plan.evaluation is not None and _notify_configured(config):
        settled = plan_issue(snap, config, part, extras) if extras != Extras() else plan
        told = _notify(repo, issue, comments, settled, config, bot_login, outcome, secrets, dry_run, now)
        extras = replace(extras, state={**extras.state, **told.state}, notes=extras.notes + told.notes)
    if extras != Extras():
        plan = plan_issue(snap, config, part, extras)
        outcome.plan, outcome.evaluation, outcome.failures = plan, plan.evaluation, plan.failures
    if outcome.report_failure is not None:
        outcome.failures = (*outcome.failures, outcome.report_failure)
    _apply(repo, issue.number, issue.body, plan, budget, outcome)
    return outcome


def _unexplained_meta_change(issue: IssueData, comments: list[CommentData], bot_login: str, meta_event: bool) -> bool:
    if meta_event:
        return False
    from incident_kit.plan.status import find_status_comment, read_state

    stored = read_state(find_status_comment(comments, bot_login)).get("facts")
    if not isinstance(stored, dict):
        return False
    return (
        sorted(stored.get("labels", [])) != sorted(issue.labels)
        or sorted(stored.get("assignees", [])) != sorted(issue.assignees)
        or stored.get("state") != issue.state
    )


def _report(
    repo: Repository,
    issue: IssueData,
    comments: list[CommentData],
    plan: Plan,
    config: Config,
    bot_login: str,
    budget: Budget,
    outcome: Outcome,
    event: Event,
    fetch_image: Fetch | None,
) -> Extras:
    """Render and commit the PDF report when one is due and the issue changed since the last one."""
    from incident_kit.plan.report_due import as_of, fingerprint, human_comments, report_due

    assert plan.evaluation is not None
    incident = plan.evaluation.incident
    labels = frozenset((set(issue.labels) - set(plan.remove_labels)) | set(plan.add_labels))
    due = report_due(incident, issue, labels, config, requested=event.name == "workflow_dispatch")
    if not due.due:
        return Extras()
    people = human_comments(comments, bot_login)
    # The report's own "committed" entries stay out: they would make every report due again.
    entries = [e for e in plan.state.get("timeline") or [] if e.get("k") != "report"]
    view = timeline_view(incident, issue, entries, config)
    # The path template is part of the fingerprint, so a changed setting renders anew; an
    # unchanged issue returns here without importing the renderer (xhtml2pdf costs ~0.3 s).
    fp = fingerprint(issue, labels, people, [view.rows, view.figures, config.report.path])
    stored = plan.state.get("report")
    previous: dict[str, Any] = stored if isinstance(stored, dict) else {}
    if previous.get("fp") == fp and previous.get("path"):
        outcome.pdf_path = str(previous["path"])
        outcome.pdf_url = str(previous.get("url", ""))
        return Extras(fulfilled=frozenset({"report"}), notes=_report_note(outcome.pdf_url))
    from incident_kit.render.pdf import ReportComment, ReportInput, image_urls, render_pdf, report_path

    path = report_path(config.report.path, issue.created_at, issue.number, issue.title)
    outcome.pdf_path = path
    inc_roles = {r.key: r.handles for r in incident.roles}
    data = ReportInput(
        repository=repo.full_name,
        number=issue.number,
        title=issue.title,
        url=issue.html_url,
        state=issue.state,
        labels=tuple(sorted(labels)),
        decision=str(incident.decision),
        phase=str(plan.evaluation.phase),
        roles=inc_roles,
        created_at=issue.created_at,
        resolved_at=issue.closed_at,
        generated_at=as_of(issue, people),
        body=issue.body,
        comments=tuple(ReportComment(c.author, c.created_at, c.body) for c in people),
        timeline=tuple(view.rows),
        figures=tuple(view.figures),
    )
    images = {}
    if fetch_image is not None:
        from incident_kit.apply.attachments import fetch_images

        images = fetch_images(image_urls(data), fetch_image)
    pdf = render_pdf(data, images)
    outcome.pdf, outcome.report_fp = pdf, fp
    message = f"incident-kit: report of #{issue.number} ({due.reason})"
    try:
        done = commit_file(repo, path, pdf, message, config.report.branch or None, budget)
    except BranchRefused as exc:
        outcome.pdf_unsaved = pdf
        outcome.report_failure = Failure("Report not committed", f"{exc} The PDF is attached to the workflow run.")
        return Extras(notes=(f"The PDF report could not be committed: {exc} It was attached to the workflow run.",))
    if done.status == "skipped":
        return Extras(notes=("The PDF report is rendered but not committed yet (dry run or write budget).",))
    outcome.pdf_url = done.url
    recorded = (Change("report", fp, "committed the incident report (PDF)"),) if done.status == "committed" else ()
    return Extras(
        state={"report": {"fp": fp, "path": path, "url": done.url}},
        fulfilled=frozenset({"report"}),
        recorded=recorded,
        notes=_report_note(done.url),
    )


def _notify_configured(config: Config) -> bool:
    return config.notify.slack is not None or config.notify.email is not None


def _notify(
    repo: Repository,
    issue: IssueData,
    comments: list[CommentData],
    plan: Plan,
    config: Config,
    bot_login: str,
    outcome: Outcome,
    secrets: NotifySecrets | None,
    dry_run: bool,
    now: datetime,
) -> Extras:
    """Tell people through Slack and e-mail, once per fact; a failing channel is a note, not a crash."""
    from incident_kit.apply.deliver import deliver
    from incident_kit.plan.invite import google_link, in_zones
    from incident_kit.plan.messages import Facts
    from incident_kit.plan.messages import NotifySecrets as Secrets

    assert plan.evaluation is not None
    incident = plan.evaluation.incident
    stored = plan.state.get("notify")
    state: dict[str, Any] = stored if isinstance(stored, dict) else {}
    invite = outcome.invite
    zones = (config.timezone, *config.display_timezones)
    report = plan.state.get("report") if isinstance(plan.state.get("report"), dict) else {}
    pdf = outcome.pdf
    if pdf is None and report and config.notify.email is not None:
        # The e-mail with the report may still be due from an earlier run: read the committed PDF.
        committed = repo.get_file(str(report.get("path", "")), config.report.branch or None)
        pdf = committed.content if committed else None
    facts = Facts(
        repository=repo.full_name,
        number=issue.number,
        title=issue.title,
        url=issue.html_url,
        decision=str(incident.decision),
        phase=str(plan.evaluation.phase),
        triage=tuple((q.label, str(q.answer)) for q in incident.triage),
        roles={r.key: r.handles for r in incident.roles},
        resolved=plan.evaluation.phase.at_least(Phase.RESOLVED) and plan.evaluation.phase is not Phase.NOT_INCIDENT,
        announcement=_announcement(repo, issue, comments, incident, config, bot_login),
        # A cancelled meeting keeps its times: the cancellation says which meeting is off.
        postmortem_times=tuple(in_zones(invite.start, zones)) if invite is not None else (),
        google_link=google_link(invite) if invite is not None and not invite.cancelled else "",
        invite_uid=invite.uid if invite is not None else "",
        invite_sequence=invite.sequence if invite is not None else -1,
        invite_ics=outcome.ics,
        invite_cancelled=bool(invite.cancelled) if invite is not None else False,
        attendee_emails=tuple(str(p.email) for p in invite.attendees) if invite is not None else (),
        report_url=str(report.get("url", "")) if report else "",
        report_pdf=pdf,
        report_name=str(report.get("path", "")).rsplit("/", 1)[-1] if report else "",
        report_fingerprint=str(report.get("fp", "")) if report else "",
    )
    delivery = deliver(facts, config.notify, secrets or Secrets(), state, dry_run=dry_run, now=now)
    outcome.notify_failures = list(delivery.failures)
    return Extras(state={"notify": delivery.state}, notes=tuple(delivery.notes))


def _announcement(
    repo: Repository,
    issue: IssueData,
    comments: list[CommentData],
    incident: Any,
    config: Config,
    bot_login: str,
) -> str | None:
    """The first comment starting with the announcement prefix, from someone entitled to speak."""
    prefix = config.notify.email.announcement_prefix if config.notify.email is not None else "Announcement:"
    roles = {h.lower() for r in incident.roles for h in r.handles}
    for c in comments:
        text = c.body.lstrip()
        if c.author == bot_login or not text.lower().startswith(prefix.lower()):
            continue
        if c.author.lower() in roles or repo.permission(c.author) in TRUSTED_PERMISSIONS:
            return text[len(prefix) :].strip() or None
    return None


def _report_note(url: str) -> tuple[str, ...]:
    return (f"Incident report (PDF): {url}",) if url else ()


def _invite(
    repo: Repository,
    issue: IssueData,
    comments: list[CommentData],
    plan: Plan,
    config: Config,
    bot_login: str,
    budget: Budget,
    now: datetime,
    outcome: Outcome,
) -> Extras:
    """Plan the postmortem invite and commit its .ics when it changed; say what to show."""
    from incident_kit.plan.invite import plan_invite

    assert plan.evaluation is not None
    invite = plan_invite(
        plan.evaluation.incident,
        repository=repo.full_name,
        number=issue.number,
        title=issue.title,
        url=issue.html_url,
        created_at=issue.created_at,
        author=issue.author,
        assignees=issue.assignees,
        commenters=tuple(dict.fromkeys(c.author for c in comments if c.author != bot_login)),
        config=config,
        state=plan.state,
        phase=plan.evaluation.phase,
        now=now,
    )
    findings = tuple(Finding(rule, Severity.WARNING, message, line) for rule, message, line in invite.warnings)
    if invite.content is None or invite.state is None:
        return Extras(findings=findings, postmortem=invite.view)
    assert invite.invite is not None
    verb = "cancel" if invite.invite.cancelled else "invite to"
    message = f"incident-kit: {verb} the postmortem of #{issue.number} (sequence {invite.invite.sequence})"
    blob = blob_sha(invite.content)
    stored = plan.state.get("invite")
    if (
        isinstance(stored, dict)
        and stored.get("blob") == blob
        and stored.get("url")
        and stored.get("path") == invite.path
    ):
        # The file holds these very bytes (we committed them): no request to check it again.
        done = Committed(invite.path, "unchanged", str(stored["url"]))
    else:
        done = commit_file(repo, invite.path, invite.content, message, config.report.branch or None, budget)
    outcome.ics_path = invite.path
    if done.status != "skipped":
        outcome.invite, outcome.ics = invite.invite, invite.content
    view = invite.view
    if done.status == "skipped":
        # Not committed yet: keep the stored state as it was, so the next run commits it.
        if view is not None:
            view.note = "The invite file is not committed yet (dry run or write budget); the next run commits it."
        return Extras(findings=findings, postmortem=view)
    if view is not None:
        view.ics_url = done.url
    fulfilled = frozenset() if invite.invite.cancelled else frozenset({"invite"})
    recorded: tuple[Change, ...] = ()
    if done.status == "committed":
        when = f"{invite.invite.start:%m/%d %H:%M} UTC"
        what = (
            f"cancelled the postmortem of {when}"
            if invite.invite.cancelled
            else f"sent the postmortem invite for {when}"
        )
        recorded = (Change("invite", f"seq{invite.invite.sequence}", what),)
    entry = {**invite.state, "blob": blob, "url": done.url, "path": invite.path}
    return Extras(state={"invite": entry}, findings=findings, fulfilled=fulfilled, postmortem=view, recorded=recorded)


def _apply(repo: Repository, number: int, body_read: str, plan: Plan, budget: Budget, outcome: Outcome) -> None:
    for name in plan.add_labels:
        if not repo.label_exists(name) and budget.take(f"create label '{name}'"):
            color, description = LABEL_STYLE.get(name, ("ededed", "incident-kit"))
            repo.create_label(name, color, description)
    if plan.add_labels and budget.take(f"add labels {', '.join(plan.add_labels)}"):
        repo.add_labels(number, list(plan.add_labels))
    for name in plan.remove_labels:
        if budget.take(f"remove label '{name}'"):
            # Someone may have removed it already: then the state we want holds.
            with contextlib.suppress(NotFound):
                repo.remove_label(number, name)
    if plan.add_assignees and budget.take(f"assign {', '.join('@' + a for a in plan.add_assignees)}"):
        repo.add_assignees(number, list(plan.add_assignees))
    if plan.tick_body is not None:
        # Humans own the body: write only if nobody edited it since we read it.
        fresh = repo.get_issue(number).body
        if fresh != body_read:
            outcome.notices.append("the body changed while incident-kit worked; boxes were not ticked this run")
        elif budget.take("tick the boxes incident-kit fulfils"):
            repo.edit_body(number, plan.tick_body)
    if plan.status_comment is not None:
        outcome.status_url = plan.status_comment.html_url
    if plan.status_changed and plan.status_body is not None:
        if plan.status_comment is None:
            if budget.take("post the status comment"):
                outcome.status_url = repo.create_comment(number, plan.status_body).html_url
        elif budget.take("update the status comment"):
            outcome.status_url = repo.edit_comment(plan.status_comment.id, plan.status_body).html_url


__all__ = ["Budget", "Event", "Outcome", "PortError", "reconcile"]
