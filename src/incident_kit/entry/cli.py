"""The ``incident-kit`` command line: ``check``, ``install`` (and the commands later issues add).

Imports stay inside each command so ``incident-kit check`` loads only the
parser and the rules: no HTTP, PDF or calendar library on that path; ``json`` only
for the commands that read or write it; ``run`` (every action step) not even argparse.
Exit codes: 0 fine, 1 errors found, 2 bad usage or bad config.
"""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from incident_kit.basics.times import format_iso, parse_iso, require_iso

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    # Findings quote the body (Japanese, emoji): never let a non-UTF-8 console turn that into a crash.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    if (sys.argv[1:] if argv is None else argv) == ["run"]:
        # What every action step runs (setup/run.sh): `run` takes no options, so the event goes
        # straight to its handler without importing argparse and building every command's parser.
        return int(importlib.import_module("incident_kit.entry.action").main())
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `incident-kit check x | head`
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    import argparse

    from incident_kit import __version__

    parser = argparse.ArgumentParser(
        prog="incident-kit",
        description="Run a small team's incident process as GitHub issues.",
    )
    parser.add_argument("--version", action="version", version=f"incident-kit {__version__}")
    sub = parser.add_subparsers(metavar="COMMAND")

    check = sub.add_parser("check", help="check an incident issue body and print the findings")
    check.add_argument("file", metavar="FILE|-", help="the issue body (markdown); - reads stdin")
    check.add_argument("--config", metavar="PATH", help="settings file (default: .github/incident-kit.yml if present)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--created-at",
        metavar="ISO8601",
        help="when the issue was opened, to give MM/DD dates their year (default: now)",
    )
    check.add_argument(
        "--label", action="append", default=[], metavar="NAME", help="a label the issue carries (repeatable)"
    )
    check.add_argument("--closed", action="store_true", help="the issue is closed (as completed)")
    check.add_argument(
        "--status",
        action="store_true",
        help="print the status comment (markdown) incident-kit would post on its first run for this body, "
        "instead of the findings",
    )
    check.set_defaults(func=_check)

    install = sub.add_parser("install", help="install the workflows, issue template and a starter config")
    install.add_argument(
        "--target",
        metavar="DIR",
        help="the repository's root (default: the top of the git work tree you are in)",
    )
    install.add_argument("--force", action="store_true", help="replace shipped files you changed")
    install.add_argument("--dry-run", action="store_true", help="list what would be done, change nothing")
    install.add_argument(
        "--pin",
        metavar="SHA",
        help="the incident-kit commit the workflows use (default: the commit this incident-kit was built from); "
        "re-pins the workflows already installed, keeping your other edits",
    )
    install.add_argument("--tag", metavar="vX.Y.Z", help="the release of the --pin commit, written as its comment")
    install.add_argument(
        "--action",
        metavar="OWNER/REPO",
        help="use incident-kit from this repository, e.g. your fork (default: the one the files name, "
        "else incident-kit/incident-kit)",
    )
    install.set_defaults(func=_install)

    invite = sub.add_parser("invite", help="build the postmortem's calendar invite (.ics) from an issue body")
    invite.add_argument("file", metavar="FILE.md|-", help="the issue body (markdown); - reads stdin")
    invite.add_argument("--config", metavar="PATH", help="settings file (default: .github/incident-kit.yml if present)")
    invite.add_argument("--title", default="Incident", help="the issue's title")
    invite.add_argument(
        "--number", type=int, help="the issue's number (its link in the invite, part of the UID; default 0)"
    )
    invite.add_argument(
        "--repo",
        metavar="OWNER/NAME",
        help="the repository (its link in the invite, part of the UID; default local/incidents)",
    )
    invite.add_argument("--created-at", metavar="ISO8601", help="when the issue was opened (default: now)")
    invite.add_argument("--out", default="postmortem.ics", metavar="PATH", help="where to write the .ics")
    invite.set_defaults(func=_invite)

    report = sub.add_parser("report", help="render an incident issue to the PDF report, locally")
    report.add_argument("file", metavar="FILE.md|-", help="the issue body (markdown); - reads stdin")
    report.add_argument(
        "--comments",
        metavar="comments.json",
        help="the comments, as GET /repos/{o}/{r}/issues/{n}/comments returns them",
    )
    report.add_argument("--title", default="Incident", help="the issue's title")
    report.add_argument("--number", type=int, default=1, help="the issue's number")
    report.add_argument(
        "--repo", default="local/incidents", metavar="OWNER/NAME", help="the repository shown on the cover"
    )
    report.add_argument("--created-at", metavar="ISO8601", help="when the issue was opened (default: now)")
    report.add_argument("--config", metavar="PATH", help="settings file (default: .github/incident-kit.yml if present)")
    report.add_argument("--out", default="report.pdf", metavar="PATH", help="where to write the PDF")
    report.set_defaults(func=_report)

    run = sub.add_parser("run", help="what the GitHub Action runs (reads the runner's environment)")
    run.set_defaults(func=lambda _args: importlib.import_module("incident_kit.entry.action").main())

    demo = sub.add_parser("demo", help="walk a demo incident through incident-kit on this machine")
    demo.add_argument("--out", default="demo-output", metavar="DIR", help="where to write what happened")
    demo.add_argument(
        "--force", action="store_true", help="write into --out even if it holds files no earlier demo wrote"
    )
    demo.add_argument(
        "--config",
        metavar="PATH",
        help="your settings instead of the demo team's: with notify: and INCIDENT_KIT_SLACK_WEBHOOK / "
        "INCIDENT_KIT_SMTP_USER / INCIDENT_KIT_SMTP_PASSWORD set, the demo tells people for real",
    )
    demo.set_defaults(func=_demo)

    # ---- weekly (issue #6)
    weekly = sub.add_parser(
        "weekly", help="the weekly check: remind what is left, open follow-up issues, close what is done"
    )
    weekly.add_argument(
        "--local",
        metavar="DIR",
        help="a local sandbox repository (as `incident-kit demo --out DIR` leaves); "
        "without it: GitHub, from the Actions environment (GITHUB_REPOSITORY, INCIDENT_KIT_TOKEN or GITHUB_TOKEN)",
    )
    weekly.add_argument("--dry-run", action="store_true", help="print what the scan would do; write nothing")
    weekly.add_argument("--max-writes", type=int, metavar="N", help="most writes this run (default: 50)")
    weekly.add_argument("--config", metavar="PATH", help="settings file (default: .github/incident-kit.yml if present)")
    weekly.add_argument("--now", metavar="ISO8601", help="scan as of this time (default: now)")
    weekly.add_argument("--digest", action="store_true", help="print the weekly digest too")
    weekly.set_defaults(func=_weekly)
    # ---- end weekly
    return parser


