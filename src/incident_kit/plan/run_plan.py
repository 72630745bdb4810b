"""One run's plan (pure): from what the run read to the list of actions it will perform.

The shell reads everything first (the issue, its comments, the permissions and
assignability it needs, the events when a run was dropped) into a
:class:`~incident_kit.plan.issue_plan.Snapshot`; :func:`plan_run` then decides,
without any I/O: labels and assignees, the postmortem invite's ``.ics`` bytes,
whether a report is due and the fingerprint of its input, the messages still
due on each channel, and a renderer for the status comment. Nothing here is
committed or sent; :mod:`incident_kit.apply.reconcile` performs the actions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from incident_kit.basics.times import format_iso, format_utc, parse_iso
from incident_kit.body.model import Decision, Finding, Phase, Severity
from incident_kit.github.port import TRUSTED_PERMISSIONS, CommentData
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
    WriteStatus,
)
from incident_kit.plan.bot_state import UNKNOWN_RUN, BotState, Claim, FollowupNote, InviteRecord, ReportRecord
from incident_kit.plan.figures import moments
from incident_kit.plan.issue_plan import LABEL_STYLE, Extras, Plan, Snapshot, plan_issue, timeline_view
from incident_kit.plan.messages import EMAIL, SLACK, channel_record, delivered
from incident_kit.plan.recorded_timeline import Change
from incident_kit.plan.trust import dismissed
from incident_kit.settings.config import Config

PENDING_URL = "about:blank#pending"  # the report's URL before apply commits it
_DISMISSED_NOTE = (
    "Closed as {reason}: incident-kit commits no invite or report and sends no message for this issue. "
    "Reopen it (or close it as completed) if it was a real incident."
)


@dataclass(frozen=True)
class RunInputs:
    """What a run adds to the snapshot: which part, which labels exist, the weekly's follow-ups."""

    part: str = "all"
    existing_labels: frozenset[str] = frozenset()
    followups: tuple[FollowupNote, ...] | None = None
    requested_report: bool = False  # a workflow_dispatch asks for the report now
    slack_webhook_set: bool = False
    now_iso: str = ""


