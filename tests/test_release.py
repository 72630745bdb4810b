"""The release workflow's shape, the release notes it makes, and the independent validators on this repo.

actionlint and SchemaStore's schemas run over every workflow, action.yml and dependabot.yml here
(zizmor over the same is in test_action_yaml.py); the installed files get the same in test_adoption.py.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from validators import actionlint, schema_errors

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted((ROOT / "workflows").glob("*.yml"))
ACTIONS = [ROOT / "action.yml", *sorted((ROOT / "actions").glob("*/action.yml"))]


def _release_tool() -> Any:
    spec = importlib.util.spec_from_file_location("release_tool", ROOT / "tools" / "release.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_actionlint_and_schemas_on_this_repository() -> None:
    assert actionlint(WORKFLOWS) == []
    assert schema_errors("workflow", WORKFLOWS) == ""
    assert schema_errors("action", ACTIONS) == ""
    assert schema_errors("dependabot", [ROOT / ".github" / "dependabot.yml"]) == ""


def test_the_validators_can_fail(tmp_path: Path) -> None:
    """A broken workflow is caught by each, so a green run means something."""
    bad = tmp_path / "bad.yml"
    steps = "    steps:\n      - run: echo ${{ github.nope }\n"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n" + steps)
    assert actionlint([bad]) != []
    bad.write_text("on: push\njobs:\n  x:\n    runs-onn: ubuntu-latest\n")
    assert schema_errors("workflow", [bad]) != ""


def test_release_workflow_shape() -> None:
    data = yaml.safe_load(RELEASE.read_text(encoding="utf-8"))
    triggers = data.get("on", data.get(True))
    assert triggers == {"push": {"tags": ["v*.*.*"]}}
    jobs = data["jobs"]
    with_token = {name for name, job in jobs.items() if job["permissions"].get("id-token")}
    assert with_token == {"attest", "publish"}  # never the jobs that run the project's code
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    (upload,) = [s for s in publish["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert re.fullmatch(r"pypa/gh-action-pypi-publish@[0-9a-f]{40}", upload["uses"])
    assert "with" not in upload or "password" not in upload["with"]  # trusted publishing, no token
    attest = jobs["attest"]
    assert attest["permissions"] == {"id-token": "write", "attestations": "write"}
    assert any(s.get("uses", "").startswith("actions/attest-build-provenance@") for s in attest["steps"])
    assert not any(s.get("uses", "").startswith("actions/checkout@") for s in attest["steps"] + publish["steps"])
    assert jobs["github-release"]["permissions"] == {"contents": "write"}
    order = ["test", "build", "attest", "publish", "github-release"]
    for before, after in zip(order, order[1:], strict=False):
        assert before in jobs[after]["needs"]
    text = RELEASE.read_text(encoding="utf-8")
    assert "tools/release.py notes" in text and "--notes-file bundle/release-notes.md" in text
    assert "bash .ci/run" in text


def test_release_notes_are_the_changelog_section(tmp_path: Path) -> None:
    tool = _release_tool()
    version = tool.package_version()
    (tmp_path / "src" / "incident_kit").mkdir(parents=True)
    (tmp_path / "src" / "incident_kit" / "__init__.py").write_text(f'__version__ = "{version}"\n')
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(
        "# Changelog\n\n## [Unreleased]\n\n- next\n\n"
        f"## [{version}] - 2026-12-01\n\n### Added\n- the first release\n\n## [0.0.1] - 2026-01-01\n\n- old\n"
    )
    sha = "5a3ec84eff668545956fd18022155c47e93e2684"
    notes = tool.notes(f"v{version}", sha, tmp_path)
    assert notes.startswith("### Added\n- the first release\n\n## Install")
    assert "old" not in notes and "next" not in notes
    assert f"uses: incident-kit/incident-kit@{sha} # v{version}" in notes
    with pytest.raises(ValueError, match="is not v"):
        tool.notes("v9.9.9", sha, tmp_path)
    changelog.write_text("# Changelog\n\n## [Unreleased]\n\n- next\n")
    with pytest.raises(ValueError, match="CHANGELOG.md has no section"):
        tool.notes(f"v{version}", sha, tmp_path)
    with pytest.raises(ValueError, match="full commit SHA"):
        tool.notes(f"v{version}", "main", tmp_path)


def test_pyproject_reads_the_one_version() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text and 'path = "src/incident_kit/__init__.py"' in text
    assert "[tool.hatch.build.hooks.custom]" in text
