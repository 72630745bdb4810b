"""Benchmark of `incident-kit check`: in-process parse+evaluate and the whole cold process.

Not a test: run it and read the figures.

    .venv/bin/python bench/bench_check.py

It prints, each beside its target:

- the median wall time (after warm-up) of parse_incident + evaluate for the shipped
  template, a realistic filled-in incident body and a 65,536-character body (GitHub's
  limit for an issue body), target < 50 ms for the largest;
- for information, the same for 65,536-character worst-case shapes (tens of thousands of
  headings or sections), which show any super-linear path in the parser;
- the median wall time of `incident-kit check FILE` as a fresh process
  (`python -m incident_kit` and the console script), target < 300 ms, and its ratio to a
  floor measured in the same run, interleaved, `python -c "import markdown_it"` (issue #16: within
  1.5x; issue #12 asked 2x); ``--compare SRC`` adds the same command from another checkout's
  ``src`` (PYTHONPATH=SRC), interleaved too, for a before/after;
- which heavy modules the check process imports: none of the HTTP, PDF, calendar,
  HTML or template libraries may be loaded on that path (cli.py keeps imports inside
  each command for exactly this reason). The script exits 1 if one is.

Only the standard library is used for measuring (time.perf_counter, statistics, subprocess).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bytecode_state  # bench/: which bytecode state the figures are for

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = ROOT / "ISSUE_TEMPLATE" / "incident.md"
LIMIT = 65_536  # characters GitHub accepts in an issue body
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# cmarkgfm is not here: since issue #12 it is the body's parser (GitHub's own), and it imports in
# a few ms (markdown-it-py, the parser before it, took several times longer).
HEAVY = ("github", "requests", "xhtml2pdf", "reportlab", "icalendar", "nh3", "jinja2")
TARGET_RATIO = 1.5  # whole check process / python -c "import markdown_it", same run (issue #16; #12 said 2x)
INPROC_RUNS, INPROC_WARMUP = 25, 5
PROC_RUNS, PROC_WARMUP = 15, 2
TARGET_PARSE_MS, TARGET_PROCESS_MS = 50.0, 300.0
VIDEO = "https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe"


# --------------------------------------------------------------------------- bodies


def issue_body(template: str) -> str:
    """The template as GitHub makes it an issue body: without its YAML front matter."""
    if template.startswith("---\n"):
        return template.split("\n---\n", 1)[1].lstrip("\n")
    return template


def filled_in(template: str) -> str:
    """A realistic incident two days in: triaged, staffed, first aid done, postmortem set."""
    body = issue_body(template)
    replacements = [
        ("affected?: TODO(y/n)", "affected?: y"),
        ("corrupting?: TODO(y/n)", "corrupting?: n"),
        ("malicious people?: TODO(y/n)", "malicious people?: n"),
        ("1 or more person): TODO", "1 or more person): @alice @bob"),
        ("Communicator(1 person): TODO", "Communicator(1 person): @carol"),
        ("Recorder(1 person): TODO", "Recorder(1 person): @dave"),
        ("### Video of incident (MUST attach)\n", f"### Video of incident (MUST attach)\n{VIDEO}\n"),
        (
            "xx/xx xx:xx: Trigger this incident (TODO: merged something, or change data or ...)",
            "11/20 08:41: Trigger this incident: merged #812 (cache key change)",
        ),
        ("xx/xx xx:xx: Start this incident", "11/20 08:45: Start this incident"),
        (
            "xx/xx xx:xx: Find this incident by (User, Staff, ...)",
            "11/20 09:02: Find this incident by support (3 user reports)",
        ),
        ("xx/xx xx:xx: Know this incident by @", "11/20 09:05: Know this incident by @alice"),
        ("xx/xx xx:xx: Create this issue by @", "11/20 09:07: Create this issue by @alice"),
        ("xx/xx xx:xx: Start slack call by @", "11/20 09:08: Start slack call by @alice"),
        ("xx/xx xx:xx: Start investigating by @, @, ..", "11/20 09:10: Start investigating by @alice, @bob"),
        ("xx/xx xx:xx: Find root cause by @", "11/20 09:52: Find root cause by @bob"),
        ("xx/xx xx:xx: Finish first aid", "11/20 10:15: Finish first aid (reverted #812)"),
        (
            "### Where is the bug?\n- TODO",
            "### Where is the bug?\n- `cache/keys.py`: the key no longer includes the tenant id",
        ),
        ("### First aid\n- TODO", "### First aid\n- Reverted #812 and flushed the session cache"),
        (
            "### How many people were affected?\n- TODO",
            "### How many people were affected?\n- About 1,200 users saw another tenant's dashboard title",
        ),
        ("xx/xx xx:xx -  2 hours", "2026-11-24 10:00 - 2 hours"),
        ("#### Attendees\n- xxx", "#### Attendees\n- @alice\n- @bob\n- @carol\n- @dave\n- @erin"),
    ]
    for old, new in replacements:
        assert old in body, old
        body = body.replace(old, new, 1)
    for task in ("problem", "firstaid", "Invite all people concerned on Google Calendar"):
        body = body.replace(f"- [ ] {task}\n", f"- [x] {task}\n")
    action = "- [ ] ...TODO..."
    body = body.replace(action, "- [ ] Add the tenant id to every cache key by type, not by hand (#815)", 1)
    body = body.replace(action, "- [x] Page the on-call engineer from the support form (#816)", 1)
    revert = "- [ ] Keep a one-click revert in the deploy tool https://github.com/acme/app/issues/817"
    return body.replace(action, revert, 1)


def at_limit(template: str) -> str:
    """The filled-in incident, its timeline grown with comment-like entries to exactly 65,536 chars."""
    body = filled_in(template)
    anchor = "- xx/xx xx:xx: ...\n"
    head, tail = body.split(anchor, 1)
    tail = anchor + tail
    room = LIMIT - len(head) - len(tail)
    lines: list[str] = []
    n = 0
    comment = (
        "@bob: restarted api-{n} and watched the error rate fall from {p}% to {q}%; "
        "see https://grafana.example.com/d/api?var-host=api-{n} and the log excerpt in #{i}. "
    )
    while room > 0:
        # After the last filled entry (10:15), one a minute, so the timeline stays in order.
        prefix = f"- {(CREATED + timedelta(minutes=80 + n)).strftime('%m/%d %H:%M')}: "
        text = comment.format(n=n % 40, p=n % 97, q=n % 13, i=800 + n)
        line = prefix + text.rstrip() + "\n"
        if room - len(line) < len(prefix) + 2:
            # Last entry: absorb the remaining room exactly (the rest would be too short a line).
            fill = room - len(prefix) - 1
            line = prefix + (text * (fill // len(text) + 1))[:fill].rstrip().ljust(fill, ".") + "\n"
        lines.append(line)
        room -= len(line)
        n += 1
    body = head + "".join(lines) + tail
    assert len(body) == LIMIT, len(body)
    return body


# --------------------------------------------------------------------------- measuring


def median_ms(fn: Callable[[], object], runs: int, warmup: int) -> tuple[float, float, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples), max(samples)


def verdict(value: float, target: float) -> str:
    return f"target < {target:.0f} ms: {'OK' if value < target else 'MISSED'}"


def bench_in_process(bodies: dict[str, str]) -> None:
    from incident_kit.body.model import IssueContext
    from incident_kit.body.parse import parse_incident
    from incident_kit.rules.evaluate import evaluate
    from incident_kit.settings.config import Config

    config = Config()
    context = IssueContext(created_at=CREATED, now=CREATED + timedelta(days=2))

    print(f"parse_incident + evaluate, in process (median of {INPROC_RUNS} after {INPROC_WARMUP} warm-up runs)")
    for name, body in bodies.items():

        def once(body: str = body) -> object:
            return evaluate(parse_incident(body, reference=CREATED, video_hosts=config.video.hosts), context, config)

        ev = once()
        med, lo, hi = median_ms(once, INPROC_RUNS, INPROC_WARMUP)
        target = f"  {verdict(med, TARGET_PARSE_MS)}" if len(body) == LIMIT else ""
        print(
            f"  {name:<22} {len(body):>6} chars  median {med:7.2f} ms  (min {lo:6.2f}, max {hi:6.2f})"
            f"  [{len(ev.incident.items)} items, {len(ev.findings)} findings, phase {ev.phase}]{target}"
        )


def bench_processes(files: dict[str, Path], workdir: Path, compare: str = "") -> None:
    """Each command on each file and the floor, one after the other in each round (interleaved, so
    the machine's load falls on all of them alike), medians over the rounds."""
    commands = {"python -m incident_kit": [sys.executable, "-m", "incident_kit", "check"]}
    for script in (ROOT / ".venv" / "bin" / "incident-kit", Path(sys.executable).parent / "incident-kit"):
        if script.exists():
            commands["console script"] = [str(script), "check"]
            break
    else:
        print("  (console script incident-kit not found: skipped)")
    rounds = f"median of {PROC_RUNS} interleaved rounds, {PROC_WARMUP} warm-up"
    print(f"\nincident-kit check FILE, whole cold process ({rounds})")
    runs: dict[tuple[str, str], tuple[list[str], dict[str, str] | None]] = {
        ("floor: import markdown_it", ""): ([sys.executable, "-c", "import markdown_it"], None)
    }
    for label, command in commands.items():
        for name, path in files.items():
            runs[(label, name)] = ([*command, str(path)], None)
    if compare:
        # The same command from another checkout's src/ (e.g. main's, for a before/after).
        other = {**os.environ, "PYTHONPATH": compare}
        for name, path in files.items():
            runs[(f"{compare}", name)] = ([sys.executable, "-m", "incident_kit", "check", str(path)], other)
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in runs}
    for round_ in range(PROC_WARMUP + PROC_RUNS):
        for key, (argv, env) in runs.items():
            start = time.perf_counter()
            proc = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, check=False)
            elapsed = (time.perf_counter() - start) * 1000
            assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")
            if round_ >= PROC_WARMUP:
                samples[key].append(elapsed)
    floor_key = next(iter(runs))
    floor = statistics.median(samples[floor_key])
    for key, values in samples.items():
        med, lo, hi = statistics.median(values), min(values), max(values)
        label, name = key
        if key == floor_key:
            print(f"  {label:<33} median {med:7.1f} ms  (min {lo:6.1f}, max {hi:6.1f})")
            continue
        ratio = med / floor
        print(
            f"  {label:<22} {name:<10} median {med:7.1f} ms  (min {lo:6.1f}, max {hi:6.1f})"
            f"  {verdict(med, TARGET_PROCESS_MS)}; {ratio:.2f}x the floor, target <= {TARGET_RATIO}x: "
            f"{'OK' if ratio <= TARGET_RATIO else 'MISSED'}"
        )


