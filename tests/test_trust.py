"""Trust that cannot be borrowed (issue #13, item 1), through the action entry point against the fake API.

Only a maintainer adding the ``incident`` label or editing the body confirms an outsider's issue.
After that, who is assigned, invited or told comes from the version of the roles and attendees
lines a trusted person wrote or approved; an outsider's later edits to them wait. Nothing is
committed or sent for an issue closed as not planned or as a duplicate. Permission and
assignability lookups are bounded per issue and run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import github
import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, TOKEN, issue_payload, job
from helpers import VIDEO

from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.plan.bot_state import load
from incident_kit.plan.status import MARKER
from incident_kit.plan.trust import MAX_LOOKUPS

TEAM = {"alice": "write", "bob": "write", "carol": "maintain", "dave": "triage", "rita": "read"}


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        gh.add_token(TOKEN, BOT)
        gh.add_repo(REPO)
        for login, perm in TEAM.items():
            gh.add_user(login)
            gh.set_permission(REPO, login, perm)
        for login in ("mallory", "eve"):
            gh.add_user(login)
        yield gh


@pytest.fixture()
def body(template: str) -> str:
    return template.split("---\n", 2)[2].lstrip("\n")


def spam(body: str, *investigators: str) -> str:
    body = edits.answer(body, "50%", "y")
    body = edits.answer(body, "corrupting", "n")
    body = edits.answer(body, "attack", "n")
    body = edits.set_role(body, "Investigator", *(investigators or ("alice",)))
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    return edits.attach_video(body, VIDEO)


def as_user(fake: FakeGitHub, login: str) -> Any:
    """The repository through PyGithub with ``login``'s own token (a person acting in the web UI)."""
    fake.add_token(f"{login}-token", login)
    return github.Github(base_url=fake.base_url, auth=github.Auth.Token(f"{login}-token"), retry=None).get_repo(REPO)


def run(
    fake: FakeGitHub, tmp: Path, number: int, sender: str, event: str = "issues", **payload: Any
) -> tuple[int, dict[str, str]]:
    payload.setdefault("action", "edited")
    p = {**issue_payload(number, sender, **payload)}
    j = job(tmp, fake.base_url, event=event, payload=p)
    code = runner.main(j.env)
    return code, j.outputs()


def status(fake: FakeGitHub, number: int) -> str:
    [comment] = [c for c in fake.comments(REPO, number) if MARKER in str(c["body"]) and c["user"]["login"] == BOT]
    return str(comment["body"])


def assignees(fake: FakeGitHub, number: int) -> list[str]:
    return sorted(a["login"] for a in fake.issue(REPO, number)["assignees"])


def test_a_maintainers_comment_close_or_other_label_does_not_confirm(
    fake: FakeGitHub, body: str, tmp_path: Path
) -> None:
    n = fake.create_issue(REPO, "Buy followers", spam(body, "mallory"), user="mallory", labels=["incident"])["number"]
    run(fake, tmp_path / "open", n, "mallory", action="opened")
    fake.add_comment(REPO, n, "This looks like spam, ignoring.", user="carol")
    run(fake, tmp_path / "comment", n, "carol", event="issue_comment", action="created")
    as_user(fake, "carol").get_issue(n).add_to_labels("question")
    run(fake, tmp_path / "label", n, "carol", action="labeled", label={"name": "question"})
    assert assignees(fake, n) == [] and "A maintainer must confirm" in status(fake, n)
    assert load(status(fake, n)).confirmed_by is None
    as_user(fake, "carol").get_issue(n).edit(state="closed", state_reason="not_planned")
    run(fake, tmp_path / "close", n, "carol", action="closed")
    assert assignees(fake, n) == [] and load(status(fake, n)).confirmed_by is None
    assert fake.count("PUT", r"/contents/") == 0  # no PDF of the spam on the default branch


