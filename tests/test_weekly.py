"""The weekly check: against the loopback fake GitHub API with real PyGithub, and on the local backend.

Covers the request budget of a 1,000-incident scan (pages of 100 with Link headers, a short
last page, empty pages), one reminder per issue per ISO week, "since" taken from the last
complete scan when the scheduler skipped a week, a write budget hit mid-scan and resumed,
follow-up issues opened once (also after a 502 that followed a successful POST), strangers'
markers, vague action items, closing done improvements, the digest, and the pure planning.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, TOKEN, job
from helpers import VIDEO

from incident_kit.apply import weekly_run as weekly_scan
from incident_kit.basics import markers
from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.entry import cli, gha, weekly_action
from incident_kit.github.port import IssueData
from incident_kit.github.sandbox import LocalRepository
from incident_kit.plan.followup import item_key, marker, read_marker
from incident_kit.plan.status import MARKER
from incident_kit.plan.weekly import (
    DIGEST_MARKER,
    REMINDER_MARKER,
    WeeklyState,
    assess,
    iso_week,
    load_state,
    needs_facts,
    quote,
    read_incident,
    rotation,
    same_week_no_news,
)
from incident_kit.settings.config import Config, WeeklySettings, parse_config

MONDAY = datetime(2026, 11, 30, 6, 17, tzinfo=UTC)  # 2026-W49
CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STATE_PATH = "incidents/.incident-kit-weekly.json"
TEAM = {"alice": "write", "bob": "write", "carol": "write", "dave": "triage"}


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    # A high rate limit: the 1,000-issue scans must not run into it.
    with FakeGitHub(rate_limit=1_000_000) as gh:
        gh.add_token(TOKEN, BOT)
        gh.add_repo(REPO)
        for login, perm in TEAM.items():
            gh.set_permission(REPO, login, perm)
        gh.add_user("mallory")
        gh.now = MONDAY
        yield gh


@pytest.fixture(scope="module")
def blank() -> str:
    from incident_kit.entry import resources

    return resources.template_text().split("---\n", 2)[2].lstrip("\n")


def base(blank: str, *, postmortem: bool = False) -> str:
    body = edits.answer(blank, "50%", "y")
    body = edits.answer(body, "corrupting", "n")
    body = edits.answer(body, "attack", "n")
    body = edits.set_role(body, "Investigator", "alice", "bob")
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    body = edits.attach_video(body, VIDEO)
    # Issue #14: done needs the Record filled, not only the boxes ticked.
    body = edits.fill_field(body, "Where is", "Payment client timeout set to 0")
    body = edits.fill_field(body, "First aid", "Rolled back to the previous release")
    body = edits.fill_field(body, "How many", "About 3,200 checkout attempts failed")
    return edits.set_postmortem(body, "2026-11-24 10:00") if postmortem else body


def meeting_notes(body: str) -> str:
    """What the postmortem wrote: good points and each topic's brainstorming (issue #17)."""
    body = edits.set_notes(body, "good point", "The rollback took 4 minutes")
    body = edits.set_notes(body, "Root problem", "Nothing rejects a zero timeout")
    body = edits.set_notes(body, "Workflow problem", "Config changes skip review")
    return edits.set_notes(body, "Incident mode", "Nobody knew where the rollback job was")


def tick_all(body: str) -> str:
    # A triage question answered "n" stays unticked: ticking it is a triage-conflict error (issue #14:
    # an open error keeps the incident from being done).
    return re.sub(r"^(\s*[-*+] )\[ \](?!.*: n\s*$)", r"\1[x]", body, flags=re.M)


def done_body(blank: str) -> str:
    """Every box ticked, every action item linked, the meeting's notes written: nothing is left."""
    body = base(blank, postmortem=True)
    body = meeting_notes(body)
    body = edits.set_action_item(body, "Root problem", "Reject a zero timeout in the client config #101")
    body = edits.set_action_item(body, "Workflow problem", "Add a config lint step to CI #102")
    body = edits.set_action_item(body, "Incident mode", "Add a rollback job to the deploy workflow #103")
    return tick_all(body)


def one_box_left(blank: str) -> str:
    return edits.untick(done_body(blank), "Update incident issue template.")


def with_items(
    blank: str, *items: tuple[str, str], keep_open: tuple[str, ...] = ("Output pdf", "Announce resolving")
) -> str:
    """The given (topic, text) action items unticked, every other box ticked but ``keep_open``.

    By default the incident is not resolved yet, so the event handler (which recording a
    follow-up runs) neither swaps the labels nor renders the PDF report.
    """
    body = base(blank)
    for topic, text in items:
        body = edits.set_action_item(body, topic, text)
    keep = [text for _, text in items] + list(keep_open)
    return "\n".join(line if any(k in line for k in keep) else tick_all(line) for line in body.split("\n"))


