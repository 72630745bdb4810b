"""The weekly scan's cached readings: an unchanged body is not parsed again, and nothing else changes.

Every test scans a repository on the loopback fake GitHub API with real PyGithub and compares what
the scan wrote (reminders, follow-up issues, the digest, the state file) between a run that had
the readings cached (warm) and one that had to parse every body (cold).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, TOKEN
from helpers import VIDEO

from incident_kit.apply.weekly_run import ScanReport, scan
from incident_kit.body import edits
from incident_kit.github.rest import GitHubRepository
from incident_kit.plan.weekly import STATE_MAX, WeeklyState, load_state, same_week_no_news
from incident_kit.settings.config import Config, WeeklySettings

MONDAY = datetime(2026, 11, 30, 6, 17, tzinfo=UTC)  # 2026-W49
NEXT = MONDAY + timedelta(days=7)
CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STATE_PATH = "incidents/.incident-kit-weekly.json"


@pytest.fixture(scope="module")
def blank() -> str:
    from incident_kit.entry import resources

    return resources.template_text().split("---\n", 2)[2].lstrip("\n")


def base(blank: str) -> str:
    body = edits.answer(blank, "50%", "y")
    body = edits.answer(body, "corrupting", "n")
    body = edits.answer(body, "attack", "n")
    body = edits.set_role(body, "Investigator", "alice", "bob")
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    body = edits.attach_video(body, VIDEO)
    # Done needs the Record filled, not only the boxes ticked (issue #14).
    body = edits.fill_field(body, "Where is", "Payment client timeout set to 0")
    body = edits.fill_field(body, "First aid", "Rolled back to the previous release")
    return edits.fill_field(body, "How many", "About 3,200 checkout attempts failed")


def tick_all(body: str) -> str:
    # A triage question answered "n" stays unticked (ticking it is a triage-conflict error).
    return re.sub(r"^(\s*[-*+] )\[ \](?!.*: n\s*$)", r"\1[x]", body, flags=re.M)


def done(blank: str) -> str:
    """Every box ticked, every action item linked, the meeting's notes written (issue #17)."""
    body = edits.set_postmortem(base(blank), "2026-11-24 10:00")
    body = edits.set_notes(body, "good point", "The rollback took 4 minutes")
    body = edits.set_notes(body, "Root problem", "Nothing rejects a zero timeout")
    body = edits.set_notes(body, "Workflow problem", "Config changes skip review")
    body = edits.set_notes(body, "Incident mode", "Nobody knew where the rollback job was")
    body = edits.set_action_item(body, "Root problem", "Reject a zero timeout in the client config #101")
    body = edits.set_action_item(body, "Workflow problem", "Add a config lint step to CI #102")
    body = edits.set_action_item(body, "Incident mode", "Add a rollback job to the deploy workflow #103")
    return tick_all(body)


def one_left(blank: str) -> str:
    return edits.untick(done(blank), "Update incident issue template.")


