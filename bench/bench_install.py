"""Benchmark of the action runtime's install: what the first run of an incident-kit action costs.

It runs the real setup/run.sh (with INCIDENT_KIT_SETUP_ONLY=true, so it stops after building)
in a fresh copy of the files the bootstrap reads, and prints the median of N runs per phase as
run.sh reports them (venv, project, uv bootstrap, runtime deps) and in total, against the
target of under 5 s with bytecode compiled. Four figures:

* cold: empty uv and pip caches, as on a GitHub-hosted runner when actions/cache misses;
* warm uv cache: the venv is rebuilt but the wheels are already in uv's cache (a self-hosted
  runner, or a developer's machine);
* local work only: warm caches and no network at all (uv offline, pip from a local wheel), the
  floor that the network adds to. Figures that touch the network vary with it (on a
  sandboxed 2-core machine the same cold install ranged from 3 to 9 s), hence the spread;
* stamp hit: the venv exists and its stamp matches, as after an actions/cache hit.

Then the tiers (issue #16), local work only and interleaved in the same run: the event tier
(what every event builds), the report tier added on top (INCIDENT_KIT_TIER=report, only in a run
that renders a report) and the full runtime as it was before the tiers (setup/ and requirements/
from the commit before requirements/runtime.txt was split, or --baseline REF), with installed
sizes. Targets: event tier under 40 MB and under half of the full runtime's install time.

It needs PyPI (or the mirror pip and uv are configured for) and takes a few minutes.

    python3 bench/bench_install.py [--runs 3] [--strict] [--baseline REF]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bytecode_state  # bench/: which bytecode state the figures are for

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0
EVENT_TIER_MB = 40.0
PHASES = ("venv", "uv bootstrap", "runtime deps", "accelerator", "project", "report deps")
# What setup/run.sh and the project build read: pyproject's readme and force-include included.
NEEDED = (
    "setup",
    "requirements",
    "src",
    "ISSUE_TEMPLATE",
    "workflows",
    "pyproject.toml",
    "README.md",
    "hatch_build.py",
    "starter",
)
PHASE_LINE = re.compile(r"^incident-kit setup: (?P<phase>.+) took (?P<seconds>[0-9.]+)s$", re.MULTILINE)


def fresh_root(parent: Path, ref: str | None = None) -> Path:
    """A scratch copy of what setup/run.sh reads: this checkout's files, or a commit's (git archive)."""
    root = Path(tempfile.mkdtemp(prefix="root-", dir=parent))
    if ref is not None:
        listed = subprocess.run(
            ["git", "-C", str(ROOT), "ls-tree", "--name-only", ref], capture_output=True, text=True, check=True
        ).stdout.split()
        names = [n for n in NEEDED if n in listed]
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", ref, *names], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        return root
    for name in NEEDED:
        source = ROOT / name
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, root / name)
    return root


def baseline_ref() -> str:
    """The last commit with the single runtime lock: the parent of the commit that split it."""
    split = subprocess.run(
        ["git", "-C", str(ROOT), "rev-list", "-1", "HEAD", "--", "requirements/runtime.txt"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"{split}^" if split else "HEAD"


def run_setup(
    root: Path, uv_cache: Path, pip_cache: Path, extra_env: dict[str, str] | None = None
) -> tuple[float, dict[str, float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_KIT_")}
    env.update(extra_env or {})
    env.update(
        INCIDENT_KIT_SETUP_ONLY="true",
        UV_CACHE_DIR=str(uv_cache),
        PIP_CACHE_DIR=str(pip_cache),
        RUNNER_TEMP=str(root.parent),
    )
    start = time.perf_counter()
    done = subprocess.run(
        ["bash", str(root / "setup" / "run.sh")], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    total = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"setup/run.sh failed (exit {done.returncode}); is PyPI reachable?\n{done.stdout}\n{done.stderr}")
    phases = {m["phase"]: float(m["seconds"]) for m in PHASE_LINE.finditer(done.stdout)}
    return total, phases


def check_bytecode(root: Path, site: Path | None = None) -> tuple[int, int]:
    """(.py files, .py files with a compiled .pyc) in the venv's site-packages (or ``site``)."""
    site = (
        site
        or next((root / ".venv-action").glob("lib/python3*/site-packages"), None)
        or (root / ".venv-action" / "Lib" / "site-packages")
    )
    sources = list(site.rglob("*.py"))
    compiled = {p.name.split(".")[0] + "@" + str(p.parent.parent) for p in site.rglob("__pycache__/*.pyc")}
    with_pyc = sum(1 for p in sources if p.stem + "@" + str(p.parent) in compiled)
    return len(sources), with_pyc


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def report(label: str, runs: list[tuple[float, dict[str, float]]]) -> float:
    totals = [t for t, _ in runs]
    total = statistics.median(totals)
    parts = []
    for phase in PHASES:
        values = [p[phase] for _, p in runs if phase in p]
        if values:
            parts.append(f"{phase} {statistics.median(values):.2f}s")
    verdict = "meets" if total < TARGET_SECONDS else "misses"
    spread = f"{min(totals):.1f}-{max(totals):.1f}s"
    print(
        f"{label:<16} total {total:5.2f}s ({verdict} < {TARGET_SECONDS:.0f} s; runs {spread})  |  " + ", ".join(parts)
    )
    return total