def weekly(
    fake: FakeGitHub,
    tmp: Path,
    now: datetime,
    *,
    config: str | None = None,
    **inputs: str,
) -> tuple[int, dict[str, str], str]:
    fake.now = now
    j = job(tmp, fake.base_url, event="schedule", inputs=inputs)
    if config is not None:
        (tmp / "workspace" / ".github").mkdir(parents=True, exist_ok=True)
        (tmp / "workspace" / ".github" / "incident-kit.yml").write_text(config, encoding="utf-8")
    code = weekly_action.run_action(gha.read_env(j.env), now=now)
    return code, j.outputs(), j.summary.read_text(encoding="utf-8")


def state_file(fake: FakeGitHub, path: str = STATE_PATH) -> dict[str, Any]:
    data = fake.file(REPO, path)
    assert data is not None, "the state file was not committed"
    return dict(json.loads(data))


def bot_comments(fake: FakeGitHub, number: int, prefix: str = REMINDER_MARKER) -> list[dict[str, Any]]:
    return [c for c in fake.comments(REPO, number) if c["user"]["login"] == BOT and c["body"].startswith(prefix)]


def followups(fake: FakeGitHub) -> list[dict[str, Any]]:
    return [i for i in fake.issues(REPO) if i["user"]["login"] == BOT and read_marker(i["body"] or "")]


def requests_without_rate_limit(fake: FakeGitHub) -> int:
    return fake.count() - fake.count("GET", r"^/rate_limit$")


# ---------------------------------------------------------------- the request budget