def imported_modules(path: Path, workdir: Path) -> tuple[set[str], list[tuple[int, str]]]:
    """Top-level modules the check process imports, from -X importtime and from sys.modules."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "incident_kit", "check", str(path)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    seen: set[str] = set()
    slowest: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        seen.add(name.split(".")[0])
        if not name.startswith(" ") and "." not in name:
            slowest.append((int(cumulative), name))
    # Cross-check with sys.modules after running the same command in one interpreter.
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['incident-kit', 'check', {str(path)!r}]\n"
        "try:\n    runpy.run_module('incident_kit', run_name='__main__', alter_sys=True)\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)) + '\\n')\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=workdir, capture_output=True, text=True, check=False)
    for line in proc.stderr.splitlines():
        if line.startswith("MODULES "):
            seen |= {m.split(".")[0] for m in line.split()[1:]}
    return seen, sorted(slowest, reverse=True)[:8]


def worst_cases() -> dict[str, str]:
    """65,536-character shapes that hit the parser's super-linear paths (not realistic bodies)."""
    return {
        "32,768 empty headings": "#\n" * (LIMIT // 2),
        "5,461 short sections": ("## a\n- [ ] b\n" * LIMIT)[:LIMIT],
    }


def bench_worst_cases() -> None:
    from incident_kit.body.parse import parse_incident

    print("\nparse_incident, worst-case 65,536-char shapes (median of 3 after 1 warm-up run)")
    for name, body in worst_cases().items():
        med, lo, hi = median_ms(lambda body=body: parse_incident(body, reference=CREATED), 3, 1)
        print(
            f"  {name:<22} {len(body):>6} chars  median {med:7.1f} ms  (min {lo:6.1f}, max {hi:6.1f})"
            f"  {verdict(med, TARGET_PARSE_MS)}"
        )


def main() -> int:
    print(bytecode_state.state())
    sys.path.insert(0, str(ROOT / "src"))  # also works without the editable install
    template = TEMPLATE_PATH.read_text(encoding="utf-8")
    bodies = {
        "shipped template": template,
        "filled-in incident": filled_in(template),
        "65,536-char body": at_limit(template),
    }
    bytecode = (
        "off (PYTHONDONTWRITEBYTECODE set: no .pyc written)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    )
    print(f"Python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs; bytecode writing {bytecode}\n")
    bench_in_process(bodies)
    bench_worst_cases()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)  # no .github/incident-kit.yml here: the default settings
        files = {"template": workdir / "template.md", "65,536": workdir / "limit.md"}
        files["template"].write_text(template, encoding="utf-8")
        files["65,536"].write_text(bodies["65,536-char body"], encoding="utf-8")
        compare = sys.argv[sys.argv.index("--compare") + 1] if "--compare" in sys.argv else ""
        bench_processes(files, workdir, compare)
        seen, slowest = imported_modules(files["65,536"], workdir)
    heavy = sorted(m for m in HEAVY if m in seen)
    print("\nmodules imported by `incident-kit check` (top-level, slowest first, cumulative):")
    print("  " + ", ".join(f"{name} {us / 1000:.1f} ms" for us, name in slowest))
    print(f"  heavy modules checked: {', '.join(HEAVY)}")
    if heavy:
        print(f"  verdict: FAIL, the check path imports {', '.join(heavy)}")
        return 1
    print("  verdict: OK, none of them is imported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
