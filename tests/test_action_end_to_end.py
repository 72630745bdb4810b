"""The real composite ``action.yml`` files, run step by step as a runner would, against the fake API.

``INCIDENT_KIT_PYTHON`` points the bootstrap at this interpreter (nothing installed), the
runner's variables point at the loopback fake, and the event carries adversarial text that a
workflow must survive: none of it may run as shell code or become a workflow command.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from actionrunner import run_action
from fakegithub import FakeGitHub
from ghenv import REPO, TOKEN, team_repo
from helpers import VIDEO

from incident_kit.body import edits
from incident_kit.plan.status import MARKER

ROOT = Path(__file__).resolve().parents[1]
NASTY = 'a"; touch pwned-title; echo "$(touch pwned-subst)" `touch pwned-tick` ${{ github.token }}'


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with team_repo() as gh:
        yield gh


def body(template: str, *, video: bool) -> str:
    text = template.split("---\n", 2)[2]
    text = edits.answer(text, "50%", "y")
    text = edits.set_role(text, "Investigator", "alice")
    text = text.replace("## Problem", "::error::spoofed annotation\n::add-mask::x\n\n## Problem")
    return edits.attach_video(text, VIDEO) if video else text


def act(fake: FakeGitHub, action: str, number: int, tmp: Path, **inputs: str):  # type: ignore[no-untyped-def]
    event = {
        "action": "edited",
        "issue": {"number": number, "title": NASTY, "body": NASTY},
        "sender": {"login": "alice"},
    }
    workspace = tmp / "ws"
    workspace.mkdir(parents=True, exist_ok=True)
    return run_action(
        ROOT / action,
        inputs={"token": TOKEN, **inputs},
        env={"INCIDENT_KIT_PYTHON": sys.executable},
        workspace=workspace,
        event_name="issues",
        event=event,
        github={"repository": REPO, "repository_owner": "octo", "api_url": fake.base_url, "token": TOKEN},
        timeout=120,
    )


def test_root_action_end_to_end_and_idempotent(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, NASTY, body(template, video=True), user="alice", labels=["incident"])["number"]
    result = act(fake, ".", n, tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.outputs["decision"] == "incident"
    assert result.outputs["phase"] == "triaged"
    assert result.outputs["status-comment-url"].endswith(f"#issuecomment-{fake.comments(REPO, n)[0]['id']}")
    assert "incident-kit: #1" in result.summary
    assert not list(tmp_path.rglob("pwned*")) and not list(Path.cwd().glob("pwned*"))
    assert all(a.message != "spoofed annotation" for a in result.annotations)
    assert [c["body"].startswith(MARKER) for c in fake.comments(REPO, n)] == [True]
    assert [a["login"] for a in fake.issue(REPO, n)["assignees"]] == ["alice"]
    fake.reset_log()
    again = act(fake, ".", n, tmp_path / "again")
    assert again.exit_code == 0 and fake.writes() == []


def test_video_sub_action_fails_the_step_and_labels(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", body(template, video=False), user="alice", labels=["incident"])["number"]
    result = act(fake, "actions/video", n, tmp_path)
    assert result.exit_code == 1
    assert any(a.command == "error" and "Video missing" in a.properties.get("title", "") for a in result.annotations)
    assert sorted(fake.label_names(REPO, n)) == ["incident", "needs-video"]
    # The video part touches neither assignees nor the triage labels.
    assert fake.issue(REPO, n)["assignees"] == []


def test_labels_sub_action_swaps_and_dry_run_writes_nothing(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    text = edits.tick(body(template, video=True), "Announce resolving this incident")
    n = fake.create_issue(REPO, "x", text, user="alice", labels=["incident"])["number"]
    dry = act(fake, "actions/labels", n, tmp_path / "dry", **{"dry-run": "true"})
    assert dry.exit_code == 0 and fake.writes() == []
    assert "(dry run)" in dry.summary
    real = act(fake, "actions/labels", n, tmp_path / "real")
    assert real.exit_code == 0
    assert fake.label_names(REPO, n) == ["incident-improvement"]


def test_root_action_at_max_writes_1_declares_once_on_slack(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    """The reported bug (issue #11): at max-writes 1 with a Slack webhook, repeated runs of the real
    action.yml posted "incident declared" again. A message now takes the budget and is claimed in
    the status comment before it is sent, so it goes out once, however many runs it takes."""
    from test_notify import run_webhook_receiver

    with run_webhook_receiver() as receiver:
        n = fake.create_issue(REPO, "Checkout is down", body(template, video=True), user="alice", labels=["incident"])
        for i in range(10):
            workspace = tmp_path / str(i) / "ws" / ".github"
            workspace.mkdir(parents=True)
            (workspace / "incident-kit.yml").write_text("notify:\n  slack:\n    call-link: https://example.com/call\n")
            result = act(
                fake, ".", n["number"], tmp_path / str(i), **{"max-writes": "1", "slack-webhook": receiver.url}
            )
            assert result.exit_code == 0, result.stdout + result.stderr
        heads = [str(p.get("text", "")) for p in receiver.posts]
        assert sum(h.startswith("\U0001f6a8 Incident declared") for h in heads) == 1, heads
        assert "Slack: incident declared" in fake.comments(REPO, n["number"])[0]["body"]


# Modules a checked-out repository may legitimately (or maliciously) have at its top level. Each
# one, if the action imported it, leaves a file named after it and stops the process.
HOSTILE = ("yaml", "platform", "github", "hashlib", "pip", "venv", "jinja2", "requests", "incident_kit")


def hostile_workspace(folder: Path, traces: Path) -> Path:
    folder.mkdir(parents=True)
    for name in HOSTILE:
        code = f"open({str(traces / name)!r}, 'w').write('imported from the workspace')\nraise SystemExit(97)\n"
        if name in ("github", "incident_kit"):
            (folder / name).mkdir()
            (folder / name / "__init__.py").write_text(code)
        else:
            (folder / f"{name}.py").write_text(code)
    return folder


def test_the_action_never_imports_from_the_workspace(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    # Issue #13: composite steps run in the caller's checkout, first on Python's sys.path unless
    # isolated. The real root action, its real entry point, against the fake API.
    traces = tmp_path / "traces"
    traces.mkdir()
    workspace = hostile_workspace(tmp_path / "ws", traces)
    n = fake.create_issue(REPO, "Checkout down", body(template, video=True), user="alice", labels=["incident"])[
        "number"
    ]
    result = run_action(
        ROOT,
        inputs={"token": TOKEN},
        # PYTHONPATH too, as a job's env: may set it for the repository's own scripts.
        env={"INCIDENT_KIT_PYTHON": sys.executable, "PYTHONPATH": str(workspace)},
        workspace=workspace,
        event_name="issues",
        event={"action": "edited", "issue": {"number": n}, "sender": {"login": "alice"}},
        github={"repository": REPO, "repository_owner": "octo", "api_url": fake.base_url, "token": TOKEN},
        timeout=120,
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert sorted(p.name for p in traces.iterdir()) == []
    assert result.outputs["decision"] == "incident"
    assert [c["body"].startswith(MARKER) for c in fake.comments(REPO, n)] == [True]


def test_the_setup_scripts_never_import_from_the_workspace(tmp_path: Path) -> None:
    # The cache-key step's Python (the fingerprint) from the same hostile checkout, with
    # PYTHONPATH pointing into it as a job's `env:` may well do: a script run by path does not
    # see the working directory, but PYTHONPATH reaches every Python not started with -I.
    import subprocess

    traces = tmp_path / "traces"
    traces.mkdir()
    workspace = hostile_workspace(tmp_path / "ws", traces)
    output = tmp_path / "output"
    output.write_text("")
    env = {k: v for k, v in __import__("os").environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(
        GITHUB_OUTPUT=str(output), GITHUB_ACTION_PATH=str(ROOT / "actions" / "labels"), RUNNER_TEMP=str(tmp_path)
    )
    env["PYTHONPATH"] = str(workspace)
    done = subprocess.run(
        ["bash", str(ROOT / "setup" / "cache-key.sh")],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answers = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert len(answers["fingerprint"]) == 64 and answers["key"].endswith(answers["fingerprint"])
    # A hostile workspace must not have changed the answer either.
    clean = subprocess.run(
        ["bash", str(ROOT / "setup" / "cache-key.sh")],
        cwd=tmp_path,
        env={**env, "GITHUB_OUTPUT": "/dev/stdout"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"fingerprint={answers['fingerprint']}" in clean.stdout
    assert sorted(p.name for p in traces.iterdir()) == []
