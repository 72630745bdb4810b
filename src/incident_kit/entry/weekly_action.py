"""The weekly check as the action and the CLI show it: the job summary, outputs, annotations and printed text.

The scan itself (what to read and write) is :mod:`incident_kit.apply.weekly_run`; this
module only reports what a scan did through the runner's three channels, or as text.
"""

from __future__ import annotations

from datetime import datetime

from incident_kit.apply.settings_file import load_settings
from incident_kit.apply.weekly_run import Pacer, ScanReport, scan
from incident_kit.basics.times import format_utc
from incident_kit.entry import gha
from incident_kit.github.port import PortError, Repository
from incident_kit.settings.config import ConfigError


def summary_markdown(report: ScanReport) -> str:
    lines = [f"### incident-kit weekly check, {report.week}", ""]
    since = format_utc(report.since) if report.since else "never (first scan)"
    lines.append(
        f"Scanned {report.scanned} incident issues (closed ones since the last complete scan: {since}); "
        f"{len(report.reminders)} reminders, {len(report.followups)} follow-up issues opened, "
        f"{len(report.closed)} closed as done."
    )
    if report.quiet:
        lines.append("\nToday is a quiet day (`weekly.quiet-days`): no reminders were posted.")
    if report.stopped_at is not None:
        lines.append(
            f"\n**Stopped at #{report.stopped_at}**: the write budget (max-writes) is spent; the next run "
            "continues from there."
        )
    if report.log:
        lines += ["", *(f"- {_md(entry)}" for entry in report.log)]
    budget = report.budget
    lines += ["", "**Writes:** " + (", ".join(_md(x) for x in budget.done + report.state_budget.done) or "none")]
    skipped = budget.skipped + report.state_budget.skipped
    if skipped:
        lines.append(f"\n**Not done this run ({len(skipped)}):** " + "; ".join(_md(x) for x in skipped[:50]))
    lines.append(f"\nState file: {report.state_status or '-'}.")
    for note in report.notes:
        lines.append(f"- {_md(note)}")
    for when, rate in (("before", report.rate_before), ("after", report.rate_after)):
        if rate is not None:
            lines.append(f"\nRate limit {when}: {rate.remaining} of {rate.limit} requests left this hour.")
    return "\n".join(lines) + "\n\n" + report.digest


def _md(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def run_action(env: gha.ActionEnv, repo: Repository | None = None, now: datetime | None = None) -> int:
    """``incident-kit run`` on a schedule (or with the weekly part): the scan, reported three ways."""
    if repo is None:
        from incident_kit.github.rest import GitHubRepository

        repo = GitHubRepository(env.repository, env.token, api_url=env.api_url, bot_login=env.bot_login)
    try:
        config = load_settings(env, repo)
    except ConfigError as exc:
        gha.annotation("error", "incident-kit settings", str(exc))
        gha.append_summary(env.summary_path, f"### incident-kit weekly check\n\nSettings error: {_md(str(exc))}\n")
        return 1
    try:
        report = scan(
            repo,
            config,
            bot_login=env.bot_login,
            max_writes=env.max_writes,
            dry_run=env.dry_run,
            now=now,
            pacer=Pacer(),  # comments and issues spaced under GitHub's secondary rate limit
        )
    except PortError as exc:
        gha.annotation("error", "incident-kit GitHub API", f"weekly check: {exc}")
        gha.append_summary(env.summary_path, f"### incident-kit weekly check\n\nGitHub API error: {_md(str(exc))}\n")
        return 1
    gha.set_outputs(
        env.output_path,
        {
            "scanned": str(report.scanned),
            "reminders": str(len(report.reminders)),
            "followups": str(len(report.followups)),
            "closed": str(len(report.closed)),
        },
    )
    gha.append_summary(env.summary_path, summary_markdown(report))
    _print(report, repo)
    if report.stopped_at is not None:
        gha.annotation(
            "warning",
            "incident-kit weekly check",
            f"stopped at #{report.stopped_at}: the write budget (max-writes {env.max_writes}) is spent; "
            "the next run continues from there (raise max-writes to finish in one run)",
        )
    return 0


def _print(report: ScanReport, repo: Repository) -> None:
    for when, rate in (("before", report.rate_before), ("after", report.rate_after)):
        if rate is not None:
            print(f"incident-kit weekly: rate limit {when}: {rate.remaining}/{rate.limit} left, {rate.used} used")
    print(
        f"incident-kit weekly {report.week}: scanned {report.scanned}, reminders {len(report.reminders)}, "
        f"follow-ups {len(report.followups)}, closed {len(report.closed)}; "
        f"{repo.stats.reads} reads, {repo.stats.writes} writes; state file {report.state_status}"
    )
    if report.log:
        # Issue titles and item texts are untrusted: never let them become workflow commands.
        gha.print_untrusted("\n".join(report.log))


def cli_text(report: ScanReport, repo: Repository, show_digest: bool, now: datetime | None = None) -> str:
    """What ``incident-kit weekly`` prints; ``now``, the scan's time, to point out a last scan after it."""
    lines = [
        f"weekly check {report.week} on {repo.full_name}: scanned {report.scanned} incident issues"
        + (" (dry run: nothing written)" if report.budget.dry_run else ""),
        f"since: {format_utc(report.since)}" if report.since else "since: first scan (no closed issues yet)",
    ]
    if report.since is not None and now is not None and report.since > now:
        # A demo sandbox is dated the Monday after its story; a clock can be behind. Reminders of
        # that later week are not repeated; pass --now to scan as of another time.
        lines.append(
            f"note: the last scan ({format_utc(report.since)}) is later than this one ({format_utc(now)}): "
            "issues reminded then are not reminded again this week; pass --now to scan as of another time"
        )
    if report.quiet:
        lines.append("today is a quiet day (weekly.quiet-days): no reminders")
    lines += [f"  {entry}" for entry in report.log] or ["  nothing to do"]
    lines.append(
        f"reminders {len(report.reminders)}, follow-ups {len(report.followups)}, closed {len(report.closed)}; "
        f"state file {report.state_status}; {repo.stats.reads} reads, {repo.stats.writes} writes"
    )
    if report.stopped_at is not None:
        lines.append(f"stopped at #{report.stopped_at} (write budget); the next run continues there")
    lines += report.notes
    if show_digest:
        lines += ["", report.digest]
    return "\n".join(lines)


__all__ = ["cli_text", "run_action", "summary_markdown"]