class Team:
    """One repository as real teams leave it: done incidents, boxes left, an untracked action item, a
    postmortem between this week and the next, a body in Japanese, one that is not the template."""

    def __init__(self, fake: FakeGitHub, blank: str) -> None:
        self.fake = fake

        def issue(title: str, body: str, label: str = "incident", **kw: Any) -> int:
            return int(
                fake.create_issue(REPO, title, body, user="alice", labels=[label], created_at=CREATED, **kw)["number"]
            )

        self.done = issue("Checkout down", done(blank))
        timeline = edits.fill_slot(one_left(blank), "Start this incident", "11/02 10:00")
        self.edited = issue("Search slow", edits.fill_slot(timeline, "Finish first aid", "11/02 10:40"))
        self.improving = issue("Login errors", one_left(blank), "incident-improvement")
        untracked = edits.set_action_item(base(blank), "Root problem", "Add retries with backoff to the payment client")
        self.untracked = issue("Payments 502", untracked)
        self.upcoming = issue("Queue stuck", edits.set_postmortem(base(blank), "2026-12-03 10:00"))
        self.japanese = issue("決済が落ちた", edits.untick(done(blank), "Output pdf").replace("Checkout", "決済"))
        self.plain = issue("Server down", "The API answers 500 since 9:00, please help @bob")
        gone = MONDAY + timedelta(days=2)  # closed during the week: the next scan still looks at it once
        self.closed = issue("Old one", one_left(blank), state="closed", closed_at=gone, updated_at=gone)
        for login in ("alice", "bob", "carol", "dave"):
            fake.set_permission(REPO, login, "write")

    def repo(self) -> GitHubRepository:
        return GitHubRepository(REPO, TOKEN, api_url=self.fake.base_url, bot_login=BOT)

    def scan(self, now: datetime, config: Config | None = None) -> ScanReport:
        self.fake.now = now
        return scan(self.repo(), config or Config(), bot_login=BOT, max_writes=100, now=now)

    def state(self) -> dict[str, Any]:
        data = self.fake.file(REPO, STATE_PATH)
        assert data is not None
        return dict(json.loads(data))

    def edit_state(self, change: Callable[[dict[str, Any]], None]) -> None:
        data = self.state()
        change(data)
        self.fake.put_file(REPO, STATE_PATH, json.dumps(data, indent=1))

    def between_weeks(self) -> None:
        """What happens during a week: a box ticked on one issue, the follow-up issue closed."""
        self.fake.now = MONDAY + timedelta(days=3)
        repo = self.repo()
        repo.edit_body(self.edited, tick_all(self.fake.issue(REPO, self.edited)["body"]))
        for followup in self.state()["followups"]:
            repo.close_issue(int(followup), "completed")

    def outcome(self, report: ScanReport) -> dict[str, Any]:
        """Everything the scan wrote or reported, for comparing runs."""
        comments = {
            n: [c["body"] for c in self.fake.comments(REPO, n) if c["user"]["login"] == BOT]
            for n in (i["number"] for i in self.fake.issues(REPO))
        }
        bot_issues = [(i["title"], i["body"], i["state"]) for i in self.fake.issues(REPO) if i["user"]["login"] == BOT]
        return {
            "reminders": report.reminders,
            "followups": report.followups,
            "closed": report.closed,
            "waiting": report.waiting,
            "digest": report.digest,
            "log": report.log,
            "comments": comments,
            "bot_issues": bot_issues,
            "state": self.fake.file(REPO, STATE_PATH),
        }


@pytest.fixture()
def fakes() -> Iterator[Callable[[], FakeGitHub]]:
    opened: list[FakeGitHub] = []

    def new() -> FakeGitHub:
        gh = FakeGitHub(rate_limit=1_000_000).start()
        opened.append(gh)
        gh.add_token(TOKEN, BOT)
        gh.add_repo(REPO)
        gh.now = MONDAY
        return gh

    yield new
    for gh in opened:
        gh.stop()


def two_weeks(new: Callable[[], FakeGitHub], blank: str, before_second: Callable[[Team], None]) -> tuple[Team, Any]:
    team = Team(new(), blank)
    first = team.scan(MONDAY)
    assert first.parsed == first.scanned  # nothing cached yet: every body is read
    team.between_weeks()
    before_second(team)
    team.fake.reset_log()
    report = team.scan(NEXT)
    return team, report


def drop_readings(team: Team) -> None:
    team.edit_state(lambda data: data.pop("summaries"))


def test_a_warm_scan_writes_exactly_what_a_cold_one_does_and_parses_only_what_changed(
    fakes: Callable[[], FakeGitHub], blank: str
) -> None:
    cold_team, cold = two_weeks(fakes, blank, drop_readings)
    warm_team, warm = two_weeks(fakes, blank, lambda team: None)
    assert warm_team.outcome(warm) == cold_team.outcome(cold)
    assert cold.parsed == cold.scanned == 8
    # Read: the body edited during the week, the issue whose postmortem has now passed (the rules
    # see the day only through that), the one closed during the week (not listed before) and the
    # one whose follow-up issue was closed (rules.done: an open follow-up keeps an incident from done,
    # so the rules' reading depends on which are open). The other five come from the state file.
    assert warm.parsed == 4
    # Same requests with and without the cache.
    assert [(r.method, r.path) for r in warm_team.fake.requests] == [
        (r.method, r.path) for r in cold_team.fake.requests
    ]
    # What the week changed shows: the ticked box is gone, the closed follow-up counts as done.
    assert warm_team.edited not in warm.reminders and warm_team.improving in warm.reminders
    assert f"| #{warm_team.edited} Search slow | done | 34 d | 0 |" in warm.digest
    assert warm_team.untracked in warm.reminders
    assert "- #2: 40 min" in warm.digest  # first-aid figures come from the cached reading too


def test_a_third_scan_of_an_unchanged_repository_parses_nothing(fakes: Callable[[], FakeGitHub], blank: str) -> None:
    team, second = two_weeks(fakes, blank, lambda team: None)
    team.fake.reset_log()
    third = team.scan(NEXT + timedelta(days=7))
    assert third.parsed == 0 and third.scanned == second.scanned - 1  # the closed one is no longer listed
    assert team.fake.writes()  # the week's reminders still go out, from the cached readings
    assert set(third.reminders) == set(second.reminders) - {team.closed}


