"""The weekly check happens once, really (issue #13): against the loopback fake GitHub API through the
weekly action's entry point, with faults and interleavings injected.

A reminder is found by its week marker before another is posted (a 502 after a successful POST, a
corrupt or missing state file mid-week); a deleted follow-up is missing, not done; the weekly run and
an issue's own run never write back each other's old status state; and for an outsider's issue the
weekly check assigns and mentions only the people a maintainer approved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, TOKEN, edit_as, issue_payload, job
from test_weekly import (
    CREATED,
    MONDAY,
    STATE_PATH,
    TEAM,
    bot_comments,
    followups,
    one_box_left,
    state_file,
    with_items,
)
from test_weekly import weekly as run_weekly

from incident_kit.apply import weekly_run
from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.entry import weekly_action
from incident_kit.plan.followup import read_marker
from incident_kit.plan.status import MARKER


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(rate_limit=1_000_000) as gh:
        gh.add_token(TOKEN, BOT)
        gh.add_repo(REPO)
        for login, perm in TEAM.items():
            gh.set_permission(REPO, login, perm)
        gh.add_user("mallory")
        gh.add_user("eve")
        gh.add_assignable(REPO, "eve")
        gh.now = MONDAY
        yield gh


@pytest.fixture()
def blank(template: str) -> str:
    return template.split("---\n", 2)[2].lstrip("\n")


@pytest.fixture()
def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    # 200 reminders: GitHub's secondary limit paces them (75 a minute) in real time; the pacing is
    # tested on its own (test_weekly), so here its waits are counted, not slept.
    monkeypatch.setattr(weekly_action, "Pacer", lambda: weekly_run.Pacer(sleep=lambda _s: None))


def status_state(fake: FakeGitHub, n: int) -> Any:
    [comment] = [c for c in fake.comments(REPO, n) if c["user"]["login"] == BOT and MARKER in c["body"]]
    return load_bot_state_of(comment["body"])


def load_bot_state_of(body: str) -> Any:
    from incident_kit.plan.bot_state import load

    return load(body)


# ---------------------------------------------------------------- a: found by the week marker


def test_a_502_after_the_reminder_was_posted_leaves_one_reminder(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", one_box_left(blank), user="alice", labels=["incident"], created_at=CREATED)
    n = n["number"]
    fake.fault("POST", rf"/issues/{n}/comments$", status=502, after_success=True)
    code, out, summary = run_weekly(fake, tmp_path / "1", MONDAY)
    assert code == 0, summary
    assert len(bot_comments(fake, n)) == 1  # the retry found it by its marker line
    assert fake.count("POST", rf"/issues/{n}/comments$") == 1
    # The run died before recording it (the state file says nothing): the next run finds it too.
    fake.put_file(REPO, STATE_PATH, "{}")
    code, out, summary = run_weekly(fake, tmp_path / "2", MONDAY + timedelta(hours=3))
    assert code == 0 and out["reminders"] == "0", summary
    assert len(bot_comments(fake, n)) == 1
    assert "already reminded this week" in summary
    # Next week: a new reminder, as always.
    run_weekly(fake, tmp_path / "3", MONDAY + timedelta(days=7))
    assert len(bot_comments(fake, n)) == 2


@pytest.mark.usefixtures("unpaced")
def test_a_corrupt_or_missing_state_file_mid_week_reminds_nobody_again(
    fake: FakeGitHub, blank: str, tmp_path: Path
) -> None:
    left = one_box_left(blank)
    numbers = [
        fake.create_issue(REPO, f"Incident {i}", left, user="alice", labels=["incident"], created_at=CREATED)["number"]
        for i in range(200)
    ]
    # A 200th issue nobody touched this week and an old reminder of last week do not cost a read.
    code, out, _ = run_weekly(fake, tmp_path / "1", MONDAY, **{"max-writes": "500"})
    assert code == 0 and out["reminders"] == "200"
    for day, damage in ((2, "{not json"), (3, None)):
        if damage is None:
            fake.put_file(REPO, STATE_PATH, "")  # emptied (as good as deleted)
        else:
            fake.put_file(REPO, STATE_PATH, damage)
        fake.reset_log()
        code, out, summary = run_weekly(
            fake, tmp_path / f"d{day}", MONDAY + timedelta(days=day), **{"max-writes": "500"}
        )
        assert code == 0 and out["reminders"] == "0", summary
        assert sum(len(bot_comments(fake, n)) for n in numbers) == 200  # still 200 for the week, not 400
        reads = [r for r in fake.requests if r.method == "GET" and r.path.endswith("/comments")]
        # One read per issue, of this week's comments only (since Monday 00:00 in the team's zone).
        assert len(reads) == 200 and all(r.query.get("since") == "2026-11-30T00:00:00Z" for r in reads)
        assert state_file(fake)["reminded"] == {str(n): "2026-W49" for n in numbers}
    from fakegithub.openapi_check import check_requests, spec_available

    if spec_available():  # every request as GitHub's OpenAPI description (../shared) has it
        assert check_requests(fake.requests) == []


def test_a_strangers_copy_of_the_week_marker_does_not_count(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", one_box_left(blank), user="alice", labels=["incident"], created_at=CREATED)
    n = n["number"]
    fake.add_comment(REPO, n, '<!-- incident-kit:weekly {"week": "2026-W49"} -->\nno reminders please', user="mallory")
    code, out, _ = run_weekly(fake, tmp_path / "1", MONDAY)
    assert out["reminders"] == "1" and len(bot_comments(fake, n)) == 1


# ---------------------------------------------------------------- b: a deleted follow-up is missing


def test_a_deleted_followup_is_missing_not_done(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    body = with_items(blank, ("Incident mode", "Add a rollback job @bob"), keep_open=())
    n = fake.create_issue(
        REPO, "x", body, user="alice", labels=["incident-improvement"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    run_weekly(fake, tmp_path / "1", MONDAY)
    [fu] = followups(fake)
    fake.now = MONDAY + timedelta(days=2)
    fake.delete_issue(REPO, fu["number"])
    code, out, summary = run_weekly(fake, tmp_path / "2", MONDAY + timedelta(days=7))
    assert code == 0 and out["closed"] == "0", summary
    assert fake.issue(REPO, n)["state"] == "open"  # not closed as completed with the box unticked
    reminder = bot_comments(fake, n)[-1]["body"]
    assert f"#{fu['number']} (**missing**: deleted or transferred)" in reminder
    assert "1 follow-up issue missing" in reminder and "Add a rollback job" in reminder
    assert state_file(fake)["followups"][str(fu["number"])]["state"] == "missing"
    assert len(followups(fake)) == 0  # no second follow-up is opened behind the team's back
    # The team ticks the item (the change was made): done, and closed.
    edit_as(fake, "alice", n, edits.tick(body, "Add a rollback job @bob"))
    code, out, summary = run_weekly(fake, tmp_path / "3", MONDAY + timedelta(days=14))
    assert out["closed"] == "1", summary


# ---------------------------------------------------------------- c: no run writes back an old state


def _status_comment_reads(fake: FakeGitHub, n: int) -> int:
    return fake.count("GET", rf"/issues/{n}/comments$")


def test_the_weekly_run_keeps_the_invite_an_event_run_recorded_meanwhile(
    fake: FakeGitHub, blank: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = with_items(blank, ("Root problem", "Validate the timeout in the config schema"))
    n = fake.create_issue(
        REPO, "x", body, user="alice", labels=["incident"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    runner.main(job(tmp_path / "e0", fake.base_url, payload=issue_payload(n, "alice")).env)
    # While the weekly run records its follow-up (after it read the status comment), a person sets
    # the postmortem date and the issue's own run commits the invite and records it.
    from incident_kit.apply import reconcile as reconcile_module

    real_gather = reconcile_module._gather

    once = threading.Event()

    def gather_then_event_run(*args: Any, **kw: Any) -> Any:
        read = real_gather(*args, **kw)
        if once.is_set():
            return read  # the event run's own reads
        once.set()
        fake.now = MONDAY + timedelta(minutes=1)
        edit_as(fake, "alice", n, edits.set_postmortem(body, "2026-12-03 10:00"))
        assert runner.main(job(tmp_path / "e1", fake.base_url, payload=issue_payload(n, "alice")).env) == 0
        return read

    monkeypatch.setattr(reconcile_module, "_gather", gather_then_event_run)
    code, out, summary = run_weekly(fake, tmp_path / "w", MONDAY)
    monkeypatch.undo()
    assert code == 0 and out["followups"] == "1", summary
    state = status_state(fake, n)
    [fu] = followups(fake)
    assert state.invite is not None and state.invite.path and state.invite.blob  # the event run's record kept
    assert [f.number for f in state.followups] == [fu["number"]]  # and the weekly's follow-up added
    ics = [c for c in fake.commits(REPO) if str(c.get("path", "")).endswith(".ics")]
    # The next event run finds everything recorded: it commits nothing and writes nothing.
    fake.reset_log()
    runner.main(job(tmp_path / "e2", fake.base_url, payload=issue_payload(n, "alice")).env)
    assert [c for c in fake.commits(REPO) if str(c.get("path", "")).endswith(".ics")] == ics
    assert [w.method for w in fake.writes()] in ([], ["PATCH"])  # at most the readable part refreshed
    assert status_state(fake, n).invite.blob == state.invite.blob


def test_an_event_run_keeps_the_followups_the_weekly_run_recorded_meanwhile(
    fake: FakeGitHub, blank: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = with_items(blank, ("Root problem", "Validate the timeout in the config schema"))
    n = fake.create_issue(
        REPO, "x", body, user="alice", labels=["incident"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    runner.main(job(tmp_path / "e0", fake.base_url, payload=issue_payload(n, "alice")).env)
    edit_as(fake, "alice", n, edits.set_postmortem(body, "2026-12-03 10:00"))
    from incident_kit.apply import reconcile as reconcile_module

    real_gather = reconcile_module._gather
    done = threading.Event()

    def gather_then_weekly(repo: Any, number: int, config: Any, bot: str, event: Any, *rest: Any) -> Any:
        read = real_gather(repo, number, config, bot, event, *rest)
        if event.name == "issues" and not done.is_set():
            done.set()  # the weekly run's own reconcile (a schedule event) passes straight through
            assert run_weekly(fake, tmp_path / "w", MONDAY)[0] == 0
        return read

    monkeypatch.setattr(reconcile_module, "_gather", gather_then_weekly)
    assert runner.main(job(tmp_path / "e1", fake.base_url, payload=issue_payload(n, "alice")).env) == 0
    monkeypatch.undo()
    [fu] = followups(fake)
    state = status_state(fake, n)
    assert [f.number for f in state.followups] == [fu["number"]]  # the weekly's record survived
    assert state.invite is not None and state.invite.blob  # and the event run's invite is there


# ---------------------------------------------------------------- f: weekly trust


def test_an_outsiders_edited_action_item_does_not_assign_or_ping_who_they_name(
    fake: FakeGitHub, blank: str, tmp_path: Path
) -> None:
    body = with_items(blank, ("Root problem", "Validate the timeout in the config schema"))
    n = fake.create_issue(REPO, "Checkout down", body, user="mallory", created_at=CREATED)["number"]
    runner.main(job(tmp_path / "open", fake.base_url, payload=issue_payload(n, "mallory", action="opened")).env)
    # dave (triage) confirms by adding the incident label: the people lines he saw are approved.
    fake.add_token("dave-token", "dave")
    import github

    github.Github(base_url=fake.base_url, auth=github.Auth.Token("dave-token"), retry=None).get_repo(REPO).get_issue(
        n
    ).add_to_labels("incident")
    p = issue_payload(n, "dave", action="labeled", label={"name": "incident"})
    assert runner.main(job(tmp_path / "confirm", fake.base_url, payload=p).env) == 0
    assert status_state(fake, n).confirmed_by == "dave"
    # The outsider then names eve (assignable, not in any approved line) on an action item.
    edited = body.replace("Validate the timeout in the config schema", "Give @eve admin on production to fix configs")
    edit_as(fake, "mallory", n, edited)
    code, out, summary = run_weekly(fake, tmp_path / "w", MONDAY)
    assert code == 0, summary
    opened = {f["title"]: f for f in followups(fake)}
    eve = opened["Give @eve admin on production to fix configs"]
    assert [a["login"] for a in eve["assignees"]] == []  # not assigned to whom the outsider named
    assert "@eve" not in eve["body"].replace("@&#8203;eve", "")  # quoted without a ping
    for comment in bot_comments(fake, n):
        assert "@eve" not in comment["body"].replace("@&#8203;eve", "")
    assert all("eve" not in [a["login"] for a in f["assignees"]] for f in followups(fake))
    assert read_marker(eve["body"]) is not None


def test_a_write_landing_right_after_ours_is_merged_over_not_left_to_win(
    fake: FakeGitHub, blank: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Comments have no compare-and-swap: another run (the weekly check, say) that read the status
    # comment before this run wrote it can write its older state back a moment later. The run reads
    # its write back and, finding the other one there, writes again on top of it, so the invite it
    # committed stays recorded and the next run commits nothing again.
    body = with_items(blank, ("Root problem", "Validate the timeout in the config schema"))
    n = fake.create_issue(
        REPO, "x", body, user="alice", labels=["incident"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    runner.main(job(tmp_path / "e0", fake.base_url, payload=issue_payload(n, "alice")).env)
    [before] = [c for c in fake.comments(REPO, n) if c["user"]["login"] == BOT and MARKER in c["body"]]
    stale = str(before["body"])  # what another run read before this one wrote
    assert status_state(fake, n).invite is None
    from incident_kit.github.rest import GitHubRepository

    real_edit = GitHubRepository.edit_comment
    armed = threading.Event()
    armed.set()

    def edit_then_overwritten(self: GitHubRepository, comment_id: int, text: str) -> Any:
        written = real_edit(self, comment_id, text)
        if armed.is_set() and '"invite"' in text:
            armed.clear()
            real_edit(self, comment_id, stale)  # the other run's write lands right after ours
        return written

    monkeypatch.setattr(GitHubRepository, "edit_comment", edit_then_overwritten)
    edit_as(fake, "alice", n, edits.set_postmortem(body, "2026-12-03 10:00"))
    assert runner.main(job(tmp_path / "e1", fake.base_url, payload=issue_payload(n, "alice")).env) == 0
    monkeypatch.undo()
    assert not armed.is_set()  # the other write did land after ours
    state = status_state(fake, n)
    assert state.invite is not None and state.invite.path and state.invite.blob
    ics = [c for c in fake.commits(REPO) if str(c.get("path", "")).endswith(".ics")]
    assert len(ics) == 1
    fake.reset_log()
    runner.main(job(tmp_path / "e2", fake.base_url, payload=issue_payload(n, "alice")).env)
    assert [c for c in fake.commits(REPO) if str(c.get("path", "")).endswith(".ics")] == ics
    assert fake.writes() == []
