#!/usr/bin/env python3
"""Write every incident-kit action.yml from actions/source.toml; the steps are written here, once.

    python3 actions/generate.py          # rewrite action.yml and actions/*/action.yml
    python3 actions/generate.py --check  # exit 1 and name the files that differ (tests run this)

Why a generator and not one action that the others call: a composite step's ``uses: ./path``
is resolved against the *caller's* workspace (the checked-out repository), not against the
folder the composite action was downloaded to, so ``actions/labels`` cannot reach the root
action as ``uses: ./`` or ``uses: ../..`` once it runs as ``incident-kit/incident-kit/actions/
labels@SHA`` in another repository. ``uses: incident-kit/incident-kit@<sha>`` would work, but it
needs the action's own commit written inside itself, which a commit cannot contain. So the
public paths stay eight small files, written by this script from one description.

Only the standard library (tomllib): it runs on the Python a developer has, without .venv.
"""

from __future__ import annotations

import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "actions" / "source.toml"
WIDTH = 100
CACHE = "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3"
UPLOAD = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2"
PIN = (
    "# Pin it to the full 40-character commit SHA of a release, with its version in a comment\n"
    "# (`incident-kit install --pin SHA` writes it): {uses}@<release commit SHA> # vX.Y.Z\n"
)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _folded(text: str, indent: int) -> str:
    """A `>-` block: YAML folds the lines back into ``text`` (one space where each line breaks)."""
    pad = " " * indent
    lines = textwrap.wrap(text, WIDTH - indent, break_long_words=False, break_on_hyphens=False)
    return ">-\n" + "".join(f"{pad}{line}\n" for line in lines)


def _env_name(name: str) -> str:
    return "INCIDENT_KIT_" + name.upper().replace("-", "_")


def _steps(action: dict[str, Any]) -> str:
    # GITHUB_ACTION_PATH is the folder of the action.yml being run; setup/ lives at the root.
    setup = "${GITHUB_ACTION_PATH}/" + ("../../" if action["dir"] else "") + "setup"
    env = "".join(f"        {_env_name(n)}: ${{{{ inputs.{n} }}}}\n" for n in action["inputs"])
    # The report step's run shares max-writes with the event step: it gets what is left.
    report_env = env.replace("${{ inputs.max-writes }}", "${{ steps.run.outputs.writes-left }}")
    text = f"""\
runs:
  using: composite
  steps:
    # One fingerprint per run (lock files, Python version and platform), computed here once:
    # it is the actions/cache key and the stamp setup/run.sh compares, passed on through env.
    # With INCIDENT_KIT_PYTHON set nothing is built, so there is nothing to cache.
    - name: Compute the cache key of incident-kit's Python environment
      id: cache-key
      if: ${{{{ env.INCIDENT_KIT_PYTHON == '' }}}}
      shell: bash
      run: bash "{setup}/cache-key.sh"
    # path comes from the step above rather than github.action_path: actions/cache refuses
    # paths with `..`, which the sub-actions would need to reach the shared .venv-action.
    - name: Restore incident-kit's Python environment
      if: ${{{{ steps.cache-key.outputs.key != '' }}}}
      uses: {CACHE}
      with:
        path: ${{{{ steps.cache-key.outputs.path }}}}
        key: ${{{{ steps.cache-key.outputs.key }}}}
    # Inputs reach Python only through env: (never `${{{{ }}}}` inside run:, where an issue title
    # would become shell code).
    - name: Run incident-kit ({action["part"]})
      id: run
      shell: bash
      env:
{env}        INCIDENT_KIT_PART: {action["part"]}
        INCIDENT_KIT_FINGERPRINT: ${{{{ steps.cache-key.outputs.fingerprint }}}}
      run: bash "{setup}/run.sh"
"""
    if action.get("report"):
        text += f"""\
    # The report tier (issue #16): the PDF stack is not in the environment above, so an ordinary
    # event restores and installs none of it. When a report is due the step above does the event
    # work, defers the report and says `report-due`; these steps restore or install the PDF tools
    # under their own cache key and run again, which only adds the report (reconciling is
    # idempotent). If the install fails, this step fails, and the event work is already done.
    - name: Restore incident-kit's PDF tools
      if: ${{{{ !cancelled() && steps.run.outputs.report-due == 'true' && steps.cache-key.outputs.report-key != '' }}}}
      uses: {CACHE}
      with:
        path: ${{{{ steps.cache-key.outputs.report-path }}}}
        key: ${{{{ steps.cache-key.outputs.report-key }}}}
    - name: Render the incident report ({action["part"]})
      id: report
      if: ${{{{ !cancelled() && steps.run.outputs.report-due == 'true' }}}}
      shell: bash
      env:
{report_env}        INCIDENT_KIT_PART: {action["part"]}
        INCIDENT_KIT_TIER: report
        INCIDENT_KIT_FINGERPRINT: ${{{{ steps.cache-key.outputs.fingerprint }}}}
      run: bash "{setup}/run.sh"
    # A report the branch refused (protected branch) is not lost: it is attached to the run.
    - name: Attach the report the branch refused
      if: ${{{{ always() && (steps.report.outputs.report-artifact || steps.run.outputs.report-artifact) != '' }}}}
      uses: {UPLOAD}
      with:
        name: incident-report
        path: ${{{{ steps.report.outputs.report-artifact || steps.run.outputs.report-artifact }}}}
        if-no-files-found: error
"""
    return text


def render(action: dict[str, Any], source: dict[str, Any]) -> str:
    """The text of one action.yml."""
    uses = "incident-kit/incident-kit" + (f"/actions/{action['dir']}" if action["dir"] else "")
    about = "".join(f"# {line}\n" for line in action["about"].splitlines())
    out = [
        "# GENERATED by actions/generate.py from actions/source.toml: edit those, not this file.\n",
        about,
        PIN.format(uses=uses),
        f"name: {_quote(action['name'])}\n",
        f"description: {_quote(action['description'])}\n",
        'author: "incident-kit developers"\n',
    ]
    if branding := action.get("branding"):
        out.append("branding:\n" + "".join(f"  {k}: {v}\n" for k, v in branding.items()))
    out.append("\ninputs:\n")
    overrides = action.get("input-descriptions", {})
    for name in action["inputs"]:
        spec = source["inputs"][name]
        description = overrides.get(name, spec["description"])
        out.append(
            f"  {name}:\n    description: {_folded(description, 6)}"
            f"    required: false\n    default: {_quote(spec['default'])}\n"
        )
    out.append("\noutputs:\n")
    for name in action["outputs"]:
        # With a report step, its run saw the issue last: its value, or the event step's when it
        # did not run (every value is text, and only "" is falsy in an expression).
        value = f"steps.run.outputs.{name}"
        if action.get("report"):
            value = f"steps.report.outputs.{name} || {value}"
        out.append(
            f"  {name}:\n    description: {_folded(source['outputs'][name], 6)}"
            f"    value: ${{{{ {value} }}}}\n"
        )
    out.append("\n" + _steps(action))
    return "".join(out)


def generated() -> dict[Path, str]:
    """Every action.yml path and the text this script writes there."""
    source = tomllib.loads(SOURCE.read_text(encoding="utf-8"))
    files = {}
    for action in source["action"]:
        folder = ROOT / "actions" / action["dir"] if action["dir"] else ROOT
        files[folder / "action.yml"] = render(action, source)
    return files


def main(argv: list[str]) -> int:
    files = generated()
    if argv == ["--check"]:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from actions/source.toml: run python3 actions/generate.py")
        return 1 if stale else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