def test_a_changed_setting_reads_every_body_again(fakes: Callable[[], FakeGitHub], blank: str) -> None:
    only_postmortem = replace(Config(), weekly=WeeklySettings(sections=("Postmortem",)))
    _, cold = two_weeks(fakes, blank, drop_readings)
    team = Team(fakes(), blank)
    team.scan(MONDAY)
    team.between_weeks()
    changed = team.scan(NEXT, only_postmortem)
    assert changed.parsed == changed.scanned  # nothing read under the old settings is reused
    # And the result is what the new settings say: the same as parsing afresh under them.
    again_cold = Team(fakes(), blank)
    again_cold.scan(MONDAY)
    again_cold.between_weeks()
    drop_readings(again_cold)
    fresh = again_cold.scan(NEXT, only_postmortem)
    assert team.outcome(changed) == again_cold.outcome(fresh)
    assert changed.reminders != cold.reminders or changed.digest != cold.digest


def _mangle(data: dict[str, Any], how: Callable[[list[Any]], Any]) -> None:
    rows = data["summaries"]
    for number, row in rows.items():
        rows[number] = how(row)


@pytest.mark.parametrize(
    "how",
    [
        lambda row: row[:5],  # cut short
        lambda row: [row[0], "finished", *row[2:]],  # a phase that does not exist
        lambda row: [row[0], row[1], row[2], str(row[3]), *row[4:]],  # a count as text
        lambda row: [*row[:4], [["x", "y", "3", "", False, None]], *row[5:]],  # a line number as text
        lambda row: [*row[:7], [["fill the Record", "Recorder", "12"]], *row[8:]],  # a gap's line as text
        lambda row: [*row[:10], ["2026-11-02T10:00:00", "2026-11-02T10:40:00"], *row[11:]],  # times without a zone
        lambda row: [*row[:11], ["next week", 120], *row[12:]],  # not a time
        lambda row: [*row[:11], ["2026-12-03T10:00:00Z", "2h"], *row[12:]],  # a length as text
        lambda row: [*row[:12], True, *row[13:]],  # the postmortem's side as a boolean
        lambda row: [*row[:6], [["call-not-closed", "warning", 999, 49]], *row[7:]],  # a text that is not there
        lambda row: [*row[:14], ["12"], *row[15:]],  # an open follow-up as text
        lambda row: [*row, True],  # one field too many
        lambda row: {"key": row[0]},  # not a row
    ],
    ids=[
        "short",
        "phase",
        "count",
        "line",
        "gap-line",
        "naive-time",
        "not-a-time",
        "length",
        "side",
        "text-index",
        "followup",
        "long",
        "object",
    ],
)
def test_a_corrupt_reading_is_read_again_never_trusted(
    fakes: Callable[[], FakeGitHub], blank: str, how: Callable[[list[Any]], Any]
) -> None:
    cold_team, cold = two_weeks(fakes, blank, drop_readings)
    team, report = two_weeks(fakes, blank, lambda team: team.edit_state(lambda data: _mangle(data, how)))
    assert report.parsed == report.scanned
    assert team.outcome(report) == cold_team.outcome(cold)


def test_garbage_in_the_readings_neither_crashes_nor_skips_work(fakes: Callable[[], FakeGitHub], blank: str) -> None:
    def garbage(data: dict[str, Any]) -> None:
        numbers = sorted(data["summaries"])
        rows = data["summaries"]
        rows[numbers[0]] = "not a row at all"
        rows[numbers[1]] = 42
        rows[numbers[2]] = rows[numbers[2]][:1]  # the right key, nothing else
        rows[numbers[4]] = [rows[numbers[5]][0], *rows[numbers[4]][1:]]  # another issue's key
        rows["9999"] = rows.pop(numbers[3])  # another issue's reading

    cold_team, cold = two_weeks(fakes, blank, drop_readings)
    team, report = two_weeks(fakes, blank, lambda team: team.edit_state(garbage))
    assert team.outcome(report) == cold_team.outcome(cold)
    assert "9999" not in team.state()["summaries"]  # issues no longer scanned are pruned


