"""Benchmark of the PDF report: whole-process render time, peak memory and PDF size.

Not a test: run it and read the figures.

    .venv/bin/python bench/bench_report.py

For an incident with 10, 100 and 1,000 comments (the shipped template as the body,
filled in with Japanese and English text; each comment realistic markdown with a
list, inline code, a code block or a table, some Japanese), it starts a fresh
Python process per run that imports ``incident_kit.render.pdf`` and renders the PDF,
exactly as a GitHub runner pays for it (interpreter start, imports, font
registration, render). It prints, median of 3 runs each:

- wall time of the whole child process, target < 1 s for 10 comments and
  < 10 s for 1,000;
- the child's peak resident memory (its own ``ru_maxrss``, from ``os.wait4``: the
  rusage ``resource.getrusage(RUSAGE_CHILDREN)`` reports, for that one child),
  target < 300 MiB for 1,000;
- the size of the PDF.

The children import from compiled bytecode, as on a runner (the action's setup
installs with ``--compile-bytecode``): they get their own PYTHONPYCACHEPREFIX,
filled by an uncounted warm-up run, whatever PYTHONDONTWRITEBYTECODE says here.
One last line shows the 10-comment figure with no .pyc at all, for comparison.

Then before and after (issue #16), 1,000 comments, interleaved pairs in the same run:

- before: the renderer as it was when the footer's "page N of <pdf:pagecount>" made reportlab
  lay the story out twice (``src/`` of the parent of the commit that removed the tag, taken
  with ``git archive``, or ``--baseline REF``), without reportlab's C accelerator, which that
  runtime did not install;
- after: this checkout's renderer, one layout pass, with ``_rl_accel`` where it is installed
  (as the action's report tier installs it), and once more without it, to show the share of each;

with median wall seconds, median CPU seconds of the child (steadier on a loaded machine),
median peak RSS, the ratio after/before (target at most 0.7x, and under
200 MiB) and whether the two PDFs have the same pages and the same text on every page.

    .venv/bin/python bench/bench_report.py [--runs 3] [--compare-only] [--baseline REF]

Only the standard library is used for measuring (time.perf_counter, statistics,
subprocess, os.wait4). Linux: ru_maxrss is in KiB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bytecode_state  # bench/: which bytecode state the figures are for

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = ROOT / "ISSUE_TEMPLATE" / "incident.md"
RUNS = 3
SIZES = (10, 100, 1_000)
TARGET_SECONDS = {10: 1.0, 1_000: 10.0}
TARGET_MIB = {1_000: 300.0}
COMPARE_N, TARGET_RATIO, TARGET_COMPARE_MIB = 1_000, 0.7, 200.0
TEMPLATE_FILE = "src/incident_kit/render/templates/report.html.j2"
CPU_SECONDS: list[float] = []  # user + system seconds of each child, in the order they ran
NO_ACCEL = "import sys; sys.modules['_rl_accel'] = None  # reportlab falls back to pure Python\n"

# The child: build the input from the JSON spec, render, write the PDF. Kept as
# source text so the child imports nothing but incident_kit.render.pdf and the stdlib.
CHILD = r"""
import json, sys
from datetime import datetime
from incident_kit.render.pdf import ReportComment, ReportInput, render_pdf

