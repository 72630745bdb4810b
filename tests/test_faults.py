"""Faults injected into the fake GitHub API: retries that end, and settings that cannot be read.

Every scenario goes through the action's entry point (``incident-kit run``'s
``main``) with real PyGithub talking to the loopback fake, so what is checked is
what a team would see: the exit code, the annotation, the requests GitHub got.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, TOKEN, issue_payload, job
from helpers import VIDEO

from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.github.port import TooManyRetries
from incident_kit.github.rest import GitHubRepository
from incident_kit.github.retry import RetryLimits, give_up
from incident_kit.plan.status import MARKER

SETTINGS = ".github/incident-kit.yml"


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        gh.add_token(TOKEN, BOT)
        gh.add_repo(REPO)
        for login in ("alice", "bob", "carol", "dave"):
            gh.set_permission(REPO, login, "write")
        yield gh


@pytest.fixture()
def body(template: str) -> str:
    text = template.split("---\n", 2)[2].lstrip("\n")
    text = edits.answer(text, "50%", "y")
    text = edits.answer(text, "corrupting", "n")
    text = edits.answer(text, "attack", "n")
    text = edits.set_role(text, "Investigator", "alice", "bob")
    text = edits.set_role(text, "Communicator", "carol")
    text = edits.set_role(text, "Recorder", "dave")
    return edits.attach_video(text, VIDEO)


def run(
    fake: FakeGitHub, tmp: Path, number: int, repo: GitHubRepository | None = None, **kw: object
) -> tuple[int, str, str]:
    j = job(tmp, fake.base_url, payload=issue_payload(number, "alice"), **kw)  # type: ignore[arg-type]
    code = runner.main(j.env, repo=repo)
    return code, j.summary.read_text(), j.output.read_text()


def status_comments(fake: FakeGitHub, number: int) -> list[dict[str, object]]:
    return [c for c in fake.comments(REPO, number) if MARKER in str(c["body"]) and c["user"]["login"] == BOT]


# ---------------------------------------------------------------- retries end


def test_retry_limits_count_attempts_run_retries_and_seconds() -> None:
    limits = RetryLimits(attempts=3, retries=5, wait=10.0)
    assert give_up(limits, attempt=0, run_retries=0, waited=0.0, wait=0.0) is None
    assert give_up(limits, attempt=2, run_retries=0, waited=0.0, wait=0.0) == "gave up after 3 attempts"
    assert (
        give_up(limits, attempt=0, run_retries=5, waited=0.0, wait=0.0) == "gave up: this run already retried 5 times"
    )
    assert give_up(limits, attempt=0, run_retries=0, waited=8.0, wait=3.0) == "gave up after waiting 8 s"
    assert give_up(limits, attempt=1, run_retries=4, waited=7.0, wait=3.0) is None


def test_persistent_429_with_retry_after_zero_ends_after_a_few_attempts(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = fake.create_issue(REPO, "Checkout is down", body, user="alice", labels=["incident"])["number"]
    fault = fake.fault("GET", rf"/issues/{n}$", status=429, headers={"retry-after": "0"}, times=None)
    code, summary, _ = run(fake, tmp_path, n)
    assert code == 1
    printed = capsys.readouterr().out
    assert f"read issue #{n}: GitHub kept failing" in printed and "gave up after 6 attempts" in printed
    assert "Re-run the workflow later" in printed
    assert fault.hits == RetryLimits().attempts == 6
    assert "gave up after 6 attempts" in summary
    assert fake.writes() == []


def test_server_errors_back_off_and_end_after_the_attempt_cap(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    every = fake.fault("GET", rf"/issues/{n}$", status=503, times=None)
    waits: list[float] = []
    repo = GitHubRepository(REPO, TOKEN, api_url=fake.base_url, bot_login=BOT, sleep=waits.append)
    code, summary, _ = run(fake, tmp_path, n, repo=repo)
    assert code == 1
    assert "gave up after 6 attempts" in capsys.readouterr().out
    assert every.hits == 6 and waits == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert summary.count("retrying in") == 5


def test_retries_are_bounded_for_the_whole_run_not_only_per_request(fake: FakeGitHub) -> None:
    n = fake.create_issue(REPO, "x", "body", user="alice")["number"]
    fault = fake.fault("GET", rf"/issues/{n}/comments$", status=429, headers={"retry-after": "0"}, times=None)
    repo = GitHubRepository(REPO, TOKEN, api_url=fake.base_url, bot_login=BOT, sleep=lambda _s: None)
    repo.get_issue(n)
    messages = []
    for _ in range(10):
        with pytest.raises(TooManyRetries) as caught:
            repo.list_comments(n)
        messages.append(str(caught.value))
    # 30 retries in the run: six requests tried 6 times each, then every further one once.
    assert fault.hits == 6 * 6 + 4
    assert all("gave up after 6 attempts" in m for m in messages[:6])
    assert all("this run already retried 30 times" in m for m in messages[6:])


def test_a_lost_comment_answer_is_looked_for_within_the_same_budget(fake: FakeGitHub) -> None:
    """A failed comment POST looks for the comment before posting again, and that look is
    retried too: the whole exchange still ends after a bounded number of requests."""
    n = fake.create_issue(REPO, "x", "body", user="alice")["number"]
    fake.fault(None, rf"/issues/{n}/comments$", status=429, headers={"retry-after": "0"}, times=None)
    repo = GitHubRepository(REPO, TOKEN, api_url=fake.base_url, bot_login=BOT, sleep=lambda _s: None)
    repo.get_issue(n)
    fake.reset_log()
    with pytest.raises(TooManyRetries, match="gave up after 6 attempts"):
        repo.create_comment(n, f"{MARKER}\nstatus")
    limits = RetryLimits()
    assert fake.count("POST") == limits.attempts
    assert len(fake.requests) <= limits.attempts + limits.retries + limits.attempts
    assert repo.stats.retries == limits.retries
    assert fake.comments(REPO, n) == []


def test_502_after_every_successful_write_still_leaves_one_of_each(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    fake.fault("POST", rf"/issues/{n}/comments$", status=502, after_success=True, times=None)
    code, _, outputs = run(fake, tmp_path, n)
    assert code == 0
    assert len(status_comments(fake, n)) == 1
    assert "status-comment-url" in outputs


# ---------------------------------------------------------------- settings that cannot be read


def test_a_missing_settings_file_still_means_the_defaults(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    code, _, _ = run(fake, tmp_path, n)
    assert code == 0
    assert fake.count("GET", r"/contents/\.github/incident-kit\.yml$") == 1


def test_settings_unreadable_on_a_private_repository_stop_the_run(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add_repo("octo/private", private=True)
    fake.set_permission("octo/private", BOT, "write")
    fake.set_permission("octo/private", "alice", "write")
    # The job grants issues: write and forgot contents: read.
    fake.add_token(TOKEN, BOT, permissions={"issues": "write"})
    fake.put_file("octo/private", SETTINGS, "labels:\n  incident: sev\n")
    n = fake.create_issue("octo/private", "x", body, user="alice", labels=["sev"])["number"]
    j = job(tmp_path, fake.base_url, payload=issue_payload(n, "alice"), repo="octo/private")
    assert runner.main(j.env) == 1
    printed = capsys.readouterr().out
    assert "::error title=incident-kit settings::.github/incident-kit.yml: the workflow's token may not read" in printed
    assert "`contents: read`" in printed and "rather than run with the default settings" in printed
    assert "Settings error" in j.summary.read_text()
    # Nothing was done with the default labels (no "incident" label, no status comment).
    assert fake.writes() == []
    assert fake.label_names("octo/private", n) == ["sev"]
    # With the grant, the same run uses the team's label.
    fake.add_token(TOKEN, BOT, permissions={"issues": "write", "contents": "read"})
    j = job(tmp_path / "granted", fake.base_url, payload=issue_payload(n, "alice"), repo="octo/private")
    assert runner.main(j.env) == 0
    assert "incident" not in fake.label_names("octo/private", n)


def test_a_persistent_503_on_the_settings_file_stops_the_run(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    fault = fake.fault("GET", r"/contents/\.github/incident-kit\.yml$", status=503, times=None)
    waits: list[float] = []
    repo = GitHubRepository(REPO, TOKEN, api_url=fake.base_url, bot_login=BOT, sleep=waits.append)
    code, summary, _ = run(fake, tmp_path, n, repo=repo)
    assert code == 1
    printed = capsys.readouterr().out
    assert "the settings file could not be read from GitHub" in printed and "gave up after 6 attempts" in printed
    assert fault.hits == 6 and len(waits) == 5
    assert fake.writes() == [] and "Settings error" in summary


def test_every_request_failing_ends_at_the_first_after_the_attempt_cap(
    fake: FakeGitHub, body: str, tmp_path: Path
) -> None:
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    every = fake.fault(None, r"^/repos/", status=502, times=None)
    repo = GitHubRepository(REPO, TOKEN, api_url=fake.base_url, bot_login=BOT, sleep=lambda _s: None)
    assert run(fake, tmp_path, n, repo=repo)[0] == 1
    assert every.hits == 6


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("labels:\n  incident: 障害\n".encode("shift_jis"), "is not UTF-8 (it looks like Shift_JIS); save it as UTF-8"),
        ("labels:\n  incident: 障害\n".encode("euc_jp"), "is not UTF-8 (it looks like EUC-JP); save it as UTF-8"),
        ("labels:\n  incident: sev\n".encode("utf-16"), "the file is saved as UTF-16; save it as UTF-8"),
        (bytes(range(256)) * 4, "the file holds binary data, not text"),
        (b"\x89PNG\r\n\x1a\n" + bytes([0x93, 0xFA, 0xFF, 0xFE, 0x80]) * 20, "is not UTF-8"),
    ],
    ids=["shift_jis", "euc_jp", "utf16", "binary", "png-ish"],
)
def test_settings_that_are_not_utf8_text_stop_the_run_and_say_how_to_save_them(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    fake.put_file(REPO, SETTINGS, content)
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    code, _, _ = run(fake, tmp_path, n)
    assert code == 1
    printed = capsys.readouterr().out
    assert "::error title=incident-kit settings::.github/incident-kit.yml" in printed and expected in printed
    assert fake.writes() == []


def test_shift_jis_settings_in_the_workspace_name_the_line(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "workspace" / ".github").mkdir(parents=True)
    text = "# 障害対応の設定\nlabels:\n  incident: 障害\n"
    (tmp_path / "workspace" / SETTINGS).write_bytes(text.encode("cp932"))
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["障害"])["number"]
    assert run(fake, tmp_path, n)[0] == 1
    assert ".github/incident-kit.yml:1: the file is not UTF-8 (it looks like Shift_JIS)" in capsys.readouterr().out
    assert fake.writes() == []
    # Saved as UTF-8 (a BOM, as Windows editors add, is fine) the same settings are used.
    (tmp_path / "utf8" / "workspace" / ".github").mkdir(parents=True)
    (tmp_path / "utf8" / "workspace" / SETTINGS).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert run(fake, tmp_path / "utf8", n)[0] == 0
    assert fake.label_names(REPO, n) == ["障害"] and len(status_comments(fake, n)) == 1


def test_weekly_run_stops_on_unreadable_settings(
    fake: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.put_file(REPO, SETTINGS, "weekly:\n  quiet-days: [土曜日]\n".encode("shift_jis"))
    j = job(tmp_path, fake.base_url, event="schedule")
    assert runner.main(j.env) == 1
    assert "(it looks like Shift_JIS)" in capsys.readouterr().out
    assert "Settings error" in j.summary.read_text() and fake.writes() == []