def test_the_state_file_stays_under_what_the_contents_api_serves() -> None:
    state = WeeklyState(reminded={1: "2026-W49"})
    state.summaries = {n: [f"{n:016x}", "x" * (300 + n % 200)] for n in range(1, 3_001)}
    data = state.dump()
    assert len(data) <= STATE_MAX
    loaded, problem = load_state(data)
    assert problem is None and loaded.reminded == {1: "2026-W49"}
    assert 0 < len(loaded.summaries) < 3_000
    everything = {n: [f"{n:016x}", "x" * (300 + n % 200)] for n in range(1, 3_001)}
    dropped = [len(r[1]) for n, r in everything.items() if n not in loaded.summaries]
    assert min(dropped) >= max(len(r[1]) for r in loaded.summaries.values())  # the biggest went first
    # The state keeps what it wrote: the next run of the week, whose readings are the same, has no
    # news to commit (else a state at the cap would be committed again every run).
    assert state.summaries == loaded.summaries
    later = WeeklyState(reminded={1: "2026-W49"}, last_success=datetime(2026, 12, 2, tzinfo=UTC))
    later.summaries = dict(everything)
    later.dump()
    loaded.last_success = datetime(2026, 11, 30, tzinfo=UTC)
    assert same_week_no_news(loaded, later, "2026-W49", "UTC")
    # A text that repeats from reading to reading (a rule's message, a box) is written once.
    message = "The incident is resolved: close the Slack call and write when in the timeline."
    box = ["Record", "Update incident issue template.", 154, "Closing (10min)", False, None]
    row = ["k", "improving", True, 31, [box], [], [["call-not-closed", "warning", message, 49]], [], [], [], None]
    shared = WeeklyState(summaries={n: [f"{n:016x}", *row[1:]] for n in range(1, 200)})
    text = shared.dump().decode()
    assert text.count(message) == 1 and text.count("Update incident issue template.") == 1
    assert load_state(shared.dump())[0].summaries == shared.summaries
    # A small state is written whole, one line per reading.
    small = WeeklyState(summaries={1: ["a", 1], 12: ["b", [2, "c"]]})
    assert load_state(small.dump())[0].summaries == small.summaries
    assert ' "12": ["b",[2,"c"]]' in small.dump().decode()


def test_the_settings_fingerprint_is_the_same_in_every_process(tmp_path: Any) -> None:
    """A setting whose text changed from one process to the next (a set, an object's address)
    would make every weekly run parse every body again, silently."""
    import os
    import subprocess
    import sys

    settings = (
        "engineers: [alice, bob]\npeople:\n  alice: alice@example.com\n  山田: yamada@example.com\n"
        "video:\n  allowed-hosts: [loom.com]\nweekly:\n  sections: [Postmortem]\n  quiet-days: [saturday, sunday]\n"
        "vague-phrases: [look into]\n"
    )
    code = (
        "import sys; from incident_kit.settings.config import parse_config;"
        "from incident_kit.plan.weekly import reading_fingerprint;"
        "print(reading_fingerprint(parse_config(sys.stdin.read())))"
    )
    prints = {
        subprocess.run(
            [sys.executable, "-c", code],
            input=settings,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(prints) == 1 and len(prints.pop().strip()) == 16


def test_a_reading_holds_only_on_its_side_of_the_postmortems_start_and_end(blank: str) -> None:
    """The rules see the day twice: the postmortem held (rules.phase) and over (its notes are then
    due). A reading taken during the meeting is not one for after it."""
    from incident_kit.github.port import IssueData
    from incident_kit.plan.weekly import assess, read_incident, summarize

    body = edits.set_postmortem(base(blank), "2026-11-24 10:00")
    issue = IssueData(
        number=7,
        title="Checkout down",
        body=body,
        state="open",
        labels=("incident-improvement",),
        author="alice",
        created_at=CREATED,
        state_reason=None,
        assignees=(),
        closed_at=None,
        html_url="",
    )
    config = Config()
    incident = read_incident(issue, config)
    start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    before, during, after = start - timedelta(hours=1), start + timedelta(minutes=30), start + timedelta(days=1)
    reading = summarize(issue, incident, config, during)
    assert reading.holds(during + timedelta(minutes=10), frozenset(), ())
    assert not reading.holds(before, frozenset(), ()) and not reading.holds(after, frozenset(), ())
    assert not reading.holds(during, frozenset({"invite"}), ()) and not reading.holds(during, frozenset(), (12,))
    # And what the rules say does change across the end: the meeting's notes become due.
    notes = {f.rule for f in assess(issue, incident, config, after).findings} - {
        f.rule for f in assess(issue, incident, config, during).findings
    }
    assert "meeting-notes-empty" in notes