def test_1000_incidents_cost_about_15_requests_plus_one_per_write(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    done, left = done_body(blank), one_box_left(blank)
    # 950 labeled incident (9 full pages and a short one of 50), 50 being improved (one short page).
    for n in range(1, 951):
        fake.create_issue(
            REPO,
            f"Incident {n}",
            left if n % 50 == 0 else done,
            user="alice" if n % 2 else "bob",
            labels=["incident"],
            created_at=CREATED,
        )
    for n in range(951, 1001):
        fake.create_issue(
            REPO, f"Incident {n}", left, user="alice", labels=["incident-improvement"], created_at=CREATED
        )
    fake.reset_log()
    code, out, summary = weekly(fake, tmp_path / "1", MONDAY, **{"max-writes": "200"})
    assert code == 0, summary
    assert out == {"scanned": "1000", "reminders": "69", "followups": "0", "closed": "0"}
    writes = fake.writes()
    assert len(writes) == 69 + 1  # one reminder each, and the state file once
    assert [w.method for w in writes].count("PUT") == 1
    # 2 free rate-limit reads; config, state, 10 + 1 list pages; 2 permission reads (two authors).
    assert fake.count("GET", r"^/rate_limit$") == 2
    # issue #17: each reminder that lists "Update incident issue template" asks once whether a commit
    # changed the template since the incident began (GET .../commits?path=...&since=...).
    lookups = [r for r in fake.requests if r.method == "GET" and r.path.endswith("/commits")]
    assert len(lookups) == 69
    assert all(r.query["path"] == ".github/ISSUE_TEMPLATE/incident.md" for r in lookups)
    assert requests_without_rate_limit(fake) == 15 + len(writes) + len(lookups)
    pages = [r for r in fake.requests if r.method == "GET" and r.path.endswith("/issues")]
    assert [r.query.get("labels") for r in pages] == ["incident"] * 10 + ["incident-improvement"]
    assert all(r.query.get("per_page") == "100" for r in pages[:1])
    assert fake.count("GET", r"/issues/\d+$") == 0  # no GET per issue
    assert fake.count("GET", r"/comments$") == 0  # nobody's comments were needed
    assert "Rate limit before:" in summary and "Rate limit after:" in summary
    # Later the same week: nothing is written, and the scan costs 15 requests (2 of them free).
    fake.reset_log()
    code, out, _ = weekly(fake, tmp_path / "2", MONDAY + timedelta(days=2), **{"max-writes": "200"})
    assert code == 0 and out["reminders"] == "0"
    assert fake.writes() == []
    closed_pages = [r for r in fake.requests if r.path.endswith("/issues") and r.query.get("state") == "closed"]
    assert len(closed_pages) == 2 and all(r.query["since"] == "2026-11-30T06:17:00Z" for r in closed_pages)
    assert requests_without_rate_limit(fake) == 15


# ---------------------------------------------------------------- weeks, "since", the budget


def test_one_reminder_a_week_naming_what_is_left_and_who_owns_it(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    body = edits.untick(tick_all(base(blank)), "Invite all people concerned on Google Calendar")
    body = edits.untick(body, "Update incident issue template.")
    n = fake.create_issue(REPO, "Checkout down", body, user="alice", labels=["incident"], created_at=CREATED)["number"]
    code, out, _ = weekly(fake, tmp_path / "1", MONDAY)
    assert code == 0 and out["reminders"] == "1"
    [reminder] = bot_comments(fake, n)
    text = reminder["body"]
    assert text.startswith('<!-- incident-kit:weekly {"week": "2026-W49"} -->')
    assert "@alice @bob @carol @dave: this incident was opened 27 days ago" in text
    assert "Invite all people concerned on Google Calendar" in text and "Update incident issue template." in text
    assert "2 boxes left" in text and "`postmortem-unscheduled`" in text  # resolved, no postmortem date
    for day in (1, 3, 6):  # the same ISO week, any day: nothing more
        weekly(fake, tmp_path / f"d{day}", MONDAY + timedelta(days=day))
        assert len(bot_comments(fake, n)) == 1
    weekly(fake, tmp_path / "next", MONDAY + timedelta(days=7))
    assert len(bot_comments(fake, n)) == 2 and '"week": "2026-W50"' in bot_comments(fake, n)[1]["body"]


def test_the_weekly_check_running_fulfils_the_weekly_checking_box(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    """The weekly workflow is the "Create weekly checking process" the template asks for: its own
    reminder never lists that box as left (README's process table: automated by the weekly workflow)."""
    body = edits.untick(tick_all(base(blank)), "Create weekly checking process")
    body = edits.untick(body, "Update incident issue template.")
    assert "- [ ] Create weekly checking process" in body
    n = fake.create_issue(REPO, "Search down", body, user="alice", labels=["incident"], created_at=CREATED)["number"]
    code, out, _ = weekly(fake, tmp_path / "1", MONDAY)
    assert code == 0 and out["reminders"] == "1"
    [reminder] = bot_comments(fake, n)
    text = reminder["body"]
    assert "Update incident issue template." in text and "1 box left" in text, text
    assert "weekly checking" not in text, text


def test_a_week_skipped_by_the_scheduler_still_sees_issues_closed_in_it(
    fake: FakeGitHub, blank: str, tmp_path: Path
) -> None:
    left = one_box_left(blank)
    early = fake.create_issue(
        REPO,
        "closed before the first scan",
        left,
        labels=["incident-improvement"],
        user="alice",
        created_at=CREATED,
        state="closed",
        closed_at=MONDAY - timedelta(days=1),
    )
    a = fake.create_issue(REPO, "open", left, user="alice", labels=["incident-improvement"], created_at=CREATED)
    b = fake.create_issue(REPO, "closed later", left, user="alice", labels=["incident-improvement"], created_at=CREATED)
    weekly(fake, tmp_path / "w49", MONDAY)
    assert state_file(fake)["last_success"] == "2026-11-30T06:17:00Z"
    assert bot_comments(fake, early["number"]) == []  # closed before the first scan: not looked at
    # Thursday of W49 someone closes #b with a box left; the W50 run is dropped by GitHub.
    fake.now = MONDAY + timedelta(days=3)
    import github

    gh = github.Github(base_url=fake.base_url, auth=github.Auth.Token(TOKEN), retry=None)
    gh.get_repo(REPO).get_issue(b["number"]).edit(state="closed")
    # W51: "since" is the last complete scan (W49), not "7 days ago" (W50's Monday, after the close).
    fake.reset_log()
    code, out, summary = weekly(fake, tmp_path / "w51", MONDAY + timedelta(days=14))
    closed_pages = [r for r in fake.requests if r.path.endswith("/issues") and r.query.get("state") == "closed"]
    assert {r.query["since"] for r in closed_pages} == {"2026-11-30T06:17:00Z"}
    assert out["scanned"] == "2" and out["reminders"] == "2"
    assert "closed, opened" in bot_comments(fake, b["number"])[-1]["body"]
    assert len(bot_comments(fake, a["number"])) == 2
    assert state_file(fake)["last_success"] == "2026-12-14T06:17:00Z"


def test_write_budget_stops_the_scan_and_the_next_run_resumes(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    left = one_box_left(blank)
    numbers = [
        fake.create_issue(REPO, f"i{k}", left, user="alice", labels=["incident"], created_at=CREATED)["number"]
        for k in range(12)
    ]
    code, out, summary = weekly(fake, tmp_path / "1", MONDAY, **{"max-writes": "5"})
    assert code == 0 and out["reminders"] == "4"
    assert len(fake.writes()) == 5  # 4 reminders and the state file
    assert f"Stopped at #{numbers[4]}" in summary
    state = state_file(fake)
    assert state["cursor"] == numbers[4] and state["last_success"] is None  # not a complete scan
    code, out, _ = weekly(fake, tmp_path / "2", MONDAY + timedelta(hours=1), **{"max-writes": "5"})
    assert out["reminders"] == "4" and state_file(fake)["cursor"] == numbers[8]
    code, out, _ = weekly(fake, tmp_path / "3", MONDAY + timedelta(hours=2), **{"max-writes": "5"})
    assert out["reminders"] == "4"
    state = state_file(fake)
    assert state["cursor"] is None and state["last_success"] == "2026-11-30T08:17:00Z"
    assert all(len(bot_comments(fake, n)) == 1 for n in numbers)
    fake.reset_log()
    weekly(fake, tmp_path / "4", MONDAY + timedelta(hours=3), **{"max-writes": "5"})
    assert fake.writes() == []
    # Next week a capped run starts where the last one stopped, so nobody is always last.
    weekly(fake, tmp_path / "5", MONDAY + timedelta(days=7), **{"max-writes": "3"})
    weekly(fake, tmp_path / "6", MONDAY + timedelta(days=7, hours=1), **{"max-writes": "3"})
    second_week = [n for n in numbers if len(bot_comments(fake, n)) == 2]
    assert second_week == numbers[:4]


def test_dry_run_writes_nothing_and_says_what_it_would_do(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    body = with_items(blank, ("Incident mode", "Add a rollback job @bob"))
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"], created_at=CREATED)["number"]
    code, out, summary = weekly(fake, tmp_path, MONDAY, **{"dry-run": "true"})
    assert code == 0 and fake.writes() == []
    assert f"#{n}: would open a follow-up issue of #{n}: Add a rollback job" in summary
    assert f"#{n}: would remind #{n}" in summary and "State file: not written (dry run)" in summary


def test_quiet_days_post_no_reminder_and_keep_since(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", one_box_left(blank), user="alice", labels=["incident"], created_at=CREATED)
    saturday = MONDAY - timedelta(days=2)
    config = "weekly:\n  quiet-days: [saturday, sunday]\n"
    code, out, summary = weekly(fake, tmp_path / "sat", saturday, config=config)
    assert out["reminders"] == "0" and "quiet day" in summary
    assert bot_comments(fake, n["number"]) == []
    weekly(fake, tmp_path / "mon", MONDAY, config=config)
    assert len(bot_comments(fake, n["number"])) == 1


# ---------------------------------------------------------------- follow-up issues


def test_followup_issue_opened_once_even_after_a_502_that_followed_a_successful_post(
    fake: FakeGitHub, blank: str, tmp_path: Path, shared: Path
) -> None:
    body = with_items(blank, ("Incident mode", "Add a one-click rollback job to the deploy workflow @bob"))
    n = fake.create_issue(
        REPO, "Checkout down", body, user="alice", labels=["incident"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    fake.fault("POST", r"^/repos/octo/app/issues$", status=502, after_success=True)
    code, out, summary = weekly(fake, tmp_path / "1", MONDAY)
    assert code == 0 and out["followups"] == "1", summary
    [fu] = followups(fake)
    assert fake.count("POST", r"^/repos/octo/app/issues$") == 1  # found again, not posted twice
    assert fu["title"] == "Add a one-click rollback job to the deploy workflow @bob"
    assert [a["login"] for a in fu["assignees"]] == ["bob"]
    assert [label["name"] for label in fu["labels"]] == ["incident-improvement"]
    ref = read_marker(fu["body"])
    assert ref is not None and ref.incident == n
    assert ref.key == item_key("Add a one-click rollback job to the deploy workflow @bob")
    assert f"postmortem of #{n}" in fu["body"] and "> Add a one-click rollback job" in fu["body"]
    [status] = [c for c in fake.comments(REPO, n) if c["body"].startswith(MARKER)]
    assert f"### Follow-up issues\n- #{fu['number']}: Add a one-click rollback job" in status["body"]
    reminder = bot_comments(fake, n)[0]["body"]
    assert f"- #{fu['number']} (open, @bob): Add a one-click rollback job" in reminder
    assert "action-item-untracked" not in reminder  # it is tracked now
    from fakegithub.openapi_check import check_requests

    assert check_requests(fake.requests) == []
    # Every later run finds it by its marker: never a second issue for the item.
    for week in (1, 2):
        weekly(fake, tmp_path / f"w{week}", MONDAY + timedelta(days=7 * week))
    assert len(followups(fake)) == 1
    # The event handler leaves the bot's follow-up alone (no status comment, no labels on it).
    from ghenv import issue_payload

    j = job(tmp_path / "event", fake.base_url, payload=issue_payload(fu["number"], "bob"))
    assert runner.main(j.env) == 0
    assert fake.comments(REPO, fu["number"]) == [] and fake.label_names(REPO, fu["number"]) == ["incident-improvement"]


def test_state_file_lost_followups_are_found_again(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    body = with_items(blank, ("Root problem", "Validate the timeout in the config schema"))
    n = fake.create_issue(
        REPO, "x", body, user="alice", labels=["incident"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    weekly(fake, tmp_path / "1", MONDAY)
    [fu] = followups(fake)
    # The follow-up is closed, then the state file is reset: the status comment still knows it.
    fake.now = MONDAY + timedelta(days=1)
    import github

    gh = github.Github(base_url=fake.base_url, auth=github.Auth.Token(TOKEN), retry=None)
    gh.get_repo(REPO).get_issue(fu["number"]).edit(state="closed")
    fake.put_file(REPO, STATE_PATH, "{}")
    weekly(fake, tmp_path / "2", MONDAY + timedelta(days=7))
    assert len(followups(fake)) == 1
    assert state_file(fake)["followups"][str(fu["number"])]["state"] == "closed"
    assert f"- #{fu['number']} (closed): Validate the timeout" in bot_comments(fake, n)[-1]["body"]


def test_a_strangers_markers_are_ignored(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    item = "Add a rollback job to the deploy workflow"
    n = fake.create_issue(
        REPO,
        "x",
        with_items(blank, ("Incident mode", item)),
        user="alice",
        labels=["incident"],
        assignees=["alice", "bob"],
        created_at=CREATED,
    )["number"]
    # A stranger's issue claims to be the item's follow-up; a stranger's comment claims a status.
    fake.create_issue(
        REPO,
        "fake follow-up",
        marker(n, item_key(item)) + "\nnothing",
        user="mallory",
        labels=["incident-improvement"],
        created_at=CREATED,
    )
    fake.add_comment(
        REPO,
        n,
        MARKER
        + "\n"
        + markers.state(json.dumps({"followups": [{"number": 99, "key": item_key(item)}], "confirmed_by": "mallory"})),
        user="mallory",
    )
    # A stranger's incident: reminders, follow-ups and closing wait for a maintainer's confirmation.
    stranger = fake.create_issue(REPO, "y", one_box_left(blank), user="mallory", labels=["incident"])["number"]
    # And a stranger's "digest" issue with the marker and the label.
    fake.create_issue(REPO, "digest?", DIGEST_MARKER + "\nmine", user="mallory", labels=["incident-digest"])
    code, out, summary = weekly(fake, tmp_path, MONDAY, config="weekly:\n  digest-issue: true\n")
    assert code == 0 and out["followups"] == "1"
    [fu] = followups(fake)
    assert read_marker(fu["body"]) is not None and fu["user"]["login"] == BOT
    digests = [i for i in fake.issues(REPO) if DIGEST_MARKER in (i["body"] or "")]
    assert [d["user"]["login"] for d in digests] == ["mallory", BOT]
    assert digests[0]["body"] == DIGEST_MARKER + "\nmine"  # the stranger's is untouched
    assert bot_comments(fake, stranger) == []
    assert (
        f"Waiting for a maintainer to confirm (opened by people without triage access, so the weekly check "
        f"leaves them alone): #{stranger}." in digests[1]["body"]
    )


def test_vague_items_get_no_issue_but_a_request_to_rewrite(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    body = with_items(
        blank,
        ("Workflow problem", "Everyone should be careful when editing config"),
        ("Incident mode", "Add a one-click rollback job"),
    )
    n = fake.create_issue(
        REPO, "x", body, user="alice", labels=["incident"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    code, out, _ = weekly(fake, tmp_path, MONDAY)
    assert out["followups"] == "1"
    assert [f["title"] for f in followups(fake)] == ["Add a one-click rollback job"]
    reminder = bot_comments(fake, n)[0]["body"]
    assert (
        "`action-item-vague`" in reminder
        and "rewrite it as a change to code, the issue template or the schedule" in reminder
    )


def test_an_improvement_closes_when_every_box_is_done_and_its_followups_are_closed(
    fake: FakeGitHub, blank: str, tmp_path: Path
) -> None:
    body = with_items(blank, ("Incident mode", "Add a rollback job @bob"), keep_open=())
    n = fake.create_issue(
        REPO, "x", body, user="alice", labels=["incident-improvement"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    other = fake.create_issue(
        REPO, "y", body, user="alice", labels=["incident-improvement"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    config_off = "weekly:\n  close-when-done: false\n"
    weekly(fake, tmp_path / "1", MONDAY)
    fus = {read_marker(f["body"]).incident: f for f in followups(fake)}  # type: ignore[union-attr]
    assert set(fus) == {n, other}
    assert "@bob" in bot_comments(fake, n)[0]["body"]
    # bob makes the change and closes both follow-ups.
    fake.now = MONDAY + timedelta(days=2)
    import github

    gh = github.Github(base_url=fake.base_url, auth=github.Auth.Token(TOKEN), retry=None)
    for f in fus.values():
        gh.get_repo(REPO).get_issue(f["number"]).edit(state="closed")
    # Settings off for one run: done, but not closed, and no reminder either (nothing is left).
    code, out, _ = weekly(fake, tmp_path / "2", MONDAY + timedelta(days=7), config=config_off)
    assert out["closed"] == "0" and out["reminders"] == "0"
    assert fake.issue(REPO, n)["state"] == "open"
    code, out, _ = weekly(fake, tmp_path / "3", MONDAY + timedelta(days=7, hours=1))
    assert out["closed"] == "2"
    issue = fake.issue(REPO, n)
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    done = bot_comments(fake, n)[-1]["body"]
    assert "every box is done and every follow-up issue" in done and f"#{fus[n]['number']}" in done


# ---------------------------------------------------------------- facts, digest, dispatch


def test_boxes_the_bot_fulfilled_count_as_done_and_comments_are_read_once(
    fake: FakeGitHub, blank: str, tmp_path: Path
) -> None:
    body = tick_all(base(blank, postmortem=True))
    for text in ("Invite all people concerned", "Update incident issue template.", "Announce resolving", "Output pdf"):
        body = edits.untick(body, text)
    n = fake.create_issue(
        REPO, "x", body, user="alice", labels=["incident"], assignees=["alice", "bob"], created_at=CREATED
    )["number"]
    from ghenv import issue_payload

    fake.now = MONDAY - timedelta(days=5)
    j = job(tmp_path / "event", fake.base_url, payload=issue_payload(n, "alice"))
    runner.main(j.env)  # the event handler commits the invite and records it in the status comment
    fake.reset_log()
    weekly(fake, tmp_path / "1", MONDAY)
    assert fake.count("GET", rf"/issues/{n}/comments$") == 1
    reminder = bot_comments(fake, n)[0]["body"]
    # Issue #14: the invite is committed but nobody was e-mailed, so its box is still left (a delivery
    # on record counts: tests/test_truth.py::test_the_weekly_counts_a_delivered_invite_as_done).
    assert "4 boxes left" in reminder and "Invite all people" in reminder
    fake.reset_log()
    weekly(fake, tmp_path / "2", MONDAY + timedelta(days=7))
    assert fake.count("GET", rf"/issues/{n}/comments$") == 0  # cached: the issue did not change
    assert "Invite all people" in bot_comments(fake, n)[-1]["body"]


def test_digest_issue_is_opened_once_and_updated_in_place(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    config = "weekly:\n  digest-issue: true\n"
    a = fake.create_issue(
        REPO, "Checkout down", one_box_left(blank), user="alice", labels=["incident"], created_at=CREATED
    )["number"]
    code, out, summary = weekly(fake, tmp_path / "1", MONDAY, config=config)
    [digest] = [i for i in fake.issues(REPO) if i["user"]["login"] == BOT and DIGEST_MARKER in (i["body"] or "")]
    assert [label["name"] for label in digest["labels"]] == ["incident-digest"]
    text = digest["body"]
    assert "## Incident digest, 2026-W49" in text and f"| #{a} Checkout down | improving | 27 d | 1 | 0 |" in text
    assert f"| #{a} Checkout down |" in text and "| 2026-11 | 1 |" in text
    assert "### Who owes what" in text and "@&#8203;alice" in text
    assert "## Incident digest, 2026-W49" in summary  # the job summary has it too
    fake.reset_log()
    weekly(fake, tmp_path / "2", MONDAY + timedelta(days=3), config=config)
    assert fake.writes() == []  # the same week, nothing changed: the digest reads the same
    fake.create_issue(REPO, "Search down", one_box_left(blank), user="alice", labels=["incident"])
    weekly(fake, tmp_path / "3", MONDAY + timedelta(days=7), config=config)
    digests = [i for i in fake.issues(REPO) if i["user"]["login"] == BOT and DIGEST_MARKER in (i["body"] or "")]
    assert [d["number"] for d in digests] == [digest["number"]]
    assert "Search down" in digests[0]["body"] and "2026-W50" in digests[0]["body"]


def test_runner_runs_the_scan_on_schedule_and_on_dispatch_of_the_weekly_part(
    fake: FakeGitHub, blank: str, tmp_path: Path
) -> None:
    fake.create_issue(REPO, "x", one_box_left(blank), user="alice", labels=["incident"])
    j = job(tmp_path / "s", fake.base_url, event="schedule")
    assert runner.main(j.env) == 0
    assert j.outputs()["scanned"] == "1"
    d = job(tmp_path / "d", fake.base_url, event="workflow_dispatch", inputs={"part": "weekly", "dry-run": "true"})
    assert runner.main(d.env) == 0 and set(d.outputs()) == {"scanned", "reminders", "followups", "closed"}


def test_the_event_path_does_not_import_the_scan() -> None:
    code = (
        "import sys, incident_kit.entry.action, incident_kit.apply.reconcile, incident_kit.plan.issue_plan; "
        "print(sorted(m for m in sys.modules if m.startswith('incident_kit.plan.weekly')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------- the local backend and the CLI


def test_local_backend_demo_directory_dry_run_then_real(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The demo itself ends with the weekly check of 2026-11-30 (W49): a follow-up and a reminder.
    assert cli.main(["demo", "--out", str(tmp_path)]) == 0
    repo = LocalRepository(tmp_path / "repo")
    [fu] = [i for i in repo.list_issues(("incident-improvement",), "all") if read_marker(i.body)]
    assert fu.author == repo.bot_login and fu.number == 2
    # Vague: "Everyone should be careful when editing config" got no issue, a request to rewrite.
    reminder = next(c for c in repo.list_comments(1) if c.body.startswith(REMINDER_MARKER))
    assert "action-item-vague" in reminder.body
    before = (tmp_path / "repo" / "repo.json").read_bytes()
    capsys.readouterr()
    # The next week, from the command line: a dry run changes nothing and says what it would do.
    now = "2026-12-07T06:17:00Z"
    assert cli.main(["weekly", "--local", str(tmp_path), "--dry-run", "--now", now, "--digest"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "repo" / "repo.json").read_bytes() == before
    assert "#1: would remind #1" in out and "## Incident digest, 2026-W50" in out
    assert "would open a follow-up" not in out  # the demo's follow-up is found again, not reopened
    assert cli.main(["weekly", "--local", str(tmp_path), "--now", now]) == 0
    out = capsys.readouterr().out
    assert "#1: reminded @alice @bob @carol @dave" in out
    assert len([i for i in repo.list_issues(("incident-improvement",), "all") if read_marker(i.body)]) == 1
    assert cli.main(["weekly", "--local", str(tmp_path), "--now", "2026-12-09T06:17:00Z"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert cli.main(["weekly", "--local", str(tmp_path / "nowhere")]) == 2


def test_weekly_by_hand_counts_ages_from_now_and_never_reminds_an_earlier_week(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A newcomer trial: the demo's weekly check runs the Monday after the story (2026-11-30); run
    by hand the day before, the digest said `Age 2 d` (counted from the start of the week), the
    demo's follow-up read `Open for 5 d` on the day it was opened, and #1 was reminded again."""
    assert cli.main(["demo", "--out", str(tmp_path)]) == 0
    repo = LocalRepository(tmp_path / "repo")
    [fu] = [i for i in repo.list_issues(("incident-improvement",), "all") if read_marker(i.body)]
    monday = datetime(2026, 11, 30, 6, 17, tzinfo=UTC)
    assert fu.created_at == monday  # opened by the weekly check, dated when it ran
    digest = (tmp_path / "weekly.md").read_text(encoding="utf-8")
    assert f"| #{fu.number} " in digest and "| #1 | 0 d |" in digest, digest
    assert "| 9 d | " in digest  # #1 opened 2026-11-20 09:00, nine full days before Monday 06:17
    reminders = len([c for c in repo.list_comments(1) if c.body.startswith(REMINDER_MARKER)])
    capsys.readouterr()

    # By hand on the Sunday before: an earlier week than the sandbox's last scan.
    assert cli.main(["weekly", "--local", str(tmp_path), "--now", "2026-11-29T23:09:00Z", "--digest"]) == 0
    out = capsys.readouterr().out
    assert "note: the last scan (2026-11-30 06:17 UTC) is later than this one (2026-11-29 23:09 UTC)" in out
    assert "reminders 0," in out
    assert len([c for c in repo.list_comments(1) if c.body.startswith(REMINDER_MARKER)]) == reminders
    assert "## Incident digest, 2026-W48" in out
    assert "| improving | 9 d |" in out, out  # 2026-11-20 09:00 to 11-29 23:09, not from Monday 11-23
    assert f"| #{fu.number} " in out and "| #1 | 0 d |" in out  # opened the next day: not "5 d"

    # Later that week (W49, already reminded by the demo): ages from the week's first scan here.
    assert cli.main(["weekly", "--local", str(tmp_path), "--now", "2026-12-03T12:00:00Z", "--digest"]) == 0
    out = capsys.readouterr().out
    assert "reminders 0," in out and "note: the last scan" not in out
    assert "| improving | 13 d |" in out and "| #1 | 3 d |" in out, out
    assert cli.main(["weekly", "--local", str(tmp_path), "--now", "2026-12-05T12:00:00Z", "--digest"]) == 0
    again = capsys.readouterr().out
    # The same week: the digest reads the same (ages as of that week's first scan, 12-03 12:00).
    assert again.split("## Incident digest")[1] == out.split("## Incident digest")[1]


def test_local_list_issues_pages_and_filters(tmp_path: Path) -> None:
    repo = LocalRepository(tmp_path / "repo", clock=lambda: MONDAY)
    for k in range(230):
        repo.open_issue(f"t{k}", "body", "alice", labels=("incident",) if k % 2 else ("other",))
    before = repo.stats.reads
    listed = list(repo.list_issues(("incident",), "open"))
    assert len(listed) == 115 and repo.stats.reads - before == 2  # two pages of 100
    assert [i.number for i in listed][:3] == [2, 4, 6]
    assert list(repo.list_issues(("nothing",), "open")) == []
    repo.human_close(2)
    assert [i.number for i in repo.list_issues(("incident",), "closed", MONDAY)] == [2]


# ---------------------------------------------------------------- the pure planning


def test_iso_week_and_rotation() -> None:
    assert iso_week(datetime(2026, 12, 31, 12, tzinfo=UTC)) == "2026-W53"
    assert iso_week(datetime(2027, 1, 3, 23, tzinfo=UTC)) == "2026-W53"
    assert iso_week(datetime(2026, 11, 29, 20, tzinfo=UTC), "Asia/Tokyo") == "2026-W49"  # Monday in Tokyo
    assert rotation([5, 1, 9, 3], None) == [1, 3, 5, 9]
    assert rotation([5, 1, 9, 3], 5) == [5, 9, 1, 3]


def test_state_round_trip_and_bad_files() -> None:
    state, problem = load_state(None)
    assert problem is None and state == WeeklyState()
    state.last_success, state.cursor, state.reminded = MONDAY, 7, {3: "2026-W49"}
    again, _ = load_state(state.dump())
    assert again.to_json() == state.to_json()
    for junk in (b"\xff", b"[1]", b'{"v": 99}', b"not json"):
        fresh, problem = load_state(junk)
        assert fresh == WeeklyState() and problem and "starting afresh" in problem
    later = load_state(state.dump())[0]
    later.last_success = MONDAY + timedelta(days=2)
    assert same_week_no_news(state, later, "2026-W49", "UTC")
    later.reminded[4] = "2026-W49"
    assert not same_week_no_news(state, later, "2026-W49", "UTC")


def test_quote_neither_pings_nor_links_nor_injects() -> None:
    text = quote("ask @alice about #12 <!-- incident-kit:followup {} --> <b>x</b>")
    assert "@alice" not in text and "#12" not in text and "<" not in text
    assert text.startswith("ask @&#8203;alice about #&#8203;12 &lt;!--")
    assert quote("x" * 500, 10) == "x" * 9 + "…"


def issue(body: str, labels: tuple[str, ...] = ("incident",), state: str = "open") -> IssueData:
    return IssueData(1, "t", body, state, None, labels, (), "alice", CREATED, None, "https://github.com/o/r/issues/1")


def test_sections_setting_limits_the_boxes_that_count(blank: str) -> None:
    body = edits.untick(done_body(blank), "Update incident issue template.")
    body = edits.untick(body, "Share screen by Writer (0min)")
    everything = Config()
    only = Config(weekly=WeeklySettings(sections=("closing",)))
    a = assess(issue(body), read_incident(issue(body), everything), everything, MONDAY)
    b = assess(issue(body), read_incident(issue(body), only), only, MONDAY)
    assert [i.text for i in a.open_items] == ["Share screen by Writer (0min)", "Update incident issue template."]
    assert [i.text for i in b.open_items] == ["Update incident issue template."]
    assert a.remind and not a.done
    done = assess(issue(done_body(blank)), read_incident(issue(done_body(blank)), everything), everything, MONDAY)
    assert done.done and not done.remind and not done.close  # labeled incident: not an improvement yet
    improving = issue(done_body(blank), labels=("incident-improvement",))
    assert assess(improving, read_incident(improving, everything), everything, MONDAY).close


def test_needs_facts_only_when_the_status_comment_could_tell(blank: str) -> None:
    cfg = Config()
    plain = tick_all(base(blank))  # no postmortem date: the invite cannot have been sent
    with_date = edits.untick(tick_all(base(blank, postmortem=True)), "Invite all people concerned")
    assert not needs_facts(issue(plain), read_incident(issue(plain), cfg), cfg)
    assert needs_facts(issue(with_date), read_incident(issue(with_date), cfg), cfg)
    pdf = edits.untick(tick_all(base(blank)), "Output pdf")
    assert not needs_facts(issue(pdf), read_incident(issue(pdf), cfg), cfg)  # no report due yet
    assert needs_facts(issue(pdf, labels=("incident-improvement",)), read_incident(issue(pdf), cfg), cfg)


def test_weekly_settings_reach_the_plan() -> None:
    cfg = parse_config("weekly:\n  sections: [Record]\n  close-when-done: false\n")
    assert cfg.weekly.sections == ("Record",) and not cfg.weekly.close_when_done


def test_pacer_keeps_content_writes_under_githubs_secondary_limit() -> None:
    clock = {"t": 0.0}
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock["t"] += seconds

    pacer = weekly_scan.Pacer(per_minute=75, clock=lambda: clock["t"], sleep=sleep)
    for _ in range(75):
        pacer.wait()
        clock["t"] += 0.1  # a burst: 75 writes in 7.5 s
    assert slept == []
    pacer.wait()  # the 76th waits until the first leaves the minute
    assert slept == [pytest.approx(52.5)]
    starts: list[float] = []
    for _ in range(200):
        pacer.wait()
        starts.append(clock["t"])
        clock["t"] += 0.1
    assert all(sum(1 for s in starts if t <= s < t + 60) <= 75 for t in starts)


def test_reminder_and_digest_fit_in_one_github_body(blank: str) -> None:
    from incident_kit.basics.limits import BODY_MAX
    from incident_kit.plan.weekly import render_digest, render_reminder

    many = blank + "\n## More\n" + "\n".join(f"- [ ] extra box {k} @someone #12 " + "x" * 150 for k in range(3000))
    cfg = Config()
    big = issue(many)
    a = assess(big, read_incident(big, cfg), cfg, MONDAY)
    text = render_reminder(a, "2026-W49")
    assert len(text) <= BODY_MAX and "…and " in text and "@someone" not in text
    crowd = [
        assess(i, read_incident(i, cfg), cfg, MONDAY)
        for i in (
            IssueData(k, "t" * 200, one_box_left(blank), "open", None, ("incident",), (), "alice", CREATED, None, "")
            for k in range(1, 400)
        )
    ]
    digest = render_digest(crowd, [], {}, week="2026-W49", now=MONDAY, config=cfg)
    assert len(digest) <= BODY_MAX and "…and 299 more" in digest


def test_digest_shows_time_to_first_aid_and_the_team_target(fake: FakeGitHub, blank: str, tmp_path: Path) -> None:
    """The figures of the timeline issue reach the digest: per incident, the median, half of it."""
    for title, start, done in (("A", "11/02 10:00", "11/02 10:40"), ("B", "11/05 08:00", "11/05 09:20")):
        body = edits.fill_slot(one_box_left(blank), "Start this incident", start)
        body = edits.fill_slot(body, "Finish first aid", done)
        fake.create_issue(REPO, title, body, user="alice", labels=["incident"], created_at=CREATED)
    code, out, summary = weekly(fake, tmp_path, MONDAY)
    assert "### Time to first aid" in summary
    assert "- #1: 40 min" in summary and "- #2: 1 h 20 min" in summary
    assert "Team median: **1 h** over 2 incidents; the target for the next one is half of it: **30 min**." in summary
