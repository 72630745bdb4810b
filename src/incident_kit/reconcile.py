"""The shell around the plan: read the issue fresh, plan, apply the difference within a budget.

Every write is counted against ``max_writes`` (like actions/stale's
operations-per-run) and skipped in a dry run; what was not done is reported,
and the next run picks it up because it plans from the state again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from incident_kit.config import Config
from incident_kit.plan import LABEL_STYLE, Failure, Plan, Snapshot, plan_issue
from incident_kit.port import TRUSTED_PERMISSIONS, NotFound, PortError, Repository
from incident_kit.rules import Evaluation


@dataclass
class Budget:
    """A count of writes a run may still make; a dry run may make none."""

    limit: int
    dry_run: bool = False
    used: int = 0
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def take(self, what: str) -> bool:
        if self.dry_run:
            self.skipped.append(f"{what} (dry run)")
            return False
        if self.used >= self.limit:
            self.skipped.append(f"{what} (write budget of {self.limit} used up; the next run continues)")
            return False
        self.used += 1
        self.done.append(what)
        return True


@dataclass
class Event:
    """Who did what: used for trust and attribution only, never for the issue's content."""

    name: str = ""  # "issues", "issue_comment", "workflow_dispatch", ...
    action: str = ""
    sender: str | None = None
    previous_body: str | None = None


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
) -> Outcome:
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
    snap = Snapshot(issue, comments, bot_login, permissions, event.sender, now)
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
            plan = plan_issue(
                Snapshot(issue, comments, bot_login, permissions, event.sender, now, assignable), config, part
            )
    outcome = Outcome(number, plan.relevant, plan.reason, plan.evaluation, failures=plan.failures, plan=plan)
    if not plan.relevant:
        return outcome
    _apply(repo, issue.number, issue.body, plan, budget, outcome)
    return outcome


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
