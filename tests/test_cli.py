"""``incident-kit check`` and ``install`` as a person runs them: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import VIDEO

from incident_kit.body import edits

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "incident_kit", *args],
        input=stdin.decode("utf-8", "replace") if stdin is not None else None,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=60,
    )


def test_check_text_output_and_exit_code(template: str, tmp_path: Path) -> None:
    body = tmp_path / "issue.md"
    body.write_text(template)
    res = run("check", str(body), cwd=tmp_path)
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert lines[0] == (
        f"{body}:20: error triage-unanswered Answer 'More than 50% of users affected?' by writing y or n "
        "in place of TODO(y/n) (one yes makes this an incident; three no mean it is not)."
    )
    assert lines[-1] == "decision: undecided, phase: reported, errors: 4"


def test_check_json_from_stdin(template: str, tmp_path: Path) -> None:
    body = edits.answer(template, "50%", "yes")
    body = edits.set_role(body, "Investigator", "alice")
    body = edits.attach_video(body, VIDEO)
    body = edits.fill_slot(body, "Start this incident", "11/20 08:30")
    body = edits.set_action_item(body, "Root problem", "Add a unique index #4")
    res = run(
        "check",
        "-",
        "--format",
        "json",
        "--created-at",
        "2026-11-20T09:00:00Z",
        stdin=body.encode(),
        cwd=tmp_path,
    )
    assert res.returncode == 1, res.stderr  # two roles still missing
    out = json.loads(res.stdout)
    assert out["decision"] == "incident"
    assert out["phase"] == "triaged"
    assert out["roles"] == {"investigator": ["alice"], "communicator": [], "recorder": []}
    assert out["video"][0]["url"] == VIDEO
    assert {
        "time": "2026-11-20T08:30:00Z",
        "text": "Start this incident",
        "line": out["timeline"][1]["line"],
        "slot": False,
    } == out["timeline"][1]
    assert out["action_items"][0]["links"] == ["#4"] and out["action_items"][0]["checked"] is False
    # 16 boxes, less the triage question answered in writing and the investigator named
    assert out["unchecked"]["How to resolve the incident"] == 14
    assert {f["rule"] for f in out["findings"]} == {"roles-missing"}
    assert all(set(f) == {"rule", "severity", "message", "line"} for f in out["findings"])


def test_check_exit_zero_without_errors(template: str, tmp_path: Path) -> None:
    body = template
    for q in ("50%", "corrupting", "attack"):
        body = edits.answer(body, q, "n")
    res = run("check", "-", stdin=body.encode(), cwd=tmp_path)
    assert res.returncode == 0
    assert res.stdout.strip().endswith("decision: not-incident, phase: not-incident, errors: 0")


def test_check_bad_usage_and_bad_config(tmp_path: Path) -> None:
    res = run("check", str(tmp_path / "nope.md"), cwd=tmp_path)
    assert res.returncode == 2 and "cannot read" in res.stderr
    cfg = tmp_path / "c.yml"
    cfg.write_text("video:\n  mode: sometimes\n")
    res = run("check", "-", "--config", str(cfg), stdin=b"x", cwd=tmp_path)
    assert res.returncode == 2
    assert f"{cfg}:2: 'video.mode' must be one of require, warn, off" in res.stderr
    assert run("check", cwd=tmp_path).returncode == 2
    assert run(cwd=tmp_path).returncode == 2
    res = run("check", "-", "--created-at", "yesterday", stdin=b"", cwd=tmp_path)
    assert res.returncode == 2 and "ISO 8601" in res.stderr


def test_check_reads_default_config_from_repo(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "incident-kit.yml").write_text("video:\n  mode: off\n")
    res = run("check", "-", "--format", "json", stdin=b"# x", cwd=tmp_path)
    assert "video-missing" not in {f["rule"] for f in json.loads(res.stdout)["findings"]}


def test_install_twice_changes_nothing_and_keeps_user_changes(tmp_path: Path) -> None:
    res = run("install", "--target", str(tmp_path), "--dry-run")
    assert res.returncode == 0 and "would create .github/ISSUE_TEMPLATE/incident.md" in res.stdout
    assert not (tmp_path / ".github").exists()
    res = run("install", "--target", str(tmp_path))
    assert "create .github/incident-kit.yml" in res.stdout
    template = tmp_path / ".github" / "ISSUE_TEMPLATE" / "incident.md"
    assert template.read_bytes() == (ROOT / "ISSUE_TEMPLATE" / "incident.md").read_bytes()
    shipped = sorted(p.name for p in (ROOT / "workflows").iterdir() if not p.name.startswith("."))
    installed = tmp_path / ".github" / "workflows"
    assert sorted(p.name for p in installed.iterdir()) if installed.exists() else shipped == []
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    res = run("install", "--target", str(tmp_path))
    assert "create" not in res.stdout and "up to date" in res.stdout
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    # The user's change survives without --force, and is reported with the reason.
    template.write_text("my own template\n")
    config = tmp_path / ".github" / "incident-kit.yml"
    config.write_text("tick-boxes: true\n")
    res = run("install", "--target", str(tmp_path))
    assert "skip .github/ISSUE_TEMPLATE/incident.md (it differs from the shipped version" in res.stdout
    assert template.read_text() == "my own template\n"
    res = run("install", "--target", str(tmp_path), "--force")
    assert "replace .github/ISSUE_TEMPLATE/incident.md" in res.stdout
    assert template.read_bytes() == (ROOT / "ISSUE_TEMPLATE" / "incident.md").read_bytes()
    assert config.read_text() == "tick-boxes: true\n"  # settings are never overwritten
    assert run("install", "--target", str(tmp_path / "nope")).returncode == 2


def test_wheel_ships_template_and_workflows(tmp_path: Path) -> None:
    """A PyPI install can install: the wheel carries ISSUE_TEMPLATE/ and workflows/."""
    import zipfile

    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if res.returncode != 0 and "No module named 'hatchling'" in res.stdout + res.stderr:
        import pytest

        pytest.skip("hatchling is not installed in this environment")
    assert res.returncode == 0, res.stdout + res.stderr
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "incident_kit/_data/ISSUE_TEMPLATE/incident.md" in names
    assert any(n.startswith("incident_kit/_data/workflows/") for n in names)


def test_install_pins_the_workflows_to_a_release_commit(tmp_path: Path) -> None:
    # Issue #15 changed this: no placeholder is ever written; --pin re-pins the installed files in
    # place without --force (tests/test_install.py has the rest).
    sha = "5a3ec84eff668545956fd18022155c47e93e2684"
    res = run("install", "--target", str(tmp_path))
    assert res.returncode == 0 and "placeholder" not in res.stderr
    res = run("install", "--target", str(tmp_path), "--pin", sha, "--tag", "v0.1.0")
    assert res.returncode == 0 and "placeholder" not in res.stderr
    workflow = (tmp_path / ".github" / "workflows" / "incident-kit.yml").read_text()
    assert f"uses: incident-kit/incident-kit@{sha} # v0.1.0" in workflow and "0" * 40 not in workflow
    again = run("install", "--target", str(tmp_path), "--pin", sha, "--tag", "v0.1.0")
    assert "skip" not in again.stdout and "create" not in again.stdout and "re-pin" not in again.stdout
    bad = run("install", "--target", str(tmp_path), "--pin", "v1.2.3")
    assert bad.returncode == 2 and "40-character commit SHA" in bad.stderr
