"""The recorded timeline and response figures, driven by real ``issues.edited`` payload shapes
replayed through the loopback fake GitHub API."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, edit_as, job, team_repo
from helpers import VIDEO

from incident_kit.basics import markers
from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.github.port import CommentData
from incident_kit.plan.status import MARKER, read_state

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with team_repo(("alice", "bob", "carol", "dave", "erin"), outsiders=("mallory",)) as gh:
        yield gh


def edited_payload(shared: Path | None, number: int, sender: str, at: datetime, previous: str | None) -> dict[str, Any]:
    """A real issues.edited payload (octokit's example) re-aimed at our issue; its "changes" is
    ``{}`` as in the real example unless a previous body is given."""
    base: dict[str, Any] = {"action": "edited", "issue": {}, "sender": {}, "changes": {}}
    if shared is not None:
        path = shared / "fixtures" / "webhooks" / "issues" / "edited.payload.json"
        if path.exists():
            base = json.loads(path.read_text())
    payload = copy.deepcopy(base)
    payload["issue"]["number"] = number
    payload["issue"]["updated_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    payload["sender"]["login"] = sender
    payload["changes"] = {"body": {"from": previous}} if previous is not None else {}
    return payload


class Walk:
    """A person edits the issue through the API; then the workflow runs with the event."""

    def __init__(self, fake: FakeGitHub, tmp: Path, shared: Path | None, number: int, body: str) -> None:
        self.fake, self.tmp, self.shared, self.number, self.body, self.runs = fake, tmp, shared, number, body, 0

    def edit(self, who: str, at: datetime, body: str, *, with_previous: bool = True, run: bool = True) -> None:
        self.fake.now = at
        edit_as(self.fake, who, self.number, body)
        previous, self.body = self.body, body
        if run:
            self.run(edited_payload(self.shared, self.number, who, at, previous if with_previous else None))

    def run(self, payload: dict[str, Any]) -> None:
        self.runs += 1
        j = job(self.tmp / str(self.runs), self.fake.base_url, payload=payload)
        assert runner.main(j.env) in (0, 1)

    def state(self) -> dict[str, Any]:
        comment = next(c for c in self.fake.comments(REPO, self.number) if c["user"]["login"] == BOT)
        return read_state(CommentData(0, BOT, comment["body"], START, ""))

    def status(self) -> str:
        return next(str(c["body"]) for c in self.fake.comments(REPO, self.number) if c["user"]["login"] == BOT)


def opened(fake: FakeGitHub, tmp: Path, shared: Path | None, template: str) -> Walk:
    body = template.split("---\n", 2)[2]
    fake.now = START
    n = fake.create_issue(REPO, "Checkout is down", body, user="erin", labels=["incident"], created_at=START)["number"]
    walk = Walk(fake, tmp, shared, n, body)
    walk.run(
        {"action": "opened", "issue": {"number": n, "updated_at": "2026-11-20T09:00:00Z"}, "sender": {"login": "erin"}}
    )
    return walk


def at(hh: int, mm: int, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=UTC)


def whats(walk: Walk) -> list[tuple[str, str | None, str]]:
    return [(e["t"], e["who"], e["what"]) for e in walk.state()["timeline"]]


def test_edits_become_a_timeline_with_figures(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    w = opened(fake, tmp_path, None, template)
    b = edits.answer(w.body, "50%", "y")
    w.edit("alice", at(9, 3), b)
    b = edits.set_role(
        edits.set_role(edits.set_role(b, "Investigator", "alice"), "Communicator", "carol"), "Recorder", "dave"
    )
    w.edit("alice", at(9, 5), b)
    b = edits.attach_video(b, VIDEO)
    w.edit("erin", at(9, 6), b)
    b = edits.tick(b, "firstaid")
    w.edit("bob", at(10, 1), b)
    b = edits.tick(b, "Announce resolving this incident")
    w.edit("carol", at(10, 30), b)
    rows = whats(w)
    assert ("2026-11-20T09:03:00Z", "alice", "answered 'More than 50% of users affected?': yes") in rows
    assert ("2026-11-20T09:03:00Z", "alice", "decided: incident") in rows
    assert ("2026-11-20T09:05:00Z", "alice", "named the recorder: @dave") in rows
    assert ("2026-11-20T09:06:00Z", "erin", "attached the video") in rows
    assert ("2026-11-20T10:01:00Z", "bob", "finished first aid (every first-aid box ticked)") in rows
    assert [r for r in rows if r[2] == "added label incident-improvement"][0][1] == BOT
    text = w.status()
    assert "Time to triage decision: **3 min (1 min over the 2 min time box)**" in text
    assert "Time to name the roles: **2 min (1 min over the 1 min time box)**" in text
    assert "Time to first aid: **1 h 1 min**" in text
    assert "First-aid target for the next incident (half of this one): **30 min**" in text
    assert "Time to resolve: **1 h 30 min**" in text
    assert "Still to write in the Record section's timeline: Trigger this incident, Start this incident" in text
    # Re-running any step adds nothing.
    before = w.state()["timeline"]
    fake.reset_log()
    w.run(edited_payload(None, w.number, "carol", at(10, 30), None))
    w.run(edited_payload(None, w.number, "carol", at(10, 30), w.body))
    assert w.state()["timeline"] == before
    assert fake.writes() == []


def test_real_payload_with_empty_changes_never_invents_an_author(
    fake: FakeGitHub, template: str, tmp_path: Path, shared: Path
) -> None:
    w = opened(fake, tmp_path, shared, template)
    # The real octokit example has "changes": {}: the sender cannot be trusted as the body's editor.
    w.edit("mallory", at(9, 4), edits.answer(w.body, "corrupting", "y"), with_previous=False)
    entry = next(e for e in w.state()["timeline"] if "corrupting" in e["what"])
    assert entry["who"] is None
    assert "someone (not recorded) answered" in w.status()


def test_dropped_run_is_recorded_without_author_and_the_event_with_it(
    fake: FakeGitHub, template: str, tmp_path: Path, shared: Path
) -> None:
    w = opened(fake, tmp_path, shared, template)
    w.edit("alice", at(9, 2), edits.answer(w.body, "50%", "y"), run=False)  # this run was dropped
    w.edit("bob", at(9, 4), edits.set_role(w.body, "Investigator", "bob"))
    rows = whats(w)
    answer = next(r for r in rows if "50%" in r[2])
    named = next(r for r in rows if "named the investigator" in r[2])
    assert answer[1] is None and named[1:] == ("bob", "named the investigator: @bob")
    assert named[0] == "2026-11-20T09:04:00Z"


def test_timeline_across_midnight_and_new_year(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    body = template.split("---\n", 2)[2]
    body = edits.fill_slot(body, "Start this incident", "12/31 23:50")
    body = edits.fill_slot(body, "Find this incident", "01/01 00:05", "Find this incident by Staff")
    body = edits.fill_slot(body, "Finish first aid", "01/01 00:40")
    created = datetime(2026, 12, 31, 23, 58, tzinfo=UTC)
    fake.now = created
    n = fake.create_issue(REPO, "New Year", body, user="alice", created_at=created, labels=["incident"])["number"]
    w = Walk(fake, tmp_path, None, n, body)
    w.run({"action": "opened", "issue": {"number": n}, "sender": {"login": "alice"}})
    text = w.status()
    # (The bot's own label writes carry the run's real clock; leave them out here.)
    lines = [line for line in text.splitlines() if line.startswith("- 202") and "github-actions" not in line]
    assert lines[:3] == [
        "- 2026-12-31 23:50 👤 Start this incident",
        "- 2026-12-31 23:58 🤖 @alice opened the issue",
        "- 2027-01-01 00:05 👤 Find this incident by Staff",
    ]
    assert "Time to first aid: **50 min**" in text
    assert "timeline-order" not in text


def test_written_time_contradicting_the_recorded_fact(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    w = opened(fake, tmp_path, None, template)
    b = edits.tick(w.body, "firstaid")
    w.edit("bob", at(11, 30), b)
    w.edit("dave", at(11, 40), edits.fill_slot(b, "Finish first aid", "11/20 10:00"))
    text = w.status()
    assert "timeline-conflict" in text
    # Issue #14: the written time wins for the figure, and the finding says so.
    assert "first aid finished at 11/20 10:00 UTC, but incident-kit recorded it at 11/20 11:30 UTC" in text
    assert "the figures use the written time" in text


def test_a_strangers_state_block_changes_nothing(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    w = opened(fake, tmp_path, None, template)
    fake_state = {"timeline": [{"t": "2020-01-01T00:00:00Z", "who": "mallory", "what": "fixed everything", "k": "x"}]}
    fake.add_comment(REPO, w.number, MARKER + "\n" + markers.state(json.dumps(fake_state)), user="mallory")
    w.edit("alice", at(9, 3), edits.answer(w.body, "50%", "y"))
    assert "fixed everything" not in w.status()
    assert all(e["who"] != "mallory" for e in w.state()["timeline"])
    mallory = next(c for c in fake.comments(REPO, w.number) if c["user"]["login"] == "mallory")
    assert "fixed everything" in mallory["body"]  # untouched: the bot never edits others' comments
    assert re.search(r"@alice answered", w.status())


def test_dropped_label_and_close_runs_are_attributed_from_the_events_api(
    fake: FakeGitHub, template: str, tmp_path: Path
) -> None:
    import github

    w = opened(fake, tmp_path, None, template)
    fake.add_token("carol-token", "carol")
    gh = github.Github(base_url=fake.base_url, auth=github.Auth.Token("carol-token"), retry=None)
    fake.now = at(9, 20)
    gh.get_repo(REPO).get_issue(w.number).add_to_labels("sev1")  # the labeled run was dropped
    fake.now = at(9, 30)
    gh.get_repo(REPO).get_issue(w.number).edit(state="closed", state_reason="completed")  # so was this one
    fake.reset_log()
    fake.now = at(9, 40)
    # The next event is someone's comment: it says nothing about who labeled or closed.
    w.run(
        {
            "action": "created",
            "issue": {"number": w.number},
            "sender": {"login": "bob"},
            "comment": {"created_at": "2026-11-20T09:40:00Z"},
        }
    )
    assert fake.count("GET", r"/events$") == 1
    rows = whats(w)
    assert ("2026-11-20T09:20:00Z", "carol", "added label sev1") in rows
    # Closed as completed is recorded as such (issue #14: it makes a resolution final).
    assert ("2026-11-20T09:30:00Z", "carol", "closed the issue as completed") in rows
    # Nothing unexplained any more: the next run does not ask again.
    fake.reset_log()
    w.run({"action": "created", "issue": {"number": w.number}, "sender": {"login": "bob"}})
    assert fake.count("GET", r"/events$") == 0


def test_a_psychological_safety_box_is_never_recorded(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    # The box is between a person and their manager (README): who ticked it, and when, must not
    # appear in the public status comment, its state, or the report built from the recorded timeline.
    w = opened(fake, tmp_path, None, template)
    b = edits.answer(w.body, "50%", "y")
    w.edit("alice", at(9, 3), b)
    private = next(line for line in b.splitlines() if line.startswith("- [ ] Let the manager know"))
    w.edit("dave", at(9, 40), b.replace(private, private.replace("- [ ]", "- [x]", 1)))
    w.edit("dave", at(9, 41), b)  # and unticked again
    b2 = edits.tick(b, "firstaid")
    w.edit("bob", at(9, 45), b2)
    state = json.dumps(w.state(), ensure_ascii=False)
    assert "psycholog" not in state and "manager" not in state, state
    timeline_part = w.status().split("Timeline", 1)[-1]
    assert "psycholog" not in timeline_part and "ticked 'Let" not in timeline_part
    assert ("2026-11-20T09:45:00Z", "bob", "finished first aid (every first-aid box ticked)") in whats(w)
    assert not any(who == "dave" for _, who, _ in whats(w))


def test_an_older_states_private_entry_is_dropped() -> None:
    from incident_kit.plan.recorded_timeline import record

    old = [
        {
            "t": "2026-11-20T09:40:00Z",
            "who": "dave",
            "what": "ticked 'Let manager to know if you feel be broke psycholog",
            "k": "task",
            "key": "x",
        },
        {"t": "2026-11-20T09:03:00Z", "who": "alice", "what": "decided: incident", "k": "decision", "key": "y"},
    ]
    snapshot = {
        "tasks": {},
        "triage": {},
        "roles": {},
        "record": {},
        "video": False,
        "first_aid_done": False,
        "labels": [],
        "assignees": [],
        "state": "open",
        "decision": "incident",
    }
    entries, _ = record(
        old,
        snapshot,
        snapshot,
        snapshot,
        previous_body_facts=None,
        sender=None,
        meta_sender=None,
        event_at=START,
        now=START,
        bot=BOT,
    )
    assert [e["what"] for e in entries] == ["decided: incident"]
