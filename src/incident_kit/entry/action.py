"""``incident-kit run``: what the composite actions execute on the runner.

It works out which issue the event is about, loads the settings, reconciles the
issue through the GitHub backend, and reports through the three channels a
GitHub Action has: annotations, the job summary and the step's outputs.
Exit codes: 0 done (including "nothing to do" and a spent write budget), 1 the
step must fail (video missing with ``video.mode: require``, an API or settings
error).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from incident_kit.apply.attachments import Fetch
from incident_kit.apply.reconcile import Budget, Event, Outcome, reconcile
from incident_kit.apply.settings_file import load_settings
from incident_kit.basics.times import parse_iso
from incident_kit.entry import gha
from incident_kit.github.port import PortError, Repository
from incident_kit.settings.config import ConfigError

ISSUE_EVENTS = ("issues", "issue_comment", "workflow_dispatch")


def issue_number(env: gha.ActionEnv, payload: dict[str, Any]) -> int | None:
    if env.issue_number is not None:
        return env.issue_number
    issue = payload.get("issue")
    if isinstance(issue, dict) and isinstance(issue.get("number"), int):
        return int(issue["number"])
    inputs = payload.get("inputs")
    if isinstance(inputs, dict):
        return gha.whole_number(str(inputs.get("issue-number") or "").strip().lstrip("#"))
    return None


def event_of(env: gha.ActionEnv, payload: dict[str, Any]) -> Event:
    sender = _dict(payload.get("sender"))
    # Real payloads also arrive with "changes": {} (no previous body).
    body_change = _dict(_dict(payload.get("changes")).get("body"))
    previous = body_change.get("from")
    login = sender.get("login")
    # When it happened: the comment's time for a comment, else the issue's last update.
    stamp = _dict(payload.get("comment")).get("created_at") or _dict(payload.get("issue")).get("updated_at")
    changes = _dict(payload.get("changes"))
    label = _dict(payload.get("label")).get("name")
    return Event(
        env.event_name,
        str(payload.get("action") or ""),
        login if isinstance(login, str) else None,
        previous if isinstance(previous, str) else None,
        parse_iso(stamp),
        label=label if isinstance(label, str) else None,
        # "changes" naming only the title is not a body edit; "changes": {} may be one.
        body_edited=not changes or "body" in changes,
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def main(
    environ: Mapping[str, str] | None = None, repo: Repository | None = None, fetch_image: Fetch | None = None
) -> int:
    try:
        env = gha.read_env(environ)
        payload = gha.load_event(env.event_path)
    except gha.InputError as exc:
        gha.annotation("error", "incident-kit input", str(exc))
        return 1
    # ---- weekly (issue #6): a scheduled run, or the weekly part, is the scan of every incident.
    # Imported here only, so the per-issue path never loads the scan.
    if env.event_name == "schedule" or env.part == "weekly":
        from incident_kit.entry.weekly_action import run_action

        return run_action(env, repo)
    # ---- end weekly
    if env.event_name not in ISSUE_EVENTS:
        gha.annotation(
            "notice",
            "incident-kit",
            f"the {env.event_name or 'unknown'} event needs no action from this step",
        )
        return 0
    number = issue_number(env, payload)
    if number is None:
        gha.annotation(
            "error",
            "incident-kit input",
            "no issue to work on: this event carries none; pass the input 'issue-number' (workflow_dispatch)",
        )
        return 1
    if repo is None:
        from incident_kit.github.rest import GitHubRepository

        repo = GitHubRepository(env.repository, env.token, api_url=env.api_url, bot_login=env.bot_login)
        if fetch_image is None:
            from incident_kit.apply.attachments import http_fetcher

            fetch_image = http_fetcher(env.token)
    try:
        config = load_settings(env, repo)
    except ConfigError as exc:
        gha.annotation("error", "incident-kit settings", str(exc))
        gha.append_summary(env.summary_path, f"### incident-kit: #{number}\n\nSettings error: {_md(str(exc))}\n")
        return 1
    budget = Budget(limit=env.max_writes, dry_run=env.dry_run)
    try:
        # Only a run that tells people needs the secrets (and the notify module, kept off this path).
        notifying = config.notify.slack is not None or config.notify.email is not None
        secrets = gha.notify_secrets(environ) if notifying else None
    except gha.InputError as exc:
        gha.annotation("error", "incident-kit input", str(exc))
        return 1
    try:
        outcome = reconcile(
            repo,
            number,
            config=config,
            bot_login=env.bot_login,
            budget=budget,
            event=event_of(env, payload),
            part=env.part,
            fetch_image=fetch_image,
            secrets=secrets,
            dry_run=env.dry_run,
        )
    except PortError as exc:
        gha.annotation("error", "incident-kit GitHub API", str(exc))
        notes = "".join(f"- {note}\n" for note in repo.stats.notes)
        gha.append_summary(env.summary_path, f"### incident-kit\n\nGitHub API error on #{number}: {exc}\n\n{notes}")
        return 1
    return report(env, repo, outcome, budget)


def report(env: gha.ActionEnv, repo: Repository, outcome: Outcome, budget: Budget) -> int:
    ev = outcome.evaluation
    outputs = {
        "decision": str(ev.decision) if ev else "",
        "phase": str(ev.phase) if ev else "",
        "errors": str(ev.errors if ev else 0),
        "status-comment-url": outcome.status_url,
        "ics-path": outcome.ics_path,
        "pdf-path": outcome.pdf_path,
        "report-artifact": _save_unsaved(outcome, env.runner_temp),
        # For the action's report step (issue #16): whether to install the PDF tools and run
        # again, and what is left of max-writes for that run, so both steps share one budget.
        "report-due": "true" if outcome.report_deferred else "",
        "writes-left": str(max(budget.limit - budget.used, 0)),
    }
    gha.set_outputs(env.output_path, outputs)
    lines = [f"### incident-kit: #{outcome.number}", ""]
    if not outcome.relevant:
        lines.append(f"Nothing to do: {outcome.reason}.")
        gha.annotation("notice", "incident-kit", f"#{outcome.number}: {outcome.reason}")
    if ev is not None:
        lines += [
            "| decision | phase | errors | status comment |",
            "|---|---|---|---|",
            f"| {ev.decision} | {ev.phase} | {ev.errors} | {outcome.status_url or '-'} |",
            "",
        ]
        for f in ev.findings:
            level = {"error": "error", "warning": "warning"}.get(str(f.severity), "notice")
            gha.annotation(level, f"incident-kit {f.rule}", f"#{outcome.number} line {f.line or '-'}: {f.message}")
            lines.append(f"- **{f.severity}** `{f.rule}`{f' (line {f.line})' if f.line else ''}: {_md(f.message)}")
    lines.append("")
    lines.append("**Writes:** " + (", ".join(budget.done) or "none"))
    if budget.skipped:
        lines.append("")
        lines.append("**Not done this run:** " + "; ".join(budget.skipped))
    for problem in outcome.notify_failures:
        lines.append(f"- notify: {_md(problem)}")
    for note in outcome.notices + repo.stats.notes:
        lines.append(f"- {note}")
    if repo.stats.rate_remaining is not None:
        lines.append(f"\nRate limit: {repo.stats.rate_remaining} of {repo.stats.rate_limit} requests left this hour.")
    gha.append_summary(env.summary_path, "\n".join(lines))
    print(
        f"incident-kit: #{outcome.number}: {outputs['decision'] or '-'} / {outputs['phase'] or '-'}; "
        f"{repo.stats.reads} reads, {repo.stats.writes} writes"
    )
    if budget.skipped:
        gha.print_untrusted("not done this run:\n" + "\n".join(budget.skipped))
    for failure in outcome.failures:
        gha.annotation("error", f"incident-kit {failure.title}", f"#{outcome.number}: {failure.message}")
    return 1 if outcome.failures else 0


def _save_unsaved(outcome: Outcome, runner_temp: str) -> str:
    """Files the repository refused (the report, the invite's .ics) go to RUNNER_TEMP, for the action's
    upload-artifact step: the file's path, or the folder's when there are several."""
    if outcome.pdf_unsaved is None and not outcome.unsaved:
        return ""
    import tempfile

    folder = Path(runner_temp or tempfile.gettempdir()) / "incident-kit-report"
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []
    if outcome.pdf_unsaved is not None:
        target = folder / Path(outcome.pdf_path or f"incident-{outcome.number}.pdf").name
        target.write_bytes(outcome.pdf_unsaved)
        saved.append(str(target))
    for path, content in outcome.unsaved:
        target = folder / Path(path).name
        target.write_bytes(content)
        saved.append(str(target))
    return saved[0] if len(saved) == 1 else str(folder)


def _md(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


if __name__ == "__main__":
    sys.exit(main())