# ---- weekly (issue #6)
def _weekly(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from incident_kit.apply.weekly_run import Pacer, scan
    from incident_kit.entry.weekly_action import cli_text
    from incident_kit.github.port import PortError, Repository
    from incident_kit.settings.config import DEFAULT_PATH, ConfigError, load_config

    now = _created(args.now) if args.now else None
    if args.now and now is None:
        return _fail(f"--now {args.now!r} is not an ISO 8601 time such as 2026-11-30T06:17:00Z")
    if args.max_writes is not None and args.max_writes < 0:
        return _fail("--max-writes must be 0 or more")
    repo: Repository
    dry_run: bool = args.dry_run
    if args.local:
        from incident_kit.github.sandbox import LocalRepository

        root = Path(args.local)
        folder = root / "repo" if (root / "repo" / "repo.json").is_file() else root
        if not (folder / "repo.json").is_file():
            return _fail(
                f"--local {args.local}: no sandbox repository there (no repo.json); "
                f"make one with `incident-kit demo --out {args.local}`"
            )
        try:
            config = load_config(args.config or DEFAULT_PATH)
        except ConfigError as exc:
            return _fail(str(exc))
        damaged = _damaged_sandbox(folder)
        if damaged:
            return _fail(
                f"--local {args.local}: the sandbox repository is damaged ({damaged}); "
                f"make a new one with `incident-kit demo --out {args.local} --force`"
            )
        import json

        full_name = str(json.loads((folder / "repo.json").read_text(encoding="utf-8")).get("full_name") or "local")
        # With --now, what the scan writes is dated then too (comments, follow-up issues).
        local = LocalRepository(folder, full_name=full_name, clock=(lambda: now) if now else None)
        repo, bot_login, max_writes = local, local.bot_login, 50 if args.max_writes is None else args.max_writes
    else:
        from incident_kit.apply.settings_file import load_settings
        from incident_kit.entry import gha
        from incident_kit.github.rest import GitHubRepository

        environ = dict(os.environ)
        environ["INCIDENT_KIT_TOKEN"] = environ.get("INCIDENT_KIT_TOKEN") or environ.get("GITHUB_TOKEN", "")
        if args.dry_run:
            environ["INCIDENT_KIT_DRY_RUN"] = "true"
        if args.max_writes is not None:
            environ["INCIDENT_KIT_MAX_WRITES"] = str(args.max_writes)
        if args.config:
            environ["INCIDENT_KIT_CONFIG"] = args.config
        try:
            env = gha.read_env(environ)
        except gha.InputError as exc:
            return _fail(f"{exc}; or pass --local DIR to scan a local sandbox repository")
        if not env.token:
            return _fail("no token: set INCIDENT_KIT_TOKEN (or GITHUB_TOKEN) with issues: write and contents: write")
        repo = GitHubRepository(env.repository, env.token, api_url=env.api_url, bot_login=env.bot_login)
        try:
            config = load_settings(env, repo)
        except ConfigError as exc:
            return _fail(str(exc))
        bot_login, max_writes, dry_run = env.bot_login, env.max_writes, env.dry_run
    try:
        # Against GitHub, comments and issues are spaced to stay under its secondary rate limit.
        pacer = None if args.local else Pacer()
        report = scan(repo, config, bot_login=bot_login, max_writes=max_writes, dry_run=dry_run, now=now, pacer=pacer)
    except PortError as exc:
        print(f"incident-kit: weekly check: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if not args.local:
            raise
        # The sandbox is a JSON file anyone can edit: an entry of the wrong shape is a damaged
        # sandbox to report, not a traceback (GitHub's answers are checked by the REST backend).
        return _fail(
            f"--local {args.local}: the sandbox repository is damaged ({type(exc).__name__}: {exc}); "
            f"make a new one with `incident-kit demo --out {args.local} --force`"
        )
    print(cli_text(report, repo, args.digest, now or datetime.now(UTC)))
    return EXIT_OK


# ---- end weekly


def _damaged_sandbox(folder: Any) -> str:
    """Why a sandbox's repo.json cannot be used, or "" (its entries are checked as they are read)."""
    import json

    try:
        data = json.loads((folder / "repo.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"repo.json: {exc}"
    if not isinstance(data, dict):
        return "repo.json is not a JSON object"
    shapes = {"issues": dict, "comments": list, "labels": dict, "permissions": dict, "files": dict, "commits": list}
    wrong = [key for key, kind in shapes.items() if not isinstance(data.get(key), kind)]
    return f"repo.json has no valid {', '.join(wrong)}" if wrong else ""


def _demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from incident_kit.entry import gha
    from incident_kit.entry.demo import run_demo
    from incident_kit.settings.config import ConfigError, load_config

    config = None
    if args.config:
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            return _fail(str(exc))
    try:
        # The action's inputs, from the same variables: `notify:` in --config plus these tell people for real.
        secrets = gha.notify_secrets()
    except gha.InputError as exc:
        return _fail(f"{exc} (from INCIDENT_KIT_SLACK_WEBHOOK, INCIDENT_KIT_SMTP_USER, INCIDENT_KIT_SMTP_PASSWORD)")
    return run_demo(Path(args.out), config=config, secrets=secrets, force=args.force)


def _fail(message: str) -> int:
    print(f"incident-kit: {message}", file=sys.stderr)
    return EXIT_USAGE


def _read_file(name: str, what: str) -> bytes | None:
    """The bytes of a file argument; or None after saying, in one line, why it cannot be read."""
    from pathlib import Path

    path = Path(name)
    if path.is_dir():
        problem = "it is a folder"
    elif not path.exists():
        problem = "no such file" if path.parent.is_dir() else f"no such file (no folder {path.parent})"
    else:
        try:
            return path.read_bytes()
        except OSError as exc:
            problem = exc.strerror or str(exc)
    print(f"incident-kit: cannot read {name}: {problem}; pass the path of {what}", file=sys.stderr)
    return None


def _text_of(name: str, data: bytes, what: str) -> str | None:
    """``data`` as text, refusing a binary file or one not in UTF-8 (a decode would garble it silently)."""
    problem = ""
    if b"\0" in data:
        problem = "is a binary file, not text"
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"is not UTF-8 text (byte {exc.start}); save it as UTF-8"
    print(f"incident-kit: {name}: {problem}; pass {what}", file=sys.stderr)
    return None


def _read_body(name: str) -> str | None:
    if name == "-":
        # A pipe is read as it comes, bad bytes replaced: `check -` must give a decision for any
        # body piped to it (tests/test_robustness.py). A named binary file is a wrong argument.
        return sys.stdin.buffer.read().decode("utf-8", "replace")
    what = "a markdown file or - for stdin"
    data = _read_file(name, what)
    return None if data is None else _text_of(name, data, f"the issue body as {what}")


def _out_problem(name: str) -> int | None:
    """Checked before the work, so a typo in --out does not cost a render: an exit code, or None."""
    from pathlib import Path

    path = Path(name)
    if path.is_dir():
        return _fail(f"--out {name} is a folder; name the file to write, e.g. {path / 'out'}")
    if not path.parent.is_dir():
        return _fail(f"--out {name}: no folder {path.parent}; create it first or choose another path")
    return None


def _write_out(name: str, data: bytes) -> int | None:
    """Write an --out file; an exit code after saying why it cannot be written."""
    from pathlib import Path

    path = Path(name)
    problem = _out_problem(name)
    if problem is not None:
        return problem
    try:
        path.write_bytes(data)
    except OSError as exc:
        return _fail(f"--out {name}: cannot be written ({exc.strerror or exc}); choose another path")
    return None


def _check(args: argparse.Namespace) -> int:
    from incident_kit.body.model import IssueContext
    from incident_kit.body.parse import parse_incident
    from incident_kit.rules.evaluate import evaluate
    from incident_kit.settings.config import DEFAULT_PATH, ConfigError, load_config

    try:
        config = load_config(args.config or DEFAULT_PATH)
    except ConfigError as exc:
        return _fail(str(exc))
    created = None
    if args.created_at:
        try:
            created = require_iso(args.created_at, "--created-at")
        except ValueError as exc:
            return _fail(str(exc))
    body = _read_body(args.file)
    if body is None:
        return EXIT_USAGE
    now = datetime.now(UTC)
    incident = parse_incident(body, reference=created or now, video_hosts=config.video.hosts, timezone=config.timezone)
    context = IssueContext(
        labels=frozenset(args.label),
        state="closed" if args.closed else "open",
        created_at=created,
        now=now,
    )
    result = evaluate(incident, context, config)
    name = "<stdin>" if args.file == "-" else args.file
    if args.status:
        from incident_kit.entry.preview import first_status

        preview = first_status(
            body, config, labels=frozenset(args.label), closed=args.closed, created_at=created or now, now=now
        )
        if not preview.markdown:
            print(f"incident-kit: {name}: no status comment: {preview.reason}", file=sys.stderr)
        elif args.format == "json":
            import json

            json.dump({"status_comment": preview.markdown}, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(preview.markdown.rstrip("\n") + "\n")
        return EXIT_FINDINGS if result.errors else EXIT_OK
    if args.format == "json":
        import json

        # On a stdout that is not UTF-8, backslashreplace would write "\xd7" for "×": not JSON.
        utf8 = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") == "utf8"
        json.dump(_as_json(result, context, config), sys.stdout, ensure_ascii=not utf8, indent=2)
        sys.stdout.write("\n")
    else:
        for f in result.findings:
            where = f"{name}:{f.line}" if f.line else name
            print(f"{where}: {f.severity} {f.rule} {f.message}")
        print(f"decision: {result.decision}, phase: {result.phase}, errors: {result.errors}")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def _as_json(result: Any, context: Any, config: Any) -> dict[str, Any]:
    from incident_kit.body.checklist import open_items_by_section

    inc = result.incident
    return {
        "decision": str(result.decision),
        "phase": str(result.phase),
        "errors": result.errors,
        "findings": [
            {"rule": f.rule, "severity": str(f.severity), "message": f.message, "line": f.line} for f in result.findings
        ],
        "triage": {q.key: str(q.answer) for q in inc.triage},
        "roles": {r.key: list(r.handles) for r in inc.roles},
        "video": [{"url": v.url, "line": v.line, "form": v.form} for v in inc.videos],
        "timeline": [
            {
                "time": format_iso(e.when) if e.when else None,
                "text": e.description,
                "line": e.line,
                "slot": e.slot,
            }
            for e in inc.timeline
        ],
        "record": {f.key: f.text for f in inc.record},
        "postmortem": {
            "start": format_iso(inc.postmortem.start) if inc.postmortem.start else None,
            "minutes": inc.postmortem.duration_minutes,
            "attendees": list(inc.postmortem.attendees),
        },
        "action_items": [
            {"text": a.text, "checked": a.checked, "links": list(a.links), "topic": a.topic, "line": a.line}
            for a in inc.action_items
        ],
        "unchecked": open_items_by_section(inc, context, config.labels),
    }


def _inputs(args: argparse.Namespace) -> tuple[Any, datetime, str] | int:
    """The settings, the creation time and the body a file command works on, or its exit code."""
    from incident_kit.settings.config import DEFAULT_PATH, ConfigError, load_config

    problem = _out_problem(args.out)
    if problem is not None:
        return problem
    try:
        config = load_config(args.config or DEFAULT_PATH)
    except ConfigError as exc:
        return _fail(str(exc))
    created = _created(args.created_at)
    if created is None:
        return _fail(f"--created-at {args.created_at!r} is not an ISO 8601 time such as 2026-11-27T09:30:00Z")
    body = _read_body(args.file)
    if body is None:
        return EXIT_USAGE
    return config, created, body


def _invite(args: argparse.Namespace) -> int:

    from incident_kit.body.model import IssueContext
    from incident_kit.body.parse import parse_incident
    from incident_kit.plan.bot_state import BotState
    from incident_kit.plan.invite import no_address, plan_invite
    from incident_kit.rules.evaluate import evaluate

    inputs = _inputs(args)
    if isinstance(inputs, int):
        return inputs
    config, created, body = inputs
    now = datetime.now(UTC)
    incident = parse_incident(body, reference=created, video_hosts=config.video.hosts, timezone=config.timezone)
    if incident.postmortem.error:
        return _fail(f"line {incident.postmortem.line}: {incident.postmortem.error}")
    if incident.postmortem.start is None:
        return _fail("the body has no postmortem date: write it under Datetime(UTC) as YYYY-MM-DD HH:MM")
    evaluation = evaluate(incident, IssueContext(created_at=created, now=now), config)
    phase = evaluation.phase
    # Without both, the invite links an issue that does not exist: say so, and which flags set it.
    missing = [flag for flag, value in (("--repo OWNER/NAME", args.repo), ("--number N", args.number)) if value is None]
    args.repo = args.repo or "local/incidents"
    args.number = 0 if args.number is None else args.number
    url = f"https://github.com/{args.repo}/issues/{args.number}"
    plan = plan_invite(
        incident,
        repository=args.repo,
        number=args.number,
        title=args.title,
        url=url,
        created_at=created,
        author="",
        assignees=(),
        commenters=(),
        config=config,
        state=BotState(),
        phase=phase,
        now=now,
    )
    assert plan.content is not None and plan.view is not None
    failed = _write_out(args.out, plan.content)
    if failed is not None:
        return failed
    print(f"wrote {args.out}: {' · '.join(plan.view.times)}")
    # A date read in UTC while the timeline writes another zone: the invite may be hours off.
    unclear = [(f.rule, f.message, f.line) for f in evaluation.findings if f.rule == "zone-unclear"]
    for rule, message, line in [*plan.warnings, *(u for u in unclear if u[2] == incident.postmortem.line)]:
        print(f"{args.file}:{line}: warning {rule} {message}")
    if no_address(plan.view):
        print("no e-mail address (add them under people: in the settings): " + ", ".join(no_address(plan.view)))
    print(f"Google Calendar: {plan.view.google}")
    if missing:
        print(
            f"warning: the issue link in the invite and the Google Calendar link, {url}, is a placeholder: "
            f"pass {' and '.join(missing)} (the incident issue) to link the real issue",
            file=sys.stderr,
        )
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    """The same path as the action: a throw-away local repository, reconciled with the report part."""
    import shutil
    import tempfile
    from pathlib import Path

    from incident_kit.apply.reconcile import Budget, Event, reconcile
    from incident_kit.github.sandbox import LocalRepository

    inputs = _inputs(args)
    if isinstance(inputs, int):
        return inputs
    config, created, body = inputs
    comments: list[dict[str, Any]] = []
    if args.comments:
        what = "a JSON list of comments as the GitHub API returns them"
        raw = _read_file(args.comments, what)
        text = None if raw is None else _text_of(args.comments, raw, what)
        if text is None:
            return EXIT_USAGE
        import json

        try:
            loaded = json.loads(text)
        except ValueError as exc:
            return _fail(f"--comments {args.comments}: not JSON ({exc}); pass {what}")
        if not isinstance(loaded, list) or not all(isinstance(c, dict) for c in loaded):
            return _fail(f"--comments {args.comments}: expected a JSON list of comment objects")
        comments = loaded
    workdir = Path(tempfile.mkdtemp(prefix="incident-kit-report-"))
    try:
        repo = LocalRepository(workdir / "repo", full_name=args.repo, clock=lambda: created)
        author = "reporter"
        repo.set_permission(author, "admin")
        number = repo.open_issue(args.title, body, author, labels=(config.labels.incident,), number=args.number)
        for c in comments:
            login = str((c.get("user") or {}).get("login") or "someone")
            repo.human_comment(
                number, login, str(c.get("body") or ""), _created(str(c.get("created_at") or "")) or created
            )
        outcome = reconcile(
            repo,
            number,
            config=config,
            bot_login=repo.bot_login,
            budget=Budget(limit=100),
            # Nothing was watched over time: record no events, so the report shows only what the body
            # (and the comments) say, with no timeline invented from this run's clock.
            event=Event("workflow_dispatch", "", author, record=False),
            part="report",
            now=created,
        )
        if not outcome.pdf_path:
            return _fail("no report was rendered (the issue could not be read as an incident)")
        pdf = repo.get_file(outcome.pdf_path)
        if pdf is None:
            return _fail("the report was rendered but not saved")
        failed = _write_out(args.out, pdf.content)
        if failed is not None:
            return failed
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"wrote {args.out} ({len(pdf.content):,} bytes)")
    return EXIT_OK


def _created(text: str | None) -> datetime | None:
    if not text:
        return datetime.now(UTC)
    return parse_iso(text)


def _install(args: argparse.Namespace) -> int:
    from pathlib import Path

    from incident_kit import __version__
    from incident_kit.entry import resources
    from incident_kit.entry.install import (
        DEFAULT_ACTION,
        Pin,
        apply_install,
        check_action,
        check_pin,
        check_tag,
        git_top_level,
        plan_install,
        template_path_note,
    )

    if args.target is None:
        # GitHub reads .github/ only at the top of the repository: from repo/src, install there.
        top = git_top_level(Path.cwd())
        if top is None:
            return _fail(
                "this folder is not inside a git repository: run `incident-kit install` in your repository "
                "(anywhere in its work tree), or pass --target DIR (the repository's root)"
            )
        target = top
        print(f"installing into {top} (the top of this git work tree)")
    else:
        target = Path(args.target)
        if not target.is_dir():
            what = "is not a folder" if target.exists() else "no such folder"
            return _fail(f"--target {args.target}: {what}; pass the root of your repository")
        top = git_top_level(target)
        if top is not None and top.resolve() != target.resolve():
            return _fail(
                f"--target {args.target} is inside the git repository {top} but is not its top level, and GitHub "
                f"reads .github/ only there: pass --target {top}"
            )
    try:
        action = check_action(args.action) if args.action else None
        tag = check_tag(args.tag) if args.tag else None
        commit = check_pin(args.pin) if args.pin else None
    except ValueError as exc:
        return _fail(str(exc))
    if tag and not commit:
        return _fail("--tag names the release of a --pin commit: pass --pin SHA with it")
    built = resources.built_from()
    if commit is None:
        if built is None:
            return _fail(
                "this incident-kit does not know the commit it was built from (an install without its build "
                "record, or a source copy without git), and will not write a placeholder: pass --pin <commit SHA "
                "of the incident-kit release> (the release page names it), e.g. --pin 0123abc...  --tag v0.2.0"
            )
        pin = Pin(built.commit, built.comment, action)
        if built.release:
            print(f"pinning incident-kit to {built.commit} ({built.release}, the commit of {built.source})")
        else:
            # Said as the comment written beside the pin, so the terminal and the workflows agree.
            print(
                f"pinning incident-kit to {built.commit} # {built.comment}: no release tag v{__version__} "
                f"at this commit; the commit of {built.source}"
            )
    else:
        same = built is not None and built.commit == commit
        pin = Pin(commit, tag or (built.comment if built is not None and same else None), action)
    if pin.comment is not None and pin.comment.endswith("(unreleased)"):
        # GitHub fetches the action from its repository at that commit: a commit that was never
        # pushed there fails every workflow with "Unable to resolve action".
        repo = action or DEFAULT_ACTION
        print(
            f"  this commit is no release: push it to {repo} on GitHub before the workflows can run "
            f'(else they fail with "Unable to resolve action"), or pass --pin <SHA of a released commit> '
            "--tag vX.Y.Z instead" + ("" if action else "; a fork needs --action OWNER/REPO"),
        )
    steps = plan_install(target, args.force, pin)
    prefix = "would " if args.dry_run else ""
    for step in steps:
        rel = step.path.relative_to(target)
        reason = f" ({step.reason})" if step.reason else ""
        if step.action == "unchanged":
            print(f"{rel}: up to date{reason}")
        else:
            verb = {"create": "create", "update": "replace", "repin": "re-pin", "skip": "skip"}[step.action]
            print(f"{prefix}{verb} {rel}{reason}")
    if not args.dry_run:
        apply_install(steps)
    note = template_path_note(target, steps)
    if note:
        print(f"note: {note}", file=sys.stderr)
    if pin.comment is None:
        print(
            "note: the uses: lines carry no version comment: add --tag vX.Y.Z (the release of that commit) "
            "so readers and Dependabot see which release it is",
            file=sys.stderr,
        )
    if any(step.action in ("create", "update", "repin") for step in steps) and not args.dry_run:
        print("next: commit .github/ and push it to the default branch; the first incident issue runs it")
    return EXIT_OK