def git_blob_sha(content: bytes) -> str:
    """The git blob id of ``content``, as the contents API reports it for a file."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()  # noqa: S324 - git's own id


def plan_run(snap: Snapshot, config: Config, inputs: RunInputs) -> RunPlan:
    part = inputs.part
    base_extras = Extras(followups=inputs.followups)
    plan = plan_issue(snap, config, part, base_extras)
    if not plan.relevant:
        return RunPlan(plan)
    actions: list[Action] = []
    held: list[Claim] = []
    run = RunPlan(plan)
    # Closed as not planned (or a duplicate): it was not an incident to act on, so nothing is committed
    # or sent for it (a spam issue closed as not planned must not become a PDF on the default branch).
    closed_off = dismissed(snap.issue.state, snap.issue.state_reason)
    features = plan.trusted and plan.evaluation is not None and not closed_off
    if closed_off and plan.trusted:
        base_extras = replace(base_extras, notes=(_DISMISSED_NOTE.format(reason=snap.issue.state_reason),))
    invite_extras, invite_action, invite_info = Extras(), None, None
    if features and part in ("all", "invite"):
        invite_extras, invite_action, invite_info, ics_path = _plan_invite(snap, config, plan)
        run = replace(run, ics_path=ics_path)
        if invite_action is not None:
            actions.append(invite_action)
    optimistic = _merge(base_extras, invite_extras)
    report_action: CommitReport | None = None
    report_extras = Extras()
    if features and part in ("all", "report"):
        # The report shows the timeline as this run leaves it (the invite's entry included), so the
        # next run, reading it back, computes the same fingerprint and renders nothing.
        settled = plan_issue(snap, config, part, optimistic) if optimistic != Extras() else plan
        report_action, report_extras, pdf_path, pdf_url = _plan_report(snap, config, settled, inputs)
        run = replace(run, pdf_path=pdf_path, pdf_url=pdf_url)
        if report_action is not None:
            actions.append(replace(report_action, needs=("invite",) if invite_action is not None else ()))
    optimistic = _merge(optimistic, report_extras)
    # GitHub writes the plan makes from the labels and people.
    for name in plan.add_labels:
        if name not in inputs.existing_labels:
            color, description = LABEL_STYLE.get(name, ("ededed", "incident-kit"))
            actions.append(CreateLabel(name, color, description))
    if plan.add_labels:
        actions.append(AddLabels(plan.add_labels))
    actions += [RemoveLabel(name) for name in plan.remove_labels]
    if plan.add_assignees:
        actions.append(SetAssignees(plan.add_assignees))
    settled = plan_issue(snap, config, part, optimistic) if optimistic != Extras() else plan
    messages: list[SendMessage] = []
    setup: tuple[str, ...] = ()
    if features and part in ("all", "notify") and _notify_configured(config):
        messages, held, setup = _plan_messages(snap, config, settled, invite_info, invite_action, report_action)
        actions += messages
    tick_body, tick_needs = (
        settled.tick_body,
        tuple(n for n, a in (("invite", invite_action), ("report", report_action)) if a is not None),
    )
    # A box that claims a delivery is ticked only once the delivery happened: planned as if the
    # messages of this run go out, performed after them, and only if they did (apply checks "sent:*").
    going = sent_facts(messages)
    if going:
        hoped = plan_issue(snap, config, part, _merge(optimistic, Extras(fulfilled=going)))
        if hoped.tick_body is not None and hoped.tick_body != tick_body:
            tick_body, tick_needs = hoped.tick_body, (*tick_needs, *(f"sent:{n}" for n in sorted(going)))
    if tick_body is not None:
        actions.append(TickBoxes(tick_body, snap.issue.body, tick_needs))
    stored = plan.stored
    status = None
    if plan.status_body is not None:
        status = WriteStatus(
            _renderer(
                snap,
                config,
                part,
                base_extras,
                invite_extras,
                invite_action,
                report_action,
                report_extras,
                run.pdf_url,
                tuple(held),
                setup,
            ),
            plan.status_comment.id if plan.status_comment else None,
            plan.status_comment.body if plan.status_comment else None,
        )
    return replace(
        run,
        actions=tuple(actions),
        status=status,
        held=tuple(held),
        setup_notes=setup,
        state=stored,
        postmortem=invite_extras.postmortem,
    )


def _merge(a: Extras, b: Extras) -> Extras:
    return Extras(
        invite=b.invite if b.invite is not None else a.invite,
        report=b.report if b.report is not None else a.report,
        sent=b.sent if b.sent is not None else a.sent,
        claims=b.claims if b.claims is not None else a.claims,
        followups=b.followups if b.followups is not None else a.followups,
        findings=a.findings + b.findings,
        fulfilled=a.fulfilled | b.fulfilled,
        postmortem=b.postmortem or a.postmortem,
        notes=a.notes + b.notes,
        recorded=a.recorded + b.recorded,
    )


# ---------------------------------------------------------------- the postmortem invite


@dataclass(frozen=True)
class _InviteInfo:
    invite: Any  # plan.invite.Invite
    content: bytes


def _plan_invite(
    snap: Snapshot, config: Config, plan: Plan
) -> tuple[Extras, CommitInvite | None, _InviteInfo | None, str]:
    """The invite's .ics and what the status shows, assuming the commit (if any) succeeds."""
    from incident_kit.plan.invite import plan_invite

    assert plan.evaluation is not None
    issue = snap.issue
    invite = plan_invite(
        plan.evaluation.incident,
        repository=snap.repository,
        number=issue.number,
        title=issue.title,
        url=issue.html_url,
        created_at=issue.created_at,
        author=issue.author,
        assignees=issue.assignees,
        commenters=tuple(dict.fromkeys(c.author for c in snap.comments if c.author != snap.bot_login)),
        config=config,
        state=plan.stored,
        phase=plan.evaluation.phase,
        now=snap.now,
    )
    findings = tuple(Finding(rule, Severity.WARNING, message, line) for rule, message, line in invite.warnings)
    if invite.content is None or invite.state is None or invite.invite is None:
        return Extras(findings=findings, postmortem=invite.view), None, None, ""
    blob = git_blob_sha(invite.content)
    stored = plan.stored.invite
    info = _InviteInfo(invite.invite, invite.content)
    # The "Invite all people concerned" box is done when people got the invite (the record of what was
    # delivered says so) or a person ticked it; the committed file alone is "ready" (issue #14).
    fulfilled: frozenset[str] = frozenset()  # plan_issue reads it from the record of what was delivered
    if stored is not None and stored.blob == blob and stored.url and stored.path == invite.path:
        # The file holds these very bytes (we committed them): no request to check it again.
        view = replace(invite.view, ics_url=stored.url) if invite.view is not None else None
        entry = replace(invite.state, blob=blob, url=stored.url, path=invite.path)
        return Extras(invite=entry, findings=findings, fulfilled=fulfilled, postmortem=view), None, info, invite.path
    verb = "cancel" if invite.invite.cancelled else "invite to"
    message = f"incident-kit: {verb} the postmortem of #{issue.number} (sequence {invite.invite.sequence})"
    action = CommitInvite(
        invite.path, invite.content, blob, message, config.report.branch or None, invite.invite, invite.state
    )
    when = f"{invite.invite.start:%m/%d %H:%M} UTC"
    cancelled = invite.invite.cancelled
    what = (
        f"committed the cancellation of the postmortem of {when}"
        if cancelled
        else f"committed the invite for the postmortem of {when} (not sent by this)"
    )
    extras = Extras(
        invite=replace(invite.state, blob=blob, url=PENDING_URL, path=invite.path),
        findings=findings,
        fulfilled=fulfilled,
        postmortem=invite.view,
        recorded=(Change("invite", f"seq{invite.invite.sequence}", what),),
    )
    return extras, action, info, invite.path