def offline_env(scratch: Path) -> dict[str, str]:
    """Environment for "local work only": uv offline, pip from a local copy of the uv wheel."""
    wheelhouse = scratch / "wheelhouse"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:"]
        + ["--require-hashes", "-r", str(ROOT / "requirements" / "bootstrap.txt"), "-d", str(wheelhouse)],
        check=True,
        timeout=300,
    )
    return {"UV_OFFLINE": "1", "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse)}


def main(argv: list[str] | None = None) -> int:
    print(bytecode_state.state())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median reported); default 3")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--baseline", help="git ref whose setup/ and requirements/ are 'the full runtime'")
    parser.add_argument("--tiers-only", action="store_true", help="only the tiers' comparison (local work)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-install-") as scratch_name:
        scratch = Path(scratch_name)
        if args.tiers_only:
            warm_uv, warm_pip = scratch / "uv-warm", scratch / "pip-warm"
            run_setup(fresh_root(scratch), warm_uv, warm_pip)  # fills the caches; not counted
            ok = compare_tiers(
                scratch, args.runs, args.baseline or baseline_ref(), warm_uv, warm_pip, offline_env(scratch)
            )
            return 1 if args.strict and not ok else 0
        print(f"incident-kit action runtime install, median of {args.runs} runs (target < {TARGET_SECONDS:.0f} s)")

        cold = []
        for i in range(args.runs):
            # Fresh caches every run: a GitHub-hosted runner starts with none.
            cold.append(run_setup(fresh_root(scratch), scratch / f"uv-cold-{i}", scratch / f"pip-cold-{i}"))
        cold_total = report("cold caches", cold)

        warm_uv, warm_pip = scratch / "uv-warm", scratch / "pip-warm"
        run_setup(fresh_root(scratch), warm_uv, warm_pip)  # fills the caches; not counted
        warm = [run_setup(fresh_root(scratch), warm_uv, warm_pip) for _ in range(args.runs)]
        report("warm uv cache", warm)

        offline = offline_env(scratch)
        local = [run_setup(fresh_root(scratch), warm_uv, warm_pip, offline) for _ in range(args.runs)]
        local_total = report("local work only", local)

        built = fresh_root(scratch)
        run_setup(built, warm_uv, warm_pip)
        hits = [run_setup(built, warm_uv, warm_pip) for _ in range(args.runs)]
        hit = statistics.median(t for t, _ in hits)
        print(f"{'stamp hit':<16} total {hit:5.2f}s (actions/cache hit: fingerprint check only, nothing installed)")

        sources, compiled = check_bytecode(built)
        print(
            f"bytecode: {compiled} of {sources} .py files in site-packages have a .pyc; "
            f".venv-action is {size_mb(built / '.venv-action'):.0f} MB (what actions/cache stores and restores)"
        )
        print(
            "verdict: the install's own work takes "
            f"{local_total:.2f}s; a cold run adds the downloads to that: {cold_total:.2f}s here"
        )
        tiers_ok = compare_tiers(scratch, args.runs, args.baseline or baseline_ref(), warm_uv, warm_pip, offline)
    return 1 if args.strict and (cold_total >= TARGET_SECONDS or not tiers_ok) else 0


