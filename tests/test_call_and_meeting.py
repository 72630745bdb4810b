"""The call and the meeting (issue #17): real bodies at each phase, on the local backend and the fake API.

The call link in the status comment from the first run, the call's start and end from the timeline,
the first discoverer, the progress-silence nudge (once per quiet period, stable across re-runs), the
postmortem roles with the template's fallbacks in the status, the invite and the PDF, the agenda's
time boxes (the original template's 160 minutes for a 2-hour meeting), the meeting's notes, and the
weekly check's look at the issue template's commits.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from fakegithub import FakeGitHub
from fakegithub.openapi_check import check_requests, check_responses, spec_available
from ghenv import BOT, REPO, TOKEN
from pypdf import PdfReader

from incident_kit.apply.budget import Budget
from incident_kit.apply.reconcile import Event, reconcile
from incident_kit.apply.weekly_run import scan
from incident_kit.body import edits
from incident_kit.body.model import IssueContext, Phase
from incident_kit.body.parse import parse_incident
from incident_kit.entry import resources
from incident_kit.github.rest import GitHubRepository
from incident_kit.github.sandbox import LocalRepository
from incident_kit.plan.invite import Invite, build_ics, description
from incident_kit.plan.weekly import REMINDER_MARKER
from incident_kit.rules.evaluate import evaluate
from incident_kit.settings.config import Config, ConfigError, parse_config

SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "seed" / "incident-issue-template.md"
OPENED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CALL = "https://app.slack.com/huddle/T0123ABC/C0456DEF"
SETTINGS = f"""\
people:
  alice: alice@example.com
  bob: bob@example.com
notify:
  slack:
    call-link: {CALL}