# ---------------------------------------------------------------- the PDF report


def _plan_report(
    snap: Snapshot, config: Config, plan: Plan, inputs: RunInputs
) -> tuple[CommitReport | None, Extras, str, str]:
    """Whether a report is due and changed since the last one; its input, fingerprinted, not rendered."""
    from incident_kit.plan.report_due import as_of, fingerprint, human_comments, report_due

    assert plan.evaluation is not None
    issue = snap.issue
    incident = plan.evaluation.incident
    labels = frozenset((set(issue.labels) - set(plan.remove_labels)) | set(plan.add_labels))
    due = report_due(incident, issue, labels, config, requested=inputs.requested_report)
    if not due.due:
        return None, Extras(), "", ""
    people = human_comments(snap.comments, snap.bot_login)
    # The report's own "committed" entries stay out: they would make every report due again.
    entries = [e for e in plan.state.timeline if e.get("k") != "report"]
    view = timeline_view(incident, issue, entries, config, snap.record_events)
    # The path template is part of the fingerprint, so a changed setting renders anew.
    fp = fingerprint(issue, labels, people, [view.rows, view.figures, config.report.path])
    previous = plan.stored.report
    if previous is not None and previous.fp == fp and previous.path:
        return None, Extras(report=previous), previous.path, previous.url or ""
    from incident_kit.render.pdf import ReportComment, ReportInput, report_path

    path = report_path(config.report.path, issue.created_at, issue.number, issue.title)
    data = ReportInput(
        repository=snap.repository,
        number=issue.number,
        title=issue.title,
        url=issue.html_url,
        state=issue.state,
        labels=tuple(sorted(labels)),
        decision=str(incident.decision),
        phase=str(plan.evaluation.phase),
        roles={r.key: r.handles for r in incident.roles},
        created_at=issue.created_at,
        # The cover's "Resolved" is the resolution that stands (the same moment as "Time to resolve").
        resolved_at=moments(incident, issue.created_at, entries, config.labels.improvement).resolved,
        generated_at=as_of(issue, people),
        body=issue.body,
        comments=tuple(ReportComment(c.author, c.created_at, c.body) for c in people),
        timeline=tuple(view.rows),
        figures=tuple(view.figures),
        meeting_roles=_meeting_roles(incident),
    )
    action = CommitReport(
        path, data, fp, f"incident-kit: report of #{issue.number} ({due.reason})", config.report.branch or None
    )
    extras = Extras(
        report=ReportRecord(fp, path, PENDING_URL),
        recorded=(Change("report", fp, "committed the incident report (PDF; not sent by this)"),),
    )
    return action, extras, path, ""


def _meeting_roles(incident: Any) -> tuple[tuple[str, str], ...]:
    """The postmortem roles for the report, the template's fallbacks applied."""
    out: list[tuple[str, str]] = []
    for role in incident.meeting.roles:
        who = " ".join("@" + h for h in role.holders)
        if who and not role.handles and role.fallback:
            who += f" (the {role.fallback.capitalize()})"
        out.append((role.label, who))
    return tuple(out)


# ---------------------------------------------------------------- telling people


def sent_facts(messages: list[SendMessage]) -> frozenset[str]:
    """The deliveries these messages would make (see :func:`~incident_kit.plan.messages.delivered`)."""
    out: set[str] = set()
    for m in messages:
        if m.channel == EMAIL and m.key.startswith("invite:") and not m.facts.invite_cancelled:
            out.add("invite")
        if m.key == "report:final":
            out.add("report")
    return frozenset(out)