def compare_tiers(scratch: Path, runs: int, ref: str, uv_cache: Path, pip_cache: Path, offline: dict[str, str]) -> bool:
    """Event tier, report tier and the pre-tier full runtime, local work only, interleaved."""
    print(f"\ntiers, local work only (warm caches, no network), median of {runs} runs; full runtime from {ref}")
    run_setup(fresh_root(scratch, ref), uv_cache, pip_cache)  # fills the caches with the old lock's wheels
    event: list[float] = []
    report: list[float] = []
    full: list[float] = []
    deps: dict[str, list[float]] = {"event": [], "report": [], "full": []}  # the lock installs alone
    steps: dict[str, list[dict[str, float]]] = {"event": [], "full": []}  # run.sh's phase lines
    sizes: dict[str, float] = {}
    for _ in range(runs):
        old = fresh_root(scratch, ref)
        total, phases = run_setup(old, uv_cache, pip_cache, offline)
        full.append(total)
        steps["full"].append(phases)
        deps["full"].append(phases.get("runtime deps", 0.0) + phases.get("accelerator", 0.0))
        sizes["full"] = size_mb(old / ".venv-action")
        root = fresh_root(scratch)
        total, phases = run_setup(root, uv_cache, pip_cache, offline)
        event.append(total)
        steps["event"].append(phases)
        deps["event"].append(phases.get("runtime deps", 0.0))
        sizes["event"] = size_mb(root / ".venv-action")
        total, phases = run_setup(root, uv_cache, pip_cache, {**offline, "INCIDENT_KIT_TIER": "report"})
        report.append(total)
        deps["report"].append(phases.get("report deps", 0.0) + phases.get("accelerator", 0.0))
        sizes["report"] = size_mb(root / ".venv-action-report")
        sources, compiled = check_bytecode(root)
        rsources, rcompiled = check_bytecode(root, root / ".venv-action-report")
    ev, rep, fu = (statistics.median(x) for x in (event, report, full))
    dep = {k: statistics.median(v) for k, v in deps.items()}
    # "setup" is all of run.sh (venv, uv bootstrap, locks, project build); "locks" the lock installs.
    print(
        f"{'full runtime':<16} setup {fu:5.2f}s, locks {dep['full']:5.2f}s, "
        f"{sizes['full']:5.1f} MB installed (one venv, before the tiers)"
    )
    print(
        f"{'event tier':<16} setup {ev:5.2f}s, locks {dep['event']:5.2f}s, "
        f"{sizes['event']:5.1f} MB installed (every event; cached alone)"
    )
    print(
        f"{'+ report tier':<16} setup {rep:5.2f}s, locks {dep['report']:5.2f}s, "
        f"{sizes['report']:5.1f} MB installed (only a run with a report)"
    )
    for name in ("full", "event"):
        parts = []
        for phase in PHASES:
            values = [p[phase] for p in steps[name] if phase in p]
            if values:
                parts.append(f"{phase} {statistics.median(values):.2f}s")
        print(f"  {name} phases: " + ", ".join(parts))
    print(
        "  (since issue #16 run.sh fetches uv in the background while it makes the venv and copies the"
        " source in: its 'uv bootstrap' is the wait left after those; 'project' is the copy, no wheel)"
    )
    print(
        f"bytecode: event tier {compiled}/{sources} .py compiled, report tier {rcompiled}/{rsources} "
        "(both installed with --compile-bytecode)"
    )
    size_ok, time_ok = sizes["event"] < EVENT_TIER_MB, ev < 0.5 * fu
    print(
        f"verdict: event tier {sizes['event']:.1f} MB ({'meets' if size_ok else 'misses'} < {EVENT_TIER_MB:.0f} MB), "
        f"{ev / fu:.2f}x the full runtime's setup ({'meets' if time_ok else 'misses'} < 0.5x); "
        f"lock installs alone {dep['event'] / dep['full']:.2f}x"
    )
    return size_ok and time_ok


if __name__ == "__main__":
    sys.exit(main())