"""


def corrected() -> str:
    return resources.template_text().split("---\n", 2)[2].lstrip("\n")


def original() -> str:
    if not SEED.exists():
        pytest.skip("../shared/seed is absent")
    return SEED.read_text(encoding="utf-8").split("---\n", 2)[2].lstrip("\n")


def staffed(body: str) -> str:
    body = edits.answer(body, "50%", "y")
    body = edits.answer(body, "corrupting", "n")
    body = edits.answer(body, "attack", "n")
    body = edits.set_role(body, "Investigator", "alice", "bob")
    body = edits.set_role(body, "Communicator", "carol")
    return edits.set_role(body, "Recorder", "dave")


def resolved(body: str) -> str:
    body = edits.tick(edits.tick(staffed(body), "problem"), "firstaid")
    body = edits.tick(body, "Announce resolving this incident")
    return edits.set_postmortem(body, "2026-11-24 10:00 - 2 hours")


def findings(body: str, now: datetime, labels: frozenset[str] = frozenset({"incident"})) -> dict[str, list[str]]:
    context = IssueContext(labels=labels, created_at=OPENED, now=now)
    ev = evaluate(parse_incident(body, reference=OPENED), context, Config())
    out: dict[str, list[str]] = {}
    for f in ev.findings:
        out.setdefault(f.rule, []).append(f"{f.severity}: {f.message}")
    return out


# ---------------------------------------------------------------- reading the body


def test_agenda_of_the_original_template_adds_up_to_160_minutes_and_the_corrected_one_fits() -> None:
    inc = parse_incident(original())
    assert [(p.minutes, len(p.parts)) for p in inc.meeting.agenda] == [
        (20, 5),
        (10, 0),
        (40, 2),
        (40, 2),
        (40, 2),
        (10, 0),
    ]
    assert sum(p.minutes or 0 for p in inc.meeting.agenda) == 160 and inc.postmortem.duration_minutes == 120
    got = findings(original(), OPENED)["agenda-over-length"]
    assert len(got) == 1 and got[0].startswith("info: ") and "add up to 160 min" in got[0] and "2 h" in got[0]
    assert "Starting 20 + Listup good point of us… 10 + Root problem 40" in got[0]
    # The shipped, corrected template fits its 2 hours: nothing to report.
    fixed = parse_incident(corrected())
    assert sum(p.minutes or 0 for p in fixed.meeting.agenda) == 115
    assert "agenda-over-length" not in findings(corrected(), OPENED)


def test_agenda_finding_is_a_warning_once_the_postmortem_is_arranged_and_checks_each_part() -> None:
    body = resolved(original())
    got = findings(body, OPENED + timedelta(days=1))["agenda-over-length"]
    assert got[0].startswith("warning: ")
    # A part whose steps overrun it is named with its own sum.
    over = corrected().replace("###### Brainstorming (15min)", "###### Brainstorming (30min)", 1)
    got = findings(resolved(over), OPENED + timedelta(days=1))["agenda-over-length"]
    assert any("'Root problem / We finished only first aid" in g and "add up to 40 min" in g for g in got)
    # A longer meeting makes the original agenda fit.
    longer = edits.set_postmortem(resolved(original()), "2026-11-24 10:00 - 3 hours")
    assert "agenda-over-length" not in findings(longer, OPENED + timedelta(days=1))


def test_japanese_headings_roles_and_minutes_read_the_same() -> None:
    body = (
        "#### Agenda and minutes\n"
        "##### はじめに（２０分）\n- [ ] 目的とルールの確認（５分）\n- 役割を決める（１分）\n"
        "    - [x] ファシリテーター ＠taro\n    - [ ] タイムキーパー（ファシリテーターが兼任）\n"
        "    - [x] 書記 @hanako\n    - [ ] ルールキーパー（書記が兼任）\n"
        "##### 良かった点（１０分）\n- ロールバックが早かった\n"
        "##### 根本原因（６０分）\n###### ブレインストーミング（４０分）\n- ...TODO...\n"
        "##### まとめ（１０分）\n- [ ] 週次チェック\n"
    )
    inc = parse_incident(body)
    assert [(p.title, p.minutes) for p in inc.meeting.agenda] == [
        ("はじめに", 20),
        ("良かった点", 10),
        ("根本原因", 60),
        ("まとめ", 10),
    ]
    assert [(p.title, p.minutes) for p in inc.meeting.agenda[0].parts] == [
        ("目的とルールの確認", 5),
        ("役割を決める", 1),
    ]
    roles = {r.key: r for r in inc.meeting.roles}
    assert roles["facilitator"].handles == ("taro",) and roles["writer"].handles == ("hanako",)
    assert roles["timekeeper"].holders == ("taro",) and roles["rulekeeper"].holders == ("hanako",)
    notes = {n.key: n.filled for n in inc.meeting.notes}
    assert notes == {"good-points": True, "brainstorming:root-problem": False}


def test_postmortem_roles_fallbacks_and_the_finding_once_the_meeting_started() -> None:
    body = resolved(corrected())
    before = OPENED + timedelta(days=1)
    started = datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    assert "postmortem-roles-missing" not in findings(body, before)
    missing = findings(body, started)["postmortem-roles-missing"]
    # Only the Facilitator and the Writer are asked for: the Timekeeper and Rulekeeper fall back to them.
    assert len(missing) == 2
    assert "Facilitator" in missing[0] and "Timekeeper" in missing[0]
    assert "Writer" in missing[1] and "Rulekeeper" in missing[1]
    named = edits.set_meeting_role(edits.set_meeting_role(body, "Facilitator", "alice"), "Writer", "bob")
    assert "postmortem-roles-missing" not in findings(named, started)
    roles = {r.key: r.holders for r in parse_incident(named).meeting.roles}
    assert roles == {"facilitator": ("alice",), "timekeeper": ("alice",), "writer": ("bob",), "rulekeeper": ("bob",)}
    own = edits.set_meeting_role(named, "Timekeeper", "carol")
    assert {r.key: r.holders for r in parse_incident(own).meeting.roles}["timekeeper"] == ("carol",)


def test_meeting_notes_must_hold_more_than_the_placeholder_after_the_meeting() -> None:
    body = edits.set_meeting_role(edits.set_meeting_role(resolved(original()), "Facilitator", "a"), "Writer", "b")
    during = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
    after = datetime(2026, 11, 24, 12, 1, tzinfo=UTC)
    assert "meeting-notes-empty" not in findings(body, during)
    empty = findings(body, after)["meeting-notes-empty"]
    assert len(empty) == 4 and "Listup good point" in empty[0]
    assert "ideas for root-problem" in empty[1] and "ideas for incident-mode" in empty[3]
    body = edits.set_notes(body, "good point", "Rolled back in 4 minutes")
    body = edits.set_notes(body, "Root problem", "Nothing validates the timeout")
    left = findings(body, after)["meeting-notes-empty"]
    assert len(left) == 2 and "workflow-problem" in left[0]
    # The template's instructions ("List up any idea", the italic rule) are not notes.
    inc = parse_incident(body)
    assert [n.filled for n in inc.meeting.notes] == [True, True, False, False]


def test_call_end_is_asked_for_once_resolved_and_read_from_the_timeline() -> None:
    body = resolved(original())
    assert "call-not-closed" not in findings(staffed(original()), OPENED)
    assert "call-not-closed" in findings(body, OPENED + timedelta(hours=2))
    closed = edits.fill_slot(body, "Finish slack call", "11/20 10:40")
    assert "call-not-closed" not in findings(closed, OPENED + timedelta(hours=2))


# ---------------------------------------------------------------- the status comment, local backend


class Clock:
    def __init__(self) -> None:
        self.now = OPENED

    def __call__(self) -> datetime:
        return self.now


def run(
    repo: LocalRepository, number: int, config: Config, clock: Clock, sender: str = "erin"
) -> tuple[str, list[str]]:
    budget = Budget(limit=50)
    reconcile(
        repo,
        number,
        config=config,
        bot_login=repo.bot_login,
        budget=budget,
        event=Event("issues", "edited", sender, at=clock.now),
        now=clock.now,
    )
    status = next(c for c in repo.list_comments(number) if c.author == repo.bot_login)
    return status.body, list(budget.done)


@pytest.fixture()
def local(tmp_path: Path) -> Iterator[tuple[LocalRepository, Clock]]:
    clock = Clock()
    repo = LocalRepository(tmp_path / "repo", clock=clock)
    for login in ("alice", "bob", "carol", "dave", "erin"):
        repo.set_permission(login, "write")
    yield repo, clock


def test_call_link_and_first_discoverer_from_the_first_run(local: tuple[LocalRepository, Clock]) -> None:
    repo, clock = local
    config = parse_config(SETTINGS)
    number = repo.open_issue("Checkout 500", original(), "erin", labels=("incident",))
    status, _ = run(repo, number, config, clock)
    assert f"| Call | [Join the Slack call]({CALL})" in status  # before triage
    assert "| First discoverer | @erin (opened the issue) · account: **not recorded yet** |" in status
    assert "Everyone on the call: hear from the first discoverer @erin" in status
    assert f"Everyone: join the Slack call ({CALL}) within 2 minutes" in status
    # Staffed, the call started: the investigators are asked; the call's start shows with its figure.
    body = edits.fill_slot(staffed(original()), "Start slack call", "11/20 09:01", "Start slack call by @erin")
    repo.human_edit(number, body)
    clock.now = OPENED + timedelta(minutes=3)
    status, _ = run(repo, number, config, clock)
    assert "started 11/20 09:01 UTC" in status and "join the Slack call" not in status
    assert "@alice @bob: hear from the first discoverer @erin" in status
    assert "Time to start the call: **1 min (within the 2 min time box)**" in status
    # The reporter's comment is their account.
    repo.human_comment(number, "erin", "I saw the 500 at 08:58 on the checkout page.", at=clock.now)
    status, _ = run(repo, number, config, clock)
    assert "account: their comment" in status or "account: [their comment](" in status
    assert "hear from the first discoverer" not in status


def test_found_by_line_is_the_account_and_names_the_discoverer() -> None:
    body = edits.fill_slot(
        staffed(corrected()), "Find this incident", "11/20 08:58", "Find this incident by @kenji (user report)"
    )
    from incident_kit.plan.conversation import discoverer_of

    d = discoverer_of(parse_incident(body, reference=OPENED), "erin", [], BOT)
    assert d.named == ("kenji",) and d.account.startswith("the timeline (line ")
    blank = discoverer_of(parse_incident(staffed(corrected()), reference=OPENED), "erin", [], BOT)
    assert blank.account == ""


def test_progress_silence_nudges_once_per_quiet_period(local: tuple[LocalRepository, Clock]) -> None:
    repo, clock = local
    config = Config()
    number = repo.open_issue("Checkout 500", original(), "erin", labels=("incident",))
    run(repo, number, config, clock)
    repo.human_edit(number, staffed(original()))
    clock.now = OPENED + timedelta(minutes=2)
    status, _ = run(repo, number, config, clock)  # investigators named at 09:02
    assert "no progress comment" not in status
    clock.now = OPENED + timedelta(minutes=31)
    status, _ = run(repo, number, config, clock)
    assert "no progress comment" not in status  # 29 minutes of quiet
    clock.now = OPENED + timedelta(minutes=40)
    status, done = run(repo, number, config, clock)
    line = "@alice @bob: no progress comment from an investigator since 11/20 09:02 UTC"
    assert line in status and "every 30 min" in status
    assert status.count("no progress comment") == 1
    # Later runs in the same quiet period change nothing.
    for minutes in (41, 55, 90):
        clock.now = OPENED + timedelta(minutes=minutes)
        again, done = run(repo, number, config, clock)
        assert again == status and not [d for d in done if "status" in d]
    # An investigator's comment ends the period; the next quiet period has its own single nudge.
    repo.human_comment(
        number, "bob", "Rolled back the payment client; watching errors.", at=OPENED + timedelta(minutes=95)
    )
    clock.now = OPENED + timedelta(minutes=100)
    status, _ = run(repo, number, config, clock)
    assert "no progress comment" not in status
    clock.now = OPENED + timedelta(minutes=130)
    status, _ = run(repo, number, config, clock)
    assert "since 11/20 10:35 UTC" in status and status.count("no progress comment") == 1
    # Off when the team says 0; never outside investigating.
    off = parse_config("progress-silence-minutes: 0")
    status, _ = run(repo, number, off, clock)
    assert "no progress comment" not in status


def test_progress_silence_setting_is_validated() -> None:
    assert parse_config("progress-silence-minutes: 45").progress_silence_minutes == 45
    assert Config().progress_silence_minutes == 30
    for bad in ("-1", "2000", "'30'", "thirty", "true"):
        with pytest.raises(ConfigError, match="'progress-silence-minutes' must be a whole number from 0 to 1440"):
            parse_config(f"progress-silence-minutes: {bad}")
    with pytest.raises(ConfigError, match="'weekly.template-path' must be a relative path inside the repository"):
        parse_config("weekly:\n  template-path: /etc/passwd")


def test_roles_in_status_invite_and_pdf_and_the_agenda_as_written(local: tuple[LocalRepository, Clock]) -> None:
    repo, clock = local
    config = parse_config(SETTINGS.split("notify:")[0])
    number = repo.open_issue("Checkout 500", original(), "erin", labels=("incident",))
    run(repo, number, config, clock)
    body = edits.set_meeting_role(edits.set_meeting_role(resolved(original()), "Facilitator", "alice"), "Writer", "bob")
    body = edits.tick(body, "Output pdf of this issue")
    repo.human_edit(number, body)
    clock.now = OPENED + timedelta(hours=2)
    status, _ = run(repo, number, config, clock)
    row = (
        "| Postmortem roles | Facilitator: @alice · Timekeeper: @alice (the Facilitator) · Writer: @bob · "
        "Rulekeeper: @bob (the Writer) |"
    )
    assert row in status
    files = repo.root / "files" / "main" / "incidents" / "2026"
    [ics] = list(files.rglob("*.ics"))
    [event] = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    text = str(event["DESCRIPTION"])
    assert (
        "Roles: Facilitator: @alice; Timekeeper: @alice (the Facilitator); Writer: @bob; Rulekeeper: @bob (the Writer)"
        in text
    )
    # The agenda is the body's own, minutes as written, and says it overruns the 2 hours.
    assert "- Listup good point of us about this incident (10min)" in text
    assert (
        "Root problem / We finished only firstaid, how to resolve it permanently? (40min): Brainstorming (20min)"
        in text
    )
    assert "The parts add up to 160 minutes, more than the 120-minute meeting" in text
    [pdf] = list(files.rglob("*.pdf"))
    pdf_text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages).split())
    assert "Postmortem Facilitator @alice" in pdf_text and "Postmortem Rulekeeper @bob (the Writer)" in pdf_text


def test_a_team_that_fixes_its_template_sees_the_fix_in_the_next_invite() -> None:
    fixed = parse_incident(resolved(corrected()))
    from incident_kit.plan.invite import agenda_lines

    lines = agenda_lines(fixed)
    assert (
        "Root problem / We finished only first aid, how to resolve it permanently? (25min): Brainstorming (15min); "
        "Discuss and create action items and issues (10min)" in lines
    )
    assert not any("add up to" in line for line in lines)
    # An invite without a body agenda keeps the built-in one.
    start = datetime(2026, 11, 24, 10, tzinfo=UTC)
    bare = Invite("u", "t", "https://x", start, start + timedelta(minutes=90), (), (), "o@example.com", 0, start)
    assert "Agenda (1 hour 30 minutes):" in description(bare) and "Root problem" in description(bare)
    assert build_ics(bare) == build_ics(bare)


# ---------------------------------------------------------------- the weekly check and the template's commits


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        gh.add_token(TOKEN, BOT)
        gh.add_repo(REPO)
        for login in ("alice", "bob", "carol", "dave"):
            gh.set_permission(REPO, login, "write")
        gh.now = OPENED
        yield gh


def after_meeting(body: str) -> str:
    body = edits.set_meeting_role(edits.set_meeting_role(resolved(body), "Facilitator", "alice"), "Writer", "bob")
    body = edits.fill_slot(body, "Finish slack call", "11/20 10:40")
    return edits.set_notes(body, "good point", "Rolled back in 4 minutes")


def test_weekly_links_the_commit_that_changed_the_template_and_lists_empty_notes(fake: FakeGitHub) -> None:
    number = fake.create_issue(
        REPO,
        "Checkout 500",
        after_meeting(original()),
        user="alice",
        labels=["incident-improvement"],
        created_at=OPENED,
    )["number"]
    monday = datetime(2026, 11, 30, 6, 17, tzinfo=UTC)
    gh = GitHubRepository(REPO, TOKEN, api_url=fake.base_url, bot_login=BOT)
    config = Config()
    # A commit before the incident does not count.
    fake.now = OPENED - timedelta(days=3)
    fake.put_file(REPO, ".github/ISSUE_TEMPLATE/incident.md", "old", message="Add the incident template")
    fake.now = monday
    report = scan(gh, config, bot_login=BOT, max_writes=10, now=monday)
    [reminder] = [c for c in fake.comments(REPO, number) if c["body"].startswith(REMINDER_MARKER)]
    text = reminder["body"]
    assert "no commit has changed `.github/ISSUE_TEMPLATE/incident.md` since this incident began (2026-11-20)" in text
    assert "- [ ] Update incident issue template." in text  # the box is the people's to tick
    # What is empty, by section: three brainstorming sections still hold the placeholder.
    assert text.count("`meeting-notes-empty`") == 3 and "ideas for workflow-problem" in text
    assert report.reminders == [number]
    lookups = [r for r in fake.requests if r.path.endswith("/commits")]
    assert len(lookups) == 1 and lookups[0].query["since"] == "2026-11-20T09:00:00Z"
    # The next week, after the team updated its template, the reminder links that commit.
    fake.now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    fake.put_file(REPO, ".github/ISSUE_TEMPLATE/incident.md", "new", message="Template: 25-minute topics\n\nbody")
    fake.put_file(REPO, "README.md", "x", message="Unrelated")
    sha = fake.commits(REPO)[-2]["sha"]
    nxt = monday + timedelta(days=7)
    fake.now = nxt
    scan(gh, config, bot_login=BOT, max_writes=10, now=nxt)
    reminders = [c for c in fake.comments(REPO, number) if c["body"].startswith(REMINDER_MARKER)]
    text = reminders[-1]["body"]
    assert f"[{sha[:7]}](https://github.com/{REPO}/commit/{sha}) Template: 25-minute topics" in text
    assert "If that is this incident's update, tick 'Update incident issue template'." in text
    assert "- [ ] Update incident issue template." in text
    if spec_available():  # every request and answer as GitHub's OpenAPI description has them
        assert check_requests(fake.requests) == [] and check_responses(fake.exchanges) == []
    # Not done while brainstorming is empty, even with every box ticked.
    assert not [c for c in fake.comments(REPO, number) if "every box is done" in c["body"]]


def test_sandbox_finds_the_template_commit(tmp_path: Path) -> None:
    repo = LocalRepository(tmp_path / "repo", clock=lambda: OPENED + timedelta(days=2))
    assert repo.last_commit_touching(".github/ISSUE_TEMPLATE/incident.md", OPENED) is None
    sha = repo.human_commit(".github/ISSUE_TEMPLATE/incident.md", b"x", "Fix the agenda\n\nwhy", "alice")
    found = repo.last_commit_touching(".github/ISSUE_TEMPLATE", OPENED)
    assert found is not None and found.sha == sha and found.message == "Fix the agenda" and found.author == "alice"
    assert repo.last_commit_touching(".github/ISSUE_TEMPLATE/incident.md", OPENED + timedelta(days=3)) is None


def test_phases_of_a_real_body_each_show_what_they_should() -> None:
    """A body walked from report to after the meeting: each phase's findings are the expected ones."""
    body = original()
    steps = [
        (body, OPENED, Phase.REPORTED, {"agenda-over-length"}, set()),
        (staffed(body), OPENED, Phase.INVESTIGATING, {"agenda-over-length"}, {"call-not-closed"}),
        (
            resolved(body),
            OPENED + timedelta(days=1),
            Phase.POSTMORTEM_SCHEDULED,
            {"agenda-over-length", "call-not-closed"},
            {"postmortem-roles-missing"},
        ),
        (
            resolved(body),
            datetime(2026, 11, 24, 12, 30, tzinfo=UTC),
            Phase.IMPROVING,
            {"postmortem-roles-missing", "meeting-notes-empty"},
            set(),
        ),
    ]
    for text, now, phase, present, absent in steps:
        context = IssueContext(labels=frozenset({"incident"}), created_at=OPENED, now=now)
        ev = evaluate(parse_incident(text, reference=OPENED), context, Config())
        rules = {f.rule for f in ev.findings}
        assert ev.phase is phase
        assert present <= rules and not (absent & rules), (phase, rules)
        agenda = next(f for f in ev.findings if f.rule == "agenda-over-length" or not present)
        # Only a note while the incident is live: nobody is nagged about the meeting then.
        expected = "warning" if phase.at_least(Phase.FIRST_AID_DONE) else "info"
        assert agenda.rule != "agenda-over-length" or agenda.severity == expected
