"""The report step in the runtime: when a PDF is due, committed once, versioned in git history,
linked from the status comment, attached to the run when the branch refuses it; and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, issue_payload, job, team_repo
from helpers import VIDEO

from incident_kit.body import edits
from incident_kit.entry import action as runner

ROOT = Path(__file__).resolve().parents[1]
JAPANESE = "決済ページが全ユーザーで500エラーを返した"


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with team_repo() as gh:
        yield gh


def incident(template: str) -> str:
    body = template.split("---\n", 2)[2]
    body = edits.answer(body, "50%", "y")
    body = edits.set_role(body, "Investigator", "alice")
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    body = edits.fill_field(body, "Where is", JAPANESE)
    return edits.attach_video(body, VIDEO)


def run(fake: FakeGitHub, tmp: Path, n: int, **kw: object) -> tuple[int, dict[str, str], str]:
    j = job(tmp, fake.base_url, payload=issue_payload(n, "alice"), **kw)  # type: ignore[arg-type]
    j.env["RUNNER_TEMP"] = str(tmp / "runner-temp")
    code = runner.main(j.env)
    return code, j.outputs(), j.summary.read_text()


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def report_commits(fake: FakeGitHub, path: str) -> list[dict[str, object]]:
    return [c for c in fake.commits(REPO) if c.get("path") == path]


def test_no_report_until_one_is_due(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "Checkout is down", incident(template), user="alice", labels=["incident"])["number"]
    code, out, _ = run(fake, tmp_path, n)
    assert code == 0 and out["pdf-path"] == ""
    assert not [c for c in fake.commits(REPO) if str(c.get("path", "")).endswith(".pdf")]


def test_ticking_the_box_commits_once_and_new_versions_keep_history(
    fake: FakeGitHub, template: str, tmp_path: Path
) -> None:
    body = edits.tick(incident(template), "Output pdf of this issue")
    n = fake.create_issue(REPO, "Checkout is down", body, user="alice", labels=["incident"])["number"]
    fake.add_comment(REPO, n, "Rolled back at 09:41, errors stopped.", user="bob")
    code, out, _ = run(fake, tmp_path / "1", n)
    path = out["pdf-path"]
    assert code == 0 and path.startswith("incidents/2026/1-checkout-is-down") and path.endswith(".pdf")
    data = fake.file(REPO, path)
    assert data is not None and data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Checkout is down" in text and JAPANESE in text and "Rolled back at 09:41" in text
    status = next(str(c["body"]) for c in fake.comments(REPO, n) if c["user"]["login"] == BOT)
    assert f"/blob/main/{path}" in status
    assert len(report_commits(fake, path)) == 1
    # Nothing changed: no render, no commit, no write at all.
    fake.reset_log()
    run(fake, tmp_path / "2", n)
    assert fake.writes() == [] and len(report_commits(fake, path)) == 1
    # A new comment: a new version at the same path; the old one stays in git history.
    fake.add_comment(REPO, n, "Root cause found: a zero timeout.", user="alice")
    run(fake, tmp_path / "3", n)
    assert len(report_commits(fake, path)) == 2
    assert "Root cause found" in pdf_text(fake.file(REPO, path) or b"")


@pytest.mark.parametrize("how", ["swap", "closed"])
def test_label_swap_or_closing_makes_a_report(fake: FakeGitHub, template: str, tmp_path: Path, how: str) -> None:
    body = incident(template)
    if how == "swap":
        body = edits.tick(body, "Announce resolving this incident")
        n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    else:
        n = fake.create_issue(
            REPO, "x", body, user="alice", labels=["incident"], state="closed", state_reason="completed"
        )["number"]
    code, out, _ = run(fake, tmp_path, n)
    assert out["pdf-path"] and fake.file(REPO, out["pdf-path"]) is not None


def test_workflow_dispatch_asks_for_a_report(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", incident(template), user="alice", labels=["incident"])["number"]
    j = job(
        tmp_path,
        fake.base_url,
        event="workflow_dispatch",
        payload={"inputs": {"issue-number": str(n)}, "sender": {"login": "alice"}},
    )
    assert runner.main(j.env) == 0
    assert j.outputs()["pdf-path"]


def test_protected_branch_fails_clearly_and_keeps_the_pdf(
    fake: FakeGitHub, template: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.protect_branch(REPO, "main")
    body = edits.tick(incident(template), "Output pdf of this issue")
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    code, out, _ = run(fake, tmp_path, n)
    assert code == 1
    printed = capsys.readouterr().out
    assert "report.branch" in printed and "Report not committed" in printed
    artifact = Path(out["report-artifact"])
    assert artifact.is_file() and artifact.read_bytes().startswith(b"%PDF")
    assert str(artifact).startswith(str(tmp_path / "runner-temp"))


def test_a_commit_racing_ours_is_retried(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    body = edits.tick(incident(template), "Output pdf of this issue")
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    fake.fault("PUT", r"\.pdf$", status=409, body={"message": "is at abc but expected def"})
    code, out, _ = run(fake, tmp_path, n)
    assert code == 0 and (fake.file(REPO, out["pdf-path"]) or b"").startswith(b"%PDF")


def test_cli_report_with_comments(template: str, tmp_path: Path) -> None:
    body = tmp_path / "issue.md"
    body.write_text(incident(template), encoding="utf-8")
    comments = tmp_path / "comments.json"
    comments.write_text(
        json.dumps(
            [
                {
                    "user": {"login": "bob"},
                    "created_at": "2026-11-20T09:41:00Z",
                    "body": "First aid **done**: rolled back.",
                },
            ]
        )
    )
    out = tmp_path / "r.pdf"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "incident_kit",
            "report",
            str(body),
            "--comments",
            str(comments),
            "--title",
            "Checkout",
            "--out",
            str(out),
            "--created-at",
            "2026-11-20T09:00:00Z",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    text = pdf_text(out.read_bytes())
    assert "First aid" in text and "rolled back" in text and "bob" in text and JAPANESE in text
    bad = subprocess.run(
        [sys.executable, "-m", "incident_kit", "report", str(body), "--comments", str(body)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "JSON" in bad.stderr