def _notify_configured(config: Config) -> bool:
    return config.notify.slack is not None or config.notify.email is not None


def _plan_messages(
    snap: Snapshot,
    config: Config,
    plan: Plan,
    invite: _InviteInfo | None,
    invite_action: CommitInvite | None,
    report_action: CommitReport | None,
) -> tuple[list[SendMessage], list[Claim], tuple[str, ...]]:
    """The messages still due. A fact already sent, or claimed by a run that never recorded the
    delivery, is not planned; when the record itself was lost, what would go now is held instead."""
    from incident_kit.plan.invite import google_link, in_zones
    from incident_kit.plan.messages import Facts, plan_messages

    assert plan.evaluation is not None
    incident = plan.evaluation.incident
    zones = (config.timezone, *config.display_timezones)
    report = plan.state.report or ReportRecord()
    inv = invite.invite if invite is not None else None
    facts = Facts(
        repository=snap.repository,
        number=snap.issue.number,
        title=snap.issue.title,
        url=snap.issue.html_url,
        decision=str(incident.decision),
        phase=str(plan.evaluation.phase),
        triage=tuple((q.label, str(q.answer)) for q in incident.triage),
        roles={r.key: r.handles for r in incident.roles},
        resolved=plan.evaluation.phase.at_least(Phase.RESOLVED) and plan.evaluation.phase is not Phase.NOT_INCIDENT,
        announcement=_announcement(snap, config, incident),
        # A cancelled meeting keeps its times: the cancellation says which meeting is off.
        postmortem_times=tuple(in_zones(inv.start, zones)) if inv is not None else (),
        google_link=google_link(inv) if inv is not None and not inv.cancelled else "",
        invite_uid=inv.uid if inv is not None else "",
        invite_sequence=inv.sequence if inv is not None else -1,
        invite_ics=invite.content if invite is not None else None,
        invite_cancelled=bool(inv.cancelled) if inv is not None else False,
        attendee_emails=tuple(str(p.email) for p in inv.attendees) if inv is not None else (),
        report_url=report.url or "",
        report_name=(report.path or "").rsplit("/", 1)[-1],
        report_fingerprint=report.fp or "",
        report_version=_report_version(snap, config, plan),
    )
    stored: BotState = plan.stored
    out: list[SendMessage] = []
    held: list[Claim] = []
    for message in plan_messages(facts, config.notify, stored.sent):
        if stored.claim_for(message.channel, message.key) is not None:
            continue  # claimed by a run that has not recorded it: never sent blindly
        if stored.record_lost:
            held.append(Claim(message.channel, message.key, UNKNOWN_RUN, format_iso(snap.now), message.what))
            continue
        needs: list[str] = []
        attach = ""
        if message.key.startswith("invite:") and invite_action is not None:
            needs.append("invite")
        if message.key.startswith("report:"):
            if report_action is not None:
                needs.append("report")
            elif message.channel == "email" and report.path:
                attach = report.path  # committed by an earlier run: read back when sending
        out.append(SendMessage(message, facts, tuple(needs), attach))
    return out, held, tuple(_setup_notes(config, snap))


def _report_version(snap: Snapshot, config: Config, plan: Plan) -> str:
    """Which report stakeholders get now (README, "The incident report"): "1" once the incident is
    resolved, "final" when the postmortem is finished (its action items written) or the issue is
    closed; "" before the resolution or for a problem that is not an incident."""
    from incident_kit.rules.done import postmortem_finished

    assert plan.evaluation is not None
    phase = plan.evaluation.phase
    if plan.evaluation.incident.decision is not Decision.INCIDENT:
        return ""
    if snap.issue.state == "closed":
        return "final"
    if not phase.at_least(Phase.RESOLVED):
        return ""
    return (
        "final"
        if postmortem_finished(plan.evaluation.incident, config.vague_phrases, config.builtin_vague_phrases)
        else "1"
    )


def _setup_notes(config: Config, snap: Snapshot) -> list[str]:
    notes: list[str] = []
    email = config.notify.email
    if email is not None and email.unresolved:
        handles = ", ".join("@" + h for h in email.unresolved)
        notes.append(
            f"E-mail: no address for {handles}: add them under `people:` in .github/incident-kit.yml to tell them."
        )
    return notes


