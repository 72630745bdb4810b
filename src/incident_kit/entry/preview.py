"""``incident-kit check FILE --status``: the status comment the bot would post on the first run for a body.

Pure: the same plan the action makes (``plan_run``) on a snapshot built from the body and the
flags, with no bot state yet (no status comment, no events, nothing sent), rendered as the
first run leaves it when its writes succeed. Nothing is read from or written to GitHub: the
repository is called OWNER/REPO and its default branch main in the links to the invite and the
report the run would commit, investigators are taken as assignable, and the notes a run adds
about its secrets (no Slack webhook, no SMTP password) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from incident_kit.github.port import IssueData
from incident_kit.plan.actions import Results
from incident_kit.plan.issue_plan import Snapshot, assign_candidates, plan_issue
from incident_kit.plan.run_plan import RunInputs, plan_run
from incident_kit.settings.config import Config

BOT = "github-actions[bot]"
AUTHOR = "reporter"  # a member with write access: the bot acts at once (an outsider waits for a maintainer)
REPOSITORY = "OWNER/REPO"


@dataclass(frozen=True)
class Preview:
    markdown: str  # the status comment; "" when the bot would not post one
    reason: str  # why it would not, else ""


def first_status(
    body: str,
    config: Config,
    *,
    labels: frozenset[str],
    closed: bool,
    created_at: datetime,
    now: datetime,
    title: str = "Incident",
) -> Preview:
    issue = IssueData(
        number=1,
        title=title,
        body=body,
        state="closed" if closed else "open",
        state_reason="completed" if closed else None,
        labels=tuple(sorted(labels)),
        assignees=(),
        author=AUTHOR,
        created_at=created_at,
        closed_at=now if closed else None,
        html_url=f"https://github.com/{REPOSITORY}/issues/1",
    )
    snap = Snapshot(
        issue,
        [],
        BOT,
        {AUTHOR: "write"},
        AUTHOR,
        now,
        opened=True,
        repository=REPOSITORY,
        # Nothing was watched over time: the timeline is the body's own, not this run's clock.
        record_events=False,
    )
    first = plan_issue(snap, config)
    if first.relevant and first.evaluation is not None:
        wanted, _ = assign_candidates(first.evaluation.incident, issue.assignees)
        snap = Snapshot(**{**snap.__dict__, "assignable": dict.fromkeys(wanted, True)})
    run = plan_run(snap, config, RunInputs(part="all", existing_labels=labels))
    if run.status is None:
        return Preview("", run.plan.reason or "incident-kit would not comment on this issue")
    # As the first run leaves it when its commits succeed: the invite and the report linked where
    # they would be (on the default branch, here called main, unless report.branch names one).
    branch = config.report.branch or "main"
    url = f"https://github.com/{REPOSITORY}/blob/{branch}/"
    results = Results(
        invite_url=url + run.ics_path if run.ics_path else None,
        invite_committed=bool(run.ics_path),
        report_url=url + run.pdf_path if run.pdf_path else None,
        report_committed=bool(run.pdf_path),
    )
    plan = run.status.render(results)
    return Preview(plan.status_body or "", "" if plan.status_body else "incident-kit would not comment")
