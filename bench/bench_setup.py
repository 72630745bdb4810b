"""Benchmark: what the action's setup costs on a cache hit, against `python3 -c pass`.

The setup of a run on an actions/cache hit is the cache-key step (setup/cache-key.sh) and
setup/run.sh up to the Python start (with INCIDENT_KIT_SETUP_ONLY=true it stops there). Both
run here on a copy of the action's files with a stamped .venv-action (its python a link to this
interpreter), as after a restore; the floor is `python3 -c pass`, measured in the same run,
interleaved. Target (issue #16): within 2x of the floor.

    .venv/bin/python bench/bench_setup.py [--runs 21] [--compare OTHER_ROOT]

--compare measures another checkout's setup/ the same way in the same run (e.g. a worktree of
the previous release), so a before/after ratio is not skewed by the machine's load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bytecode_state  # bench/: which bytecode state the figures are for

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("setup", "requirements", "src", "ISSUE_TEMPLATE", "workflows", "starter", "pyproject.toml")


def prepared(source: Path, scratch: Path, env: dict[str, str]) -> Path:
    root = scratch / source.name.replace("/", "_")
    root.mkdir()
    for name in NEEDED:
        if (source / name).is_dir():
            shutil.copytree(source / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif (source / name).exists():
            shutil.copy2(source / name, root / name)
    (root / ".venv-action" / "bin").mkdir(parents=True)
    (root / ".venv-action" / "bin" / "python").symlink_to(sys.executable)
    # The stamp the root's own setup would write: its cache-key step's fingerprint.
    out = scratch / "out"
    subprocess.run(["bash", str(root / "setup" / "cache-key.sh")], env={**env, "GITHUB_OUTPUT": str(out)}, check=True)
    answers = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    out.unlink()
    stamp = answers.get("fingerprint") or answers["key"].rsplit("-", 1)[1]
    (root / ".venv-action" / ".incident-kit-stamp").write_text(stamp + "\n")
    return root


def setup_once(root: Path, env: dict[str, str], scratch: Path) -> float:
    out = scratch / "out"
    out.write_text("")
    start = time.perf_counter()
    subprocess.run(["bash", str(root / "setup" / "cache-key.sh")], env={**env, "GITHUB_OUTPUT": str(out)}, check=True)
    answers = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    step_env = {**env, "INCIDENT_KIT_SETUP_ONLY": "true", "INCIDENT_KIT_FINGERPRINT": answers.get("fingerprint", "")}
    done = subprocess.run(["bash", str(root / "setup" / "run.sh")], env=step_env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0 and "using the environment" in done.stdout, done.stdout + done.stderr
    return elapsed


def floor_once(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(["python3", "-c", "pass"], env=env, check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    print(bytecode_state.state())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--compare", type=Path, help="another checkout whose setup/ to measure in the same run")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_KIT_")}
    env.update(RUNNER_OS="Linux", RUNNER_ARCH="X64")
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as name:
        scratch = Path(name)
        (scratch / "a").mkdir()
        roots = {"this checkout": prepared(ROOT, scratch / "a", env)}
        if args.compare:
            (scratch / "b").mkdir()
            roots[f"compared ({args.compare})"] = prepared(args.compare.resolve(), scratch / "b", env)
        times: dict[str, list[float]] = {label: [] for label in [*roots, "floor"]}
        for _ in range(args.runs):
            times["floor"].append(floor_once(env))
            for label, root in roots.items():
                times[label].append(setup_once(root, env, scratch))
    floor = statistics.median(times["floor"])
    print(f"setup on a cache hit (cache-key.sh + run.sh up to the Python start), median of {args.runs}")
    print(f"  floor: python3 -c pass        {floor * 1000:7.1f} ms")
    for label in roots:
        value = statistics.median(times[label])
        verdict = "meets" if value <= 2 * floor else "misses"
        print(f"  {label:<30}{value * 1000:7.1f} ms  = {value / floor:4.2f}x the floor ({verdict} <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