def _announcement(snap: Snapshot, config: Config, incident: Any) -> str | None:
    """The first comment starting with the announcement prefix, from someone entitled to speak."""
    prefix = config.notify.email.announcement_prefix if config.notify.email is not None else "Announcement:"
    roles = {h.lower() for r in incident.roles for h in r.handles}
    for c in snap.comments:
        text = c.body.lstrip()
        if c.author == snap.bot_login or not text.lower().startswith(prefix.lower()):
            continue
        if c.author.lower() in roles or snap.permissions.get(c.author, "none") in TRUSTED_PERMISSIONS:
            return text[len(prefix) :].strip() or None
    return None


def announcers(snap: Snapshot, config: Config, incident: Any) -> list[str]:
    """Whose permission the announcement needs (read by the shell before planning), in comment order:
    none past the first comment whose author is entitled without asking (a role holder, or someone
    whose permission this run already read)."""
    prefix = config.notify.email.announcement_prefix if config.notify.email is not None else "Announcement:"
    roles = {h.lower() for r in incident.roles for h in r.handles}
    out: dict[str, None] = {}
    for c in snap.comments:
        if c.author == snap.bot_login or not c.body.lstrip().lower().startswith(prefix.lower()):
            continue
        if c.author.lower() in roles or snap.permissions.get(c.author, "none") in TRUSTED_PERMISSIONS:
            break
        if c.author not in snap.permissions:
            out.setdefault(c.author, None)
    return list(out)


# ---------------------------------------------------------------- the status comment


def _renderer(
    snap: Snapshot,
    config: Config,
    part: str,
    base: Extras,
    invite: Extras,
    invite_action: CommitInvite | None,
    report_action: CommitReport | None,
    report: Extras,
    stored_report_url: str,
    held: tuple[Claim, ...],
    setup: tuple[str, ...],
) -> Any:
    """The status comment as the actions left the issue: a pure function of their results."""
    from incident_kit.plan.messages import sent_lines
    from incident_kit.plan.status import find_status_comment

    read = find_status_comment(snap.comments, snap.bot_login)

    def render(results: Results) -> Plan:
        now, stored = _fresh(snap, read, results.status_comment)
        extras = base
        inv = invite
        if invite_action is not None:
            if results.invite_url is None:
                view = inv.postmortem
                if view is not None:
                    view = replace(
                        view,
                        note="The invite file is not committed yet (dry run or write budget); the next run commits it.",
                    )
                inv = Extras(findings=inv.findings, postmortem=view)
            else:
                assert inv.invite is not None
                view = replace(inv.postmortem, ics_url=results.invite_url) if inv.postmortem is not None else None
                inv = replace(
                    inv,
                    invite=replace(inv.invite, url=results.invite_url),
                    postmortem=view,
                    recorded=inv.recorded if results.invite_committed else (),
                )
        extras = _merge(extras, inv)
        rep = Extras()
        if report_action is not None:
            if results.report_url is not None:
                assert report.report is not None
                rep = replace(
                    report,
                    report=replace(report.report, url=results.report_url),
                    recorded=report.recorded if results.report_committed else (),
                    notes=_report_note(results.report_url),
                )
            elif results.report_note:
                rep = Extras(notes=(results.report_note,))
            else:
                rep = Extras(notes=("The PDF report is rendered but not committed yet (dry run or write budget).",))
        elif report.report is not None:  # unchanged since the committed one
            rep = Extras(notes=_report_note(stored_report_url))
        extras = _merge(extras, rep)
        claims = tuple(dict.fromkeys((*results.claims, *held)))
        told = sent_lines(results.sent) + [_held_line(c) for c in claims]
        invite_entry = extras.invite if extras.invite is not None else stored.invite
        report_entry = extras.report if extras.report is not None else stored.report
        ready = _ready_not_sent(snap, config, delivered(results.sent, invite_entry), invite_entry, report_entry)
        extras = _merge(
            extras,
            Extras(
                sent=results.sent,
                claims=claims,
                notes=(*told, *ready, *results.notes, *setup),
                recorded=deliveries(stored.sent, results.sent),
            ),
        )
        return plan_issue(now, config, part, extras)

    return render


def _fresh(snap: Snapshot, read: CommentData | None, fresh: CommentData | None) -> tuple[Snapshot, BotState]:
    """The snapshot with the status comment as it is now, and the state it holds: this run's changes
    are merged into the state another run may have written since the plan was made."""
    from incident_kit.plan.status import load_state

    if fresh is None or (read is not None and read.id == fresh.id and read.body == fresh.body):
        return snap, load_state(read)
    stale = {fresh.id, read.id if read is not None else fresh.id}
    comments = [fresh if c.id in stale else c for c in snap.comments]
    if fresh not in comments:
        comments.append(fresh)  # another run posted the first status comment meanwhile
    return replace(snap, comments=comments), load_state(fresh)