spec = json.load(open(sys.argv[1], encoding="utf-8"))
comments = tuple(
    ReportComment(c["author"], datetime.fromisoformat(c["at"]), c["body"]) for c in spec["comments"]
)
inp = ReportInput(
    repository="acme/shop", number=4242, title=spec["title"], url="https://github.com/acme/shop/issues/4242",
    state="closed", labels=("incident-improvement",), decision="incident", phase="resolved",
    roles={"investigator": ("@alice", "@bob"), "communicator": ("@carol",), "recorder": ("@dave",)},
    created_at=datetime.fromisoformat(spec["created"]), resolved_at=datetime.fromisoformat(spec["resolved"]),
    generated_at=datetime.fromisoformat(spec["resolved"]), body=spec["body"], comments=comments,
    timeline=tuple(tuple(r) for r in spec["timeline"]), figures=tuple(tuple(f) for f in spec["figures"]),
)
pdf = render_pdf(inp)
open(sys.argv[2], "wb").write(pdf)
"""

COMMENT_SHAPES = (
    "決済ページで500エラーが続いています。ログを確認中です。\n\n"
    "- 影響: 全ユーザー\n- 開始: 09:12 UTC 頃\n- `checkout-api` のエラー率が **42%**\n",
    "Rolled back `v2.14.{n}` on the canary; error rate dropping.\n\n"
    "```\n$ kubectl rollout undo deploy/checkout-api\ndeployment.apps/checkout-api rolled back\n"
    "ERROR 2026-11-20T09:{m:02d}:11Z payment gateway timeout after 30000ms\n```\n",
    "| region | errors | 備考 |\n|:--|--:|---|\n| ap-northeast-1 | 1,204 | 東京 |\n| us-east-1 | 88 | — |\n\n"
    "Next: check the [runbook](https://example.com/runbook) and the dashboard.\n",
    "> Are we sure the DB is fine?\n\nYes: replication lag is 0 s, no corruption found.\n"
    "1. checked `pg_stat_replication`\n2. compared row counts\n   - orders: ok\n   - payments: ok\n",
    "- [x] first aid done (ロールバック完了)\n- [ ] root cause written up\n- [ ] postmortem scheduled\n\n"
    "Café, Ñandú, naïve — and the graph: https://example.com/grafana/d/abc?orgId=1\n",
)


def issue_body() -> str:
    template = TEMPLATE_PATH.read_text(encoding="utf-8")
    body = template.split("\n---\n", 1)[1].lstrip("\n") if template.startswith("---\n") else template
    body = body.replace("TODO(y/n)", "y").replace(
        "- TODO", "- 決済ページが全ユーザーで500エラー (checkout returned 500)"
    )
    return body.replace("\n", "\r\n")  # as the web UI stores it


def spec(n: int) -> dict[str, object]:
    comments = [
        {
            "author": f"engineer{i % 7}",
            "at": f"2026-11-20T{9 + i // 600:02d}:{(i // 10) % 60:02d}:{i % 60:02d}+00:00",
            "body": COMMENT_SHAPES[i % len(COMMENT_SHAPES)].format(n=i, m=i % 60),
        }
        for i in range(n)
    ]
    return {
        "title": "決済ページが全ユーザーで500エラー (checkout down)",
        "created": "2026-11-20T09:00:00+00:00",
        "resolved": "2026-11-21T18:30:00+00:00",
        "body": issue_body(),
        "comments": comments,
        "timeline": [
            ["2026-11-20 09:00", "@alice opened the issue", "bot"],
            ["2026-11-20 09:49", "First aid", "person"],
        ],
        "figures": [["Time to first aid", "49 min"], ["Time to resolve", "33 h 30 min"]],
    }


def child_env(pycache: Path | None) -> dict[str, str]:
    """The child's environment: with compiled bytecode in ``pycache``, or none at all.

    The action's setup installs with ``--compile-bytecode``, so a runner imports
    from .pyc files. Here the children write theirs under a private
    PYTHONPYCACHEPREFIX (the shared venv is left alone), filled by a warm-up run.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env["PYTHONPATH"] = str(ROOT / "src")
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = "/nonexistent-incident-kit-bench"  # no .pyc read from the venv either
    else:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_child(spec_path: Path, out: Path, env: dict[str, str], prelude: str = "") -> tuple[float, float]:
    """(seconds, peak MiB) of one child process that imports the module and renders.

    os.wait4 returns the rusage of that one child (``getrusage(RUSAGE_CHILDREN)``
    would give the largest of every child so far).
    """
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", prelude + CHILD, str(spec_path), str(out)], env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"the render child failed with exit code {proc.returncode}")
    CPU_SECONDS.append(usage.ru_utime + usage.ru_stime)  # the child's own CPU time, for compare()
    return seconds, usage.ru_maxrss / 1024  # KiB on Linux


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return f"(target < {target:g}: {'ok' if value < target else 'MISSED'})"


