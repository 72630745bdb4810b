"""The runtime against a stateful fake of GitHub's REST API that PyGithub really talks to.

Each scenario runs ``incident-kit run`` in-process with a runner's environment,
then runs it again to prove the second run writes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, TOKEN, issue_payload, job
from helpers import VIDEO

from incident_kit.basics import markers
from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.plan.status import MARKER

TEAM = {"alice": "write", "bob": "write", "carol": "maintain", "dave": "triage", "erin": "write", "rita": "read"}


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        gh.add_token(TOKEN, BOT)
        gh.add_repo(REPO)
        for login, perm in TEAM.items():
            gh.add_user(login)
            gh.set_permission(REPO, login, perm)
        gh.add_user("mallory")
        yield gh


@pytest.fixture()
def body(template: str) -> str:
    return template.split("---\n", 2)[2].lstrip("\n")


def incident_body(body: str, *, video: bool = True, roles: bool = True) -> str:
    body = edits.answer(body, "50%", "y")
    body = edits.answer(body, "corrupting", "n")
    body = edits.answer(body, "attack", "n")
    if roles:
        body = edits.set_role(body, "Investigator", "alice", "bob")
        body = edits.set_role(body, "Communicator", "carol")
        body = edits.set_role(body, "Recorder", "dave")
    return edits.attach_video(body, VIDEO) if video else body


def run(fake: FakeGitHub, tmp: Path, number: int, sender: str, **kw: object) -> tuple[int, dict[str, str], str]:
    j = job(tmp, fake.base_url, payload=issue_payload(number, sender), **kw)  # type: ignore[arg-type]
    code = runner.main(j.env)
    return code, j.outputs(), j.summary.read_text()


def status_comments(fake: FakeGitHub, number: int) -> list[dict[str, object]]:
    return [c for c in fake.comments(REPO, number) if MARKER in str(c["body"]) and c["user"]["login"] == BOT]


def test_new_report_without_video(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = fake.create_issue(REPO, "Checkout is down", body, user="erin", labels=["incident"])["number"]
    code, out, summary = run(fake, tmp_path / "1", n, "erin")
    assert code == 1  # video.mode require: the step shows red
    assert out["decision"] == "undecided" and out["phase"] == "reported"
    assert out["errors"] == "4"
    assert out["status-comment-url"].startswith("https://github.com/octo/app/issues/1#issuecomment-")
    assert "::error title=incident-kit Video missing::#1: Attach a video" in capsys.readouterr().out
    assert sorted(fake.label_names(REPO, n)) == ["incident", "needs-video"]
    label = next(lab for lab in fake.labels(REPO) if lab["name"] == "needs-video")
    assert label["color"] == "fbca04" and "video" in label["description"]
    [comment] = status_comments(fake, n)
    assert "Incident status: reported" in comment["body"] and "How to attach a video" in comment["body"]
    assert "| undecided | reported | 4 |" in summary
    # The same run again: zero writes.
    fake.reset_log()
    code, out2, _ = run(fake, tmp_path / "2", n, "erin")
    assert code == 1 and fake.writes() == []
    assert out2["status-comment-url"] == out["status-comment-url"]
    assert fake.count() <= 4


def test_declared_incident_assigns_and_labels(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "Checkout is down", incident_body(body), user="erin", labels=["incident"])["number"]
    code, out, _ = run(fake, tmp_path / "1", n, "alice")
    assert code == 0
    assert out["decision"] == "incident" and out["phase"] == "investigating" and out["errors"] == "0"
    issue = fake.issue(REPO, n)
    assert [a["login"] for a in issue["assignees"]] == ["alice", "bob"]
    assert fake.label_names(REPO, n) == ["incident"]
    fake.reset_log()
    assert run(fake, tmp_path / "2", n, "alice")[0] == 0
    assert fake.writes() == []
    # A typical edit when nothing changed: settings file, issue, comments, author permission.
    assert fake.count() == 4


def test_unassignable_investigator_is_a_finding(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    text = edits.set_role(incident_body(body, roles=False), "Investigator", "alice", "ghost")
    n = fake.create_issue(REPO, "x", text, user="alice", labels=["incident"])["number"]
    code, _, summary = run(fake, tmp_path, n, "alice")
    assert code == 0
    assert [a["login"] for a in fake.issue(REPO, n)["assignees"]] == ["alice"]
    assert "assignee-unavailable" in summary and "@ghost cannot be assigned" in str(status_comments(fake, n)[0]["body"])


def test_not_an_incident(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    for q in ("50%", "corrupting", "attack"):
        body = edits.answer(body, q, "n")
    n = fake.create_issue(REPO, "False alarm", body, user="alice", labels=["incident"])["number"]
    code, out, _ = run(fake, tmp_path, n, "alice")
    assert code == 0 and out["decision"] == "not-incident"
    assert fake.label_names(REPO, n) == ["not-incident"]
    assert "not an incident" in str(status_comments(fake, n)[0]["body"])


def test_label_swap_on_announce_resolved_and_never_back(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    text = edits.tick(incident_body(body), "Announce resolving this incident")
    n = fake.create_issue(REPO, "x", text, user="alice", labels=["incident"])["number"]
    run(fake, tmp_path / "1", n, "alice")
    assert fake.label_names(REPO, n) == ["incident-improvement"]
    # Someone unticks the box: incident-kit does not swap back on its own.
    fake.reset_log()
    run(fake, tmp_path / "2", n, "alice")
    assert fake.writes() == []


def test_label_swap_when_closed_as_completed(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(
        REPO, "x", incident_body(body), user="alice", labels=["incident"], state="closed", state_reason="completed"
    )["number"]
    run(fake, tmp_path, n, "alice")
    assert fake.label_names(REPO, n) == ["incident-improvement"]
    m = fake.create_issue(
        REPO, "y", incident_body(body), user="alice", labels=["incident"], state="closed", state_reason="not_planned"
    )["number"]
    run(fake, tmp_path / "m", m, "alice")
    assert fake.label_names(REPO, m) == ["incident"]


def test_outsider_issue_waits_for_a_maintainer(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", incident_body(body), user="mallory", labels=["incident"])["number"]
    code, out, _ = run(fake, tmp_path / "1", n, "mallory")
    assert fake.label_names(REPO, n) == ["incident"]
    assert fake.issue(REPO, n)["assignees"] == []
    [comment] = status_comments(fake, n)
    assert "@mallory, who has no triage access" in str(comment["body"]) and "A maintainer must confirm" in str(
        comment["body"]
    )
    # A read-only collaborator is not enough either (COLLABORATOR can be read-only).
    run(fake, tmp_path / "2", n, "rita")
    assert fake.issue(REPO, n)["assignees"] == []
    # A triager's edit confirms it; later runs triggered by the outsider keep acting.
    run(fake, tmp_path / "3", n, "dave")
    assert [a["login"] for a in fake.issue(REPO, n)["assignees"]] == ["alice", "bob"]
    assert '"confirmed_by":"dave"' in str(status_comments(fake, n)[0]["body"])
    fake.reset_log()
    run(fake, tmp_path / "4", n, "mallory")
    assert fake.writes() == []


def test_strangers_marker_is_not_the_bots_comment(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", incident_body(body), user="alice", labels=["incident"])["number"]
    fake.add_comment(REPO, n, MARKER + "\n" + markers.state('{"confirmed_by":"mallory"}'), user="mallory")
    run(fake, tmp_path, n, "alice")
    comments = fake.comments(REPO, n)
    assert len(comments) == 2 and comments[0]["body"].startswith(MARKER)  # the stranger's is untouched
    assert comments[1]["user"]["login"] == BOT


def test_dry_run_and_write_budget(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", incident_body(body, video=False), user="alice")["number"]
    code, out, summary = run(fake, tmp_path / "dry", n, "alice", inputs={"dry-run": "true"})
    assert fake.writes() == [] and out["decision"] == "incident"
    assert "(dry run)" in summary
    code, _, summary = run(fake, tmp_path / "b1", n, "alice", inputs={"max-writes": "2"})
    assert len(fake.writes()) == 2
    assert "write budget of 2 used up; the next run continues" in summary
    for i in range(5):
        run(fake, tmp_path / f"b{i + 2}", n, "alice", inputs={"max-writes": "2"})
    assert sorted(fake.label_names(REPO, n)) == ["incident", "needs-video"]
    assert len(status_comments(fake, n)) == 1
    fake.reset_log()
    run(fake, tmp_path / "final", n, "alice", inputs={"max-writes": "2"})
    assert fake.writes() == []


def test_502_after_a_successful_post_makes_no_duplicate(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", incident_body(body), user="alice", labels=["incident"])["number"]
    fake.fault("POST", rf"/issues/{n}/comments$", status=502, after_success=True)
    code, out, _ = run(fake, tmp_path, n, "alice")
    assert code == 0
    assert len(status_comments(fake, n)) == 1
    assert out["status-comment-url"].endswith(f"#issuecomment-{status_comments(fake, n)[0]['id']}")


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "1"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()))},
    ],
)
@pytest.mark.parametrize("status", [403, 429])
def test_rate_limits_are_waited_out(
    fake: FakeGitHub, body: str, tmp_path: Path, status: int, headers: dict[str, str]
) -> None:
    n = fake.create_issue(REPO, "x", incident_body(body), user="alice", labels=["incident"])["number"]
    fake.fault("GET", rf"/issues/{n}$", status=status, headers=headers, body={"message": "API rate limit exceeded"})
    started = time.monotonic()
    code, out, summary = run(fake, tmp_path, n, "alice")
    assert code == 0 and out["phase"] == "investigating"
    assert time.monotonic() - started >= 0.9
    assert "retrying in" in summary


def test_connection_reset_and_5xx_are_retried(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", incident_body(body), user="alice", labels=["incident"])["number"]
    fake.fault("GET", rf"/issues/{n}/comments", reset=True)
    fake.fault("GET", rf"/issues/{n}$", status=503)
    code, out, _ = run(fake, tmp_path, n, "alice")
    assert code == 0 and out["decision"] == "incident"
    assert len(status_comments(fake, n)) == 1


def test_gone_issue_ends_cleanly(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = fake.create_issue(REPO, "x", body, user="alice")["number"]
    fake.delete_issue(REPO, n)
    code, out, summary = run(fake, tmp_path, n, "alice")
    assert code == 0 and "no longer exists" in summary
    assert run(fake, tmp_path / "404", 999, "alice")[0] == 0
    assert "::notice title=incident-kit::#999: issue #999 no longer exists" in capsys.readouterr().out


def test_missing_permission_names_the_fix(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = fake.create_issue(REPO, "x", incident_body(body), user="alice", labels=["incident"])["number"]
    fake.fault(
        "POST", rf"/issues/{n}/comments$", status=403, body={"message": "Resource not accessible by integration"}
    )
    code, _, _ = run(fake, tmp_path, n, "alice")
    assert code == 1
    out = capsys.readouterr().out
    assert "Resource not accessible by integration" in out and "permissions: issues: write" in out


def test_gives_up_clearly_after_the_wait_cap(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = fake.create_issue(REPO, "x", body, user="alice")["number"]
    fake.fault("GET", rf"/issues/{n}$", status=429, headers={"retry-after": "3600"}, times=None)
    code, _, _ = run(fake, tmp_path, n, "alice")
    assert code == 1
    assert "gave up after waiting" in capsys.readouterr().out
    fake.clear_faults()


def test_tick_boxes_never_overwrites_a_racing_human_edit(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    (tmp_path / "workspace" / ".github").mkdir(parents=True)
    (tmp_path / "workspace" / ".github" / "incident-kit.yml").write_text("tick-boxes: true\n")
    text = edits.tick(incident_body(body), "Announce resolving this incident")
    n = fake.create_issue(REPO, "x", text, user="alice", labels=["incident"])["number"]
    human = "A person rewrote the body meanwhile"
    fake.add_token("alice-token", "alice")
    # The label write is answered late; a person saves the body while it is in flight.
    fake.fault("POST", rf"/issues/{n}/labels$", status=None, delay=1.0)

    def person() -> None:
        while fake.count("POST", rf"/issues/{n}/labels$") == 0 and fake.count("POST", "/labels$") == 0:
            time.sleep(0.01)
        import github

        gh = github.Github(base_url=fake.base_url, auth=github.Auth.Token("alice-token"), retry=None)
        gh.get_repo(REPO).get_issue(n).edit(body=human)

    t = threading.Thread(target=person)
    t.start()
    job_env = job(tmp_path, fake.base_url, payload=issue_payload(n, "alice"))
    runner.main(job_env.env)
    t.join(10)
    assert fake.issue(REPO, n)["body"] == human
    assert "boxes were not ticked" in job_env.summary.read_text()
    # With nobody racing, the bot ticks the label boxes it fulfilled (and only those).
    m = fake.create_issue(REPO, "y", text.replace("\n", "\r\n"), user="alice", labels=["incident"])["number"]
    job2 = job(tmp_path, fake.base_url, payload=issue_payload(m, "alice"))
    runner.main(job2.env)
    ticked = fake.issue(REPO, m)["body"]
    assert '- [x] Remove "incident" label\r\n' in ticked and '- [x] Put "incident-improvement" label' in ticked
    assert ticked.replace("[x]", "[ ]") == text.replace("\n", "\r\n").replace("[x]", "[ ]")


@pytest.mark.parametrize("landed", [True, False], ids=["502-after-the-write", "502-before-the-write"])
def test_tick_boxes_retry_after_a_502_never_erases_an_edit_made_in_between(
    fake: FakeGitHub, body: str, tmp_path: Path, landed: bool
) -> None:
    """Issue #13: the body PATCH is answered 502 (after or before GitHub applied it), and a person saves
    the body before the answer arrives. The retry re-reads the body and keeps the person's edit."""
    (tmp_path / "workspace" / ".github").mkdir(parents=True)
    (tmp_path / "workspace" / ".github" / "incident-kit.yml").write_text("tick-boxes: true\n")
    text = edits.tick(incident_body(body), "Announce resolving this incident")
    n = fake.create_issue(REPO, "x", text, user="alice", labels=["incident"])["number"]
    human = text + "\n\nA person added this line while the bot's write was in flight.\n"
    fake.add_token("alice-token", "alice")
    fake.fault("PATCH", rf"/issues/{n}$", status=502, after_success=landed, delay=1.0)

    def person() -> None:
        while fake.count("PATCH", rf"/issues/{n}$") == 0:
            time.sleep(0.01)
        import github

        gh = github.Github(base_url=fake.base_url, auth=github.Auth.Token("alice-token"), retry=None)
        gh.get_repo(REPO).get_issue(n).edit(body=human)

    t = threading.Thread(target=person)
    t.start()
    job_env = job(tmp_path, fake.base_url, payload=issue_payload(n, "alice"))
    code = runner.main(job_env.env)
    t.join(10)
    assert code == 0
    assert fake.issue(REPO, n)["body"] == human  # the person's edit is there, not the bot's old ticks
    bot_patches = [r for r in fake.requests if r.method == "PATCH" and r.path.endswith(f"/issues/{n}")]
    assert len(bot_patches) == 2  # the bot's one (answered 502) and the person's: the bot sent none again
    assert "person's edit was kept" in job_env.summary.read_text()
    # The run the person's edit starts ticks the boxes on their body, keeping their line.
    job2 = job(tmp_path, fake.base_url, payload=issue_payload(n, "alice"))
    assert runner.main(job2.env) == 0
    after = fake.issue(REPO, n)["body"]
    assert "A person added this line" in after and '- [x] Remove "incident" label' in after


