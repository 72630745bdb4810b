"""``incident-kit demo``: walk the demo incident (``story.STORY``) through incident-kit, locally.

A sandbox repository is kept in ``<out>/repo`` by the local backend. Each step
of the story is what a person does to the issue; after each one incident-kit
runs exactly as the GitHub Action would (read the issue fresh, plan, apply the
difference), and what it did is written to ``<out>/step-N.md``: the body the
person left, the labels and assignees, and the bot's status comment.
"""

from __future__ import annotations

import shutil
import sys
from datetime import datetime
from pathlib import Path

from incident_kit.apply.reconcile import Budget, Event, reconcile
from incident_kit.basics.times import format_utc, require_iso
from incident_kit.entry import resources
from incident_kit.entry.story import STORY, TITLE
from incident_kit.github.sandbox import LocalRepository
from incident_kit.plan.messages import NotifySecrets
from incident_kit.settings.config import Config, parse_config

TEAM = ("alice", "bob", "carol", "dave", "erin")


# The demo team's settings: addresses for the invite, and the zone half the team reads times in.
DEMO_SETTINGS = """\
people:
  alice: alice@example.com
  bob: bob@example.com
  carol: carol@example.com
  dave: dave@example.com
stakeholders: [ceo@example.com]
display-timezones: [Asia/Tokyo]
postmortem:
  organizer: ops@example.com
"""
# The team's Slack call, shown in the status comment from the first run (no webhook: nothing is posted).
DEMO_CALL = """\
notify:
  slack:
    call-link: https://app.slack.com/huddle/T0DEMO/C0INCIDENTS
"""


# Left in the output folder: a later demo may replace what this one wrote, and nothing else.
MARK = ".incident-kit-demo"


def _refusal(out: Path, force: bool) -> str:
    """Why the demo must not write into ``out``, or "". Only an earlier demo's output is replaced
    without --force: ``--out ~/work`` must never delete ``~/work/repo``."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file; pass a folder (a new one is made)"
    if force or not out.is_dir() or (out / MARK).is_file():
        return ""
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        return f"--out {out} cannot be read ({exc.strerror or exc})"
    if empty:
        return ""
    return (
        f"--out {out} holds files no earlier demo wrote (the demo would replace {out / 'repo'} and "
        "step-*.md); choose a new or empty folder, or pass --force"
    )


def run_demo(out: Path, config: Config | None = None, secrets: NotifySecrets | None = None, force: bool = False) -> int:
    """Walk the story; with ``config.notify`` and ``secrets`` it also tells people (tests point
    both at loopback servers)."""
    refusal = _refusal(out, force)
    if refusal:
        print(f"incident-kit: {refusal}", file=sys.stderr)
        return 2
    config = config or parse_config(DEMO_SETTINGS + DEMO_CALL, "demo settings")
    try:
        if (out / "repo").is_dir():
            shutil.rmtree(out / "repo")  # every demo starts from an empty sandbox
        elif (out / "repo").exists():
            (out / "repo").unlink()
        out.mkdir(parents=True, exist_ok=True)
        (out / MARK).write_text("written by `incident-kit demo`; a later demo may replace this folder's contents\n")
    except OSError as exc:
        print(f"incident-kit: --out {out}: {exc.strerror or exc}; choose another folder", file=sys.stderr)
        return 2
    clock = {"now": require_iso(STORY[0].at, "the demo step time")}
    repo = LocalRepository(out / "repo", clock=lambda: clock["now"])
    for login in TEAM:
        repo.set_permission(login, "write")
    body = resources.template_text().split("---\n", 2)[2].lstrip("\n")
    number = 0
    print(f"Demo incident: {TITLE}  (sandbox repository: {out / 'repo'})\n")
    for n, step in enumerate(STORY, 1):
        clock["now"] = require_iso(step.at, "the demo step time")
        body = step.edit(body)
        if n == 1:
            number = repo.open_issue(TITLE, body, step.actor, labels=(config.labels.incident,))
            event = Event("issues", "opened", step.actor, at=clock["now"])
        else:
            previous = repo.get_issue(number).body
            repo.human_edit(number, body)
            event = Event("issues", "edited", step.actor, previous_body=previous, at=clock["now"])
        writes_before = repo.stats.writes
        budget = Budget(limit=50)
        outcome = reconcile(
            repo,
            number,
            config=config,
            bot_login=repo.bot_login,
            budget=budget,
            event=event,
            now=clock["now"],
            secrets=secrets,
        )
        again = Budget(limit=50)
        reconcile(
            repo,
            number,
            config=config,
            bot_login=repo.bot_login,
            budget=again,
            event=event,
            now=clock["now"],
            secrets=secrets,
        )
        issue = repo.get_issue(number)
        ev = outcome.evaluation
        status = next(c for c in repo.list_comments(number) if c.author == repo.bot_login)
        print(f"step {n}: {step.name} (@{step.actor}, {step.at})")
        if ev is not None:
            print(f"  decision {ev.decision}, phase {ev.phase}, {ev.errors} error(s)")
        print(f"  incident-kit wrote: {', '.join(budget.done) or 'nothing'}")
        print(f"  labels: {', '.join(issue.labels) or '-'}; assignees: {', '.join(issue.assignees) or '-'}")
        if outcome.ics_path:
            print(f"  postmortem invite: {out / 'repo' / 'files' / 'main' / outcome.ics_path}")
        if outcome.pdf_path:
            print(f"  incident report:   {out / 'repo' / 'files' / 'main' / outcome.pdf_path}")
        for failure in outcome.failures:
            print(f"  step fails: {failure.title}: {failure.message}")
        print(
            f"  re-run wrote: {', '.join(again.done) or 'nothing'} (every run reconciles; a re-run changes nothing)\n"
        )
        (out / f"step-{n}.md").write_text(
            f"# Step {n}: {step.name}\n\nBy @{step.actor} at {step.at}.\n\n"
            f"Labels: {', '.join(issue.labels) or '-'}  \nAssignees: {', '.join(issue.assignees) or '-'}  \n"
            f"incident-kit wrote: {', '.join(budget.done) or 'nothing'} "
            f"({repo.stats.writes - writes_before} writes)\n\n"
            f"## Status comment\n\n{status.body}\n\n## Issue body\n\n{issue.body}\n",
            encoding="utf-8",
        )
    _weekly(repo, config, out, clock)
    print(f"What happened at each step: {out}/step-*.md")
    return 0


def _weekly(repo: LocalRepository, config: Config, out: Path, clock: dict[str, datetime]) -> None:
    """The scheduled weekly check, the Monday after the story, run twice in that week. The sandbox's
    clock moves with it, so what the check writes (a follow-up issue, a reminder) is dated then."""
    from datetime import timedelta

    from incident_kit.apply.weekly_run import scan
    from incident_kit.entry.weekly_action import cli_text

    last = clock["now"]
    monday = (last + timedelta(days=7 - last.weekday())).replace(hour=6, minute=17)
    clock["now"] = monday
    first = scan(repo, config, bot_login=repo.bot_login, max_writes=50, now=monday)
    clock["now"] = monday + timedelta(days=2)
    again = scan(repo, config, bot_login=repo.bot_login, max_writes=50, now=clock["now"])
    text = cli_text(first, repo, True)
    wrote = ", ".join(first.budget.done + first.state_budget.done) or "nothing"
    print(f"weekly check ({format_utc(monday)}): wrote {wrote}")
    print(f"  the same week again wrote: {', '.join(again.budget.done + again.state_budget.done) or 'nothing'}\n")
    (out / "weekly.md").write_text(text + "\n", encoding="utf-8")
