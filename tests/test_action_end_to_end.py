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