def measure(n: int, workdir: Path, env: dict[str, str], runs: int = RUNS) -> tuple[float, float, int, list[float]]:
    """Median seconds, median peak MiB, PDF bytes and every run's seconds for ``n`` comments."""
    spec_path = workdir / f"spec-{n}.json"
    spec_path.write_text(json.dumps(spec(n), ensure_ascii=False), encoding="utf-8")
    out = workdir / f"report-{n}.pdf"
    done = [run_child(spec_path, out, env) for _ in range(runs)]
    times = [t for t, _ in done]
    return statistics.median(times), statistics.median(m for _, m in done), out.stat().st_size, times


def baseline_ref() -> str:
    """The last commit whose report template had ``<pdf:pagecount>``: the two-pass render."""
    removed = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%H", "-S<pdf:pagecount", "HEAD", "--", TEMPLATE_FILE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not removed:
        raise SystemExit("no commit removed <pdf:pagecount> from the template: pass --baseline REF")
    return f"{removed}^"


def source_of(ref: str, dest: Path) -> Path:
    """``src/`` as it was at ``ref``, extracted into ``dest``; returns the folder for PYTHONPATH."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"], capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"git archive {ref} src failed: {archive.stderr.decode(errors='replace')}")
    dest.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    if "<pdf:pagecount" not in (dest / TEMPLATE_FILE).read_text(encoding="utf-8"):
        raise SystemExit(f"{ref} is not a two-pass render (its template has no <pdf:pagecount>)")
    return dest / "src"


# Words changed on purpose since the baseline, not by the one-pass layout: the footer and the cover
# say "as of" the latest change the report shows (a newcomer read "generated" as the render time).
# The baseline's text is read with these applied, so any other difference still shows.
REWORDED = (
    (" · generated ", " · as of "),
    ("\nGenerated\n", "\nAs of\n"),
)
_AS_OF = re.compile(r"(\nAs of\n[0-9-]+ [0-9:]+ UTC)(?=\n)")


def _reworded(text: str) -> str:
    for old, new in REWORDED:
        text = text.replace(old, new)
    return _AS_OF.sub(r"\1 (the latest change to the issue it shows)", text)


def same_pages(before: Path, after: Path) -> str:
    """Whether two PDFs have the same number of pages and the same text on each (pypdf, a dev dependency)."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return "not checked (pypdf is not installed)"
    old = PdfReader(io.BytesIO(before.read_bytes())).pages
    new = PdfReader(io.BytesIO(after.read_bytes())).pages
    if len(old) != len(new):
        return f"NO: {len(old)} pages before, {len(new)} after"
    differ = [
        i + 1 for i, (a, b) in enumerate(zip(old, new, strict=True)) if _reworded(a.extract_text()) != b.extract_text()
    ]
    if differ:
        return f"NO: the text of {len(differ)} of {len(new)} pages differs (first: page {differ[0]})"
    return f"yes: {len(new)} pages, the same text on every page"