def test_adding_the_incident_label_confirms_and_later_outsider_edits_to_people_wait(
    fake: FakeGitHub, body: str, tmp_path: Path
) -> None:
    n = fake.create_issue(REPO, "Checkout down", spam(body, "alice"), user="mallory")["number"]
    run(fake, tmp_path / "open", n, "mallory", action="opened")
    assert assignees(fake, n) == []
    as_user(fake, "dave").get_issue(n).add_to_labels("incident")
    run(fake, tmp_path / "confirm", n, "dave", action="labeled", label={"name": "incident"})
    assert assignees(fake, n) == ["alice"]
    state = load(status(fake, n))
    assert state.confirmed_by == "dave" and state.people is not None
    assert state.people["roles"]["investigator"] == ["alice"] and state.people["by"] == "dave"
    # The outsider now names other people: nobody new is assigned, the status says what waits.
    as_user(fake, "mallory").get_issue(n).edit(body=spam(body, "alice", "bob", "carol"))
    run(fake, tmp_path / "steer", n, "mallory")
    assert assignees(fake, n) == ["alice"]
    text = status(fake, n)
    assert "Waiting for a maintainer: @mallory" in text and "Investigator line(s)" in text
    assert "Investigator: @alice;" in text
    fake.reset_log()
    run(fake, tmp_path / "again", n, "mallory")
    assert fake.writes() == []  # running twice changes nothing
    # A maintainer's edit approves the lines as they are.
    as_user(fake, "carol").get_issue(n).edit(body=spam(body, "alice", "bob", "carol") + "\n")
    run(fake, tmp_path / "approve", n, "carol", changes={"body": {"from": "x"}})
    assert assignees(fake, n) == ["alice", "bob", "carol"]
    assert "Waiting for a maintainer" not in status(fake, n)
    assert load(status(fake, n)).people["by"] == "carol"  # type: ignore[index]


def test_a_maintainers_title_edit_does_not_confirm(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", spam(body), user="mallory", labels=["incident"])["number"]
    as_user(fake, "carol").get_issue(n).edit(title="Spam?")
    run(fake, tmp_path / "t", n, "carol", changes={"title": {"from": "x"}})
    assert assignees(fake, n) == [] and load(status(fake, n)).confirmed_by is None
    run(fake, tmp_path / "b", n, "carol", changes={})  # "changes": {} may be a body edit: it confirms
    assert assignees(fake, n) == ["alice"]


def test_nothing_committed_or_sent_for_an_issue_closed_as_not_planned(
    fake: FakeGitHub, body: str, tmp_path: Path
) -> None:
    for reason in ("not_planned", "duplicate"):
        text = edits.set_postmortem(spam(body), "2026-12-01 10:00")
        n = fake.create_issue(REPO, "x", text, user="alice", labels=["incident"], state="closed", state_reason=reason)[
            "number"
        ]
        run(fake, tmp_path / reason, n, "alice", action="closed")
        assert fake.count("PUT", r"/contents/") == 0
        assert f"Closed as {reason}: incident-kit commits no invite or report" in status(fake, n)
    # The same issue closed as completed does get its invite and report.
    n = fake.create_issue(
        REPO, "y", edits.set_postmortem(spam(body), "2026-12-01 10:00"), user="alice", labels=["incident"]
    )["number"]
    as_user(fake, "alice").get_issue(n).edit(state="closed", state_reason="completed")
    run(fake, tmp_path / "done", n, "alice", action="closed")
    assert fake.count("PUT", r"/contents/") >= 1


def test_sixty_outsider_announcements_cost_a_bounded_number_of_lookups(
    fake: FakeGitHub, body: str, tmp_path: Path
) -> None:
    n = fake.create_issue(REPO, "x", spam(body), user="alice", labels=["incident"])["number"]
    for i in range(60):
        login = f"outsider{i}"
        fake.add_user(login)
        fake.add_comment(REPO, n, f"Announcement: buy cheap followers at example.com #{i}", user=login)
    settings = tmp_path / "r1" / "workspace" / ".github" / "incident-kit.yml"
    for k in range(3):
        path = tmp_path / f"r{k}" / "workspace" / ".github" / "incident-kit.yml"
        path.parent.mkdir(parents=True)
        path.write_text("notify:\n  email:\n    from: incidents@example.com\n    host: 127.0.0.1\n", encoding="utf-8")
    assert settings.exists()
    for k in range(3):
        fake.reset_log()
        j = job(tmp_path / f"r{k}", fake.base_url, payload=issue_payload(n, "alice"), inputs={"dry-run": "true"})
        runner.main(j.env)
        lookups = fake.count("GET", r"/collaborators/[^/]+/permission")
        assert lookups <= MAX_LOOKUPS + 2, lookups  # the author's, the sender's, and at most 10 announcers


def test_a_thousand_investigators_cost_at_most_ten_checks(fake: FakeGitHub, body: str, tmp_path: Path) -> None:
    handles = [f"user{i}" for i in range(1000)]
    n = fake.create_issue(REPO, "x", spam(body, *handles), user="alice", labels=["incident"])["number"]
    fake.reset_log()
    code, _ = run(fake, tmp_path, n, "alice")
    checks = fake.count("GET", r"/assignees/")
    assert checks <= MAX_LOOKUPS, checks
    text = status(fake, n)
    assert "1000 investigators not assigned yet" in text and f"at most {MAX_LOOKUPS} per run" in text
    assert len(text) <= 65_536
    assert json.dumps(load(text).view())  # the state still reads back