def test_every_request_fits_githubs_openapi(fake: FakeGitHub, body: str, tmp_path: Path, shared: Path) -> None:
    from fakegithub.openapi_check import check_requests

    n = fake.create_issue(REPO, "x", incident_body(body, video=False), user="mallory", labels=["incident"])["number"]
    run(fake, tmp_path / "1", n, "mallory")
    run(fake, tmp_path / "2", n, "carol")
    text = edits.tick(incident_body(body), "Announce resolving this incident")
    m = fake.create_issue(REPO, "y", text, user="alice", labels=["incident"])["number"]
    run(fake, tmp_path / "3", m, "alice")
    assert fake.writes()
    assert check_requests(fake.requests) == []


def test_adversarial_titles_and_bodies(
    fake: FakeGitHub, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nasty = 'a"; ls $GITHUB_WORKSPACE" $(id) `id` ${{ github.token }} <script>alert(1)</script>'
    text = incident_body(body).replace("Decide roles / 1min", "Decide roles / 1min\n::error::spoof\n::add-mask::x")
    text = edits.set_action_item(text, "Root problem", nasty + " be careful")
    n = fake.create_issue(REPO, nasty, text, user="alice", labels=["incident"])["number"]
    code, out, summary = run(fake, tmp_path, n, "alice")
    printed = capsys.readouterr().out
    assert "::error::spoof" not in printed
    assert all(line.startswith(("::", "incident-kit:")) or not line.startswith("::") for line in printed.splitlines())
    comment = str(status_comments(fake, n)[0]["body"])
    assert "<script>" not in comment and "&lt;script&gt;" in comment
    assert "<script>" not in summary