def compare(workdir: Path, runs: int, ref: str) -> bool:
    """Before (two passes, no accelerator) and after, interleaved; prints the figures and the verdict."""
    print(f"\nbefore/after, {COMPARE_N:,} comments, {runs} interleaved rounds; before = src/ at {ref}")
    before_src = source_of(ref, workdir / "before")
    spec_path = workdir / f"spec-{COMPARE_N}.json"
    spec_path.write_text(json.dumps(spec(COMPARE_N), ensure_ascii=False), encoding="utf-8")
    after_env = child_env(workdir / "pycache")
    before_env = {**after_env, "PYTHONPATH": str(before_src)}
    outs = {name: workdir / f"compare-{name}.pdf" for name in ("before", "after", "after-no-accel")}
    # Each variant once uncounted: its own modules compiled into the pycache, as installed.
    small = workdir / "spec-warm.json"
    small.write_text(json.dumps(spec(3), ensure_ascii=False), encoding="utf-8")
    run_child(small, workdir / "warm.pdf", before_env, NO_ACCEL)
    run_child(small, workdir / "warm.pdf", after_env)
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in outs}
    cpu: dict[str, list[float]] = {name: [] for name in outs}
    for _ in range(runs):
        figures["before"].append(run_child(spec_path, outs["before"], before_env, NO_ACCEL))
        cpu["before"].append(CPU_SECONDS[-1])
        figures["after"].append(run_child(spec_path, outs["after"], after_env))
        cpu["after"].append(CPU_SECONDS[-1])
        figures["after-no-accel"].append(run_child(spec_path, outs["after-no-accel"], after_env, NO_ACCEL))
        cpu["after-no-accel"].append(CPU_SECONDS[-1])
    med = {
        name: (statistics.median(t for t, _ in f), statistics.median(m for _, m in f)) for name, f in figures.items()
    }
    base_s, base_mib = med["before"]
    base_cpu = statistics.median(cpu["before"])
    labels = {
        "before": "before: two passes, no rl_accel",
        "after": "after: one pass, rl_accel" + ("" if importlib_has("_rl_accel") else " (NOT INSTALLED here)"),
        "after-no-accel": "after: one pass, no rl_accel",
    }
    for name, (seconds, mib) in med.items():
        runs_text = ", ".join(f"{t:.2f}" for t, _ in figures[name])
        cpu_s = statistics.median(cpu[name])
        print(
            f"  {labels[name]:<36} {seconds:6.2f} s  {seconds / base_s:5.2f}x   CPU {cpu_s:6.2f} s "
            f"{cpu_s / base_cpu:5.2f}x   peak RSS {mib:6.1f} MiB ({mib / base_mib:4.2f}x)   runs: {runs_text} s"
        )
    ratio, mib = med["after"][0] / base_s, med["after"][1]
    time_ok, mem_ok = ratio <= TARGET_RATIO, mib < TARGET_COMPARE_MIB
    print(f"  same output (after vs before): {same_pages(outs['before'], outs['after'])}")
    # Wall time is the target's measure; CPU time (the child's user + system seconds) is printed
    # beside it because on a shared machine the wall time of one render varies far more.
    print(
        f"  verdict: after is {ratio:.2f}x before ({'meets' if time_ok else 'MISSES'} <= {TARGET_RATIO}x), "
        f"{mib:.0f} MiB ({'meets' if mem_ok else 'MISSES'} < {TARGET_COMPARE_MIB:.0f} MiB)"
    )
    return time_ok and mem_ok


def importlib_has(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per figure (median reported); default {RUNS}")
    parser.add_argument("--compare-only", action="store_true", help="only the before/after comparison")
    parser.add_argument("--baseline", help="git ref whose src/ is 'before' (default: the last two-pass render)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the before/after target is missed")
    args = parser.parse_args(argv)
    print(bytecode_state.state())
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        workdir = Path(tmp)
        if not args.compare_only:
            sizes(workdir, args.runs)
        ok = compare(workdir, args.runs, args.baseline or baseline_ref())
    return 1 if args.strict and not ok else 0


def sizes(workdir: Path, runs: int) -> None:
    """This checkout's render at 10, 100 and 1,000 comments against the absolute targets."""
    print(f"PDF report, whole process (python -c 'import incident_kit.render.pdf; render_pdf(...)'), median of {runs}")
    env = child_env(workdir / "pycache")
    measure(10, workdir, env, 1)  # warm-up: compiles the bytecode, as the action's setup does
    print("  with compiled bytecode (as installed by the action's setup):")
    for n in SIZES:
        median, peak, size, times = measure(n, workdir, env, runs)
        print(
            f"  {n:>5} comments: {median:6.2f} s {verdict(median, TARGET_SECONDS.get(n))}"
            f"   peak RSS {peak:6.1f} MiB {verdict(peak, TARGET_MIB.get(n))}"
            f"   PDF {size / 1024:8.1f} KiB   runs: {', '.join(f'{t:.2f}' for t in times)} s"
        )
    median, _peak, _size, _times = measure(10, workdir, child_env(None), runs)
    print(f"  for information, 10 comments with no .pyc at all (every import compiled, stdlib too): {median:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