def deliveries(before: dict[str, Any], after: dict[str, Any]) -> tuple[Change, ...]:
    """What incident-kit delivered this run, for the recorded timeline, in the words of what happened."""
    out: list[Change] = []
    for channel in (EMAIL, SLACK):
        old, new = channel_record(before, channel), channel_record(after, channel)
        for key, entry in new.items():
            if not isinstance(entry, dict) or entry.get("in") or not entry.get("to"):
                continue
            was = old.get(key)
            count = len(entry["to"]) if isinstance(entry["to"], list) else 0
            if isinstance(was, dict) and len(was.get("to") or []) >= count:
                continue
            people = f"{count} {'person' if count == 1 else 'people'}"
            version = "final" if key == "report:final" else "1 of 2"
            if key.startswith("invite:") and channel == EMAIL:
                what = f"e-mailed the postmortem invite to {people}"
            elif key.startswith("report:"):
                what = (
                    f"e-mailed the incident report ({version}) to {people}"
                    if channel == EMAIL
                    else f"posted the incident report ({version}) on Slack"
                )
            elif key.startswith("retracted:"):
                what = "told " + (people if channel == EMAIL else "Slack") + " that the resolution is taken back"
            else:
                continue
            out.append(Change("delivered", f"{channel}:{key}:{count}", what))
    return tuple(out)


def _ready_not_sent(
    snap: Snapshot,
    config: Config,
    done: frozenset[str],
    invite: InviteRecord | None,
    report: ReportRecord | None,
) -> tuple[str, ...]:
    """Files that are committed ("ready") but that nobody has received: who has to send what, and how to
    let incident-kit send it."""
    from incident_kit.body.checklist import named

    incident = _parsed_incident(snap, config)
    communicator = " ".join("@" + h for h in incident.role("communicator").handles) or "the Communicator"
    email = config.notify.email
    notes: list[str] = []
    invite_box = named(incident, "invite")
    invite_ready = invite is not None and not invite.cancelled and invite.url
    if invite_ready and invite_box and not all(i.checked for i in invite_box) and "invite" not in done:
        how = (
            "configure e-mail (`notify.email` with `smtp` and `people:` addresses in .github/incident-kit.yml) "
            "so incident-kit e-mails it"
            if email is None
            else "incident-kit e-mails it to everyone with an address under `people:` (none was accepted yet)"
        )
        notes.append(
            f"The postmortem invite is committed (ready) but has not been sent to anyone: {communicator}, "
            "send it to everyone concerned (the Google Calendar link or the .ics above) and tick 'Invite all "
            f"people concerned', or {how}."
        )
    pdf_box = named(incident, "output-pdf")
    pdf_ready = report is not None and report.path
    if pdf_ready and pdf_box and not all(i.checked for i in pdf_box) and "report" not in done:
        how = (
            "configure e-mail (`notify.email` with `smtp` and `stakeholders`) so incident-kit sends it"
            if email is None
            else "incident-kit e-mails the final version to the stakeholders when the postmortem's action "
            "items are written or the issue is closed"
        )
        notes.append(
            "The PDF report is committed (ready) but the final version has not been sent to stakeholders: "
            f"{communicator}, send it and tick 'Output pdf of this issue', or {how}."
        )
    return tuple(notes)


def _parsed_incident(snap: Snapshot, config: Config) -> Any:
    from incident_kit.plan.issue_plan import _parsed

    return _parsed(snap.issue.body, snap.issue.created_at, config.video.hosts)


def _held_line(claim: Claim) -> str:
    channel = "Slack" if claim.channel == "slack" else "E-mail"
    at = parse_iso(claim.at)
    why = (
        "the record of what was sent was lost"
        if claim.run == UNKNOWN_RUN
        else f"a run claimed it at {format_utc(at) if at else claim.at} and did not record the delivery"
    )
    return (
        f"{channel}: {claim.what or claim.key} may not have been delivered ({why}); it is not sent again by itself. "
        f'To send it, delete the claim {{"ch":"{claim.channel}","k":"{claim.key}",...}} from the state '
        "block at the end of this comment (edit the comment)."
    )


def _report_note(url: str) -> tuple[str, ...]:
    return (f"Incident report (PDF): {url}",) if url and url != PENDING_URL else ()
