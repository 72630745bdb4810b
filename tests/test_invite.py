"""The postmortem invite: RFC 5545 files read back by three independent parsers (icalendar, vobject
and Mozilla's ical.js, Thunderbird's own, from npm), the Google link,
the attendee list, and the commit flow against the loopback fake GitHub API."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import vobject
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, edit_as, issue_payload, job, team_repo
from helpers import VIDEO, check, rules
from validators import icaljs

from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.plan.invite import Invite, Person, build_ics, google_link, propose_slot, uid_for
from incident_kit.settings.config import Config, PostmortemSettings

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def invite(**kw: object) -> Invite:
    fields: dict[str, object] = dict(
        uid=uid_for("octo/app", 7),
        title="Checkout is down",
        url="https://github.com/octo/app/issues/7",
        start=START,
        end=START + timedelta(hours=2),
        attendees=(Person("alice", "alice@example.com"), Person(None, "ceo@example.com")),
        missing=(),
        organizer="ops@example.com",
        sequence=0,
        stamp=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
    )
    fields.update(kw)
    return Invite(**fields)  # type: ignore[arg-type]


def both(data: bytes) -> tuple[icalendar.Calendar, object]:
    return icalendar.Calendar.from_ical(data), vobject.readOne(data.decode("utf-8"))


def thunderbird(data: bytes, tmp: Path) -> dict[str, Any]:
    """What ical.js (Thunderbird's parser) reads from the file: its one calendar."""
    path = tmp / "invite.ics"
    path.write_bytes(data)
    [calendar] = icaljs([path])
    return calendar


def test_fields_read_back_by_two_parsers() -> None:
    data = build_ics(invite())
    cal, vcal = both(data)
    [event] = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == uid_for("octo/app", 7) and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(hours=2)
    assert str(event["SUMMARY"]) == "Postmortem: Checkout is down"
    assert "https://github.com/octo/app/issues/7" in str(event["DESCRIPTION"])
    assert "Root problem" in str(event["DESCRIPTION"]) and "(40min)" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == "https://github.com/octo/app/issues/7"
    assert str(event["ORGANIZER"]) == "mailto:ops@example.com"
    assert sorted(str(a) for a in event["ATTENDEE"]) == ["mailto:alice@example.com", "mailto:ceo@example.com"]
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    ve = vcal.vevent  # type: ignore[attr-defined]
    assert ve.dtstart.value == START and ve.uid.value == uid_for("octo/app", 7)
    assert sorted(a.value for a in ve.attendee_list) == ["mailto:alice@example.com", "mailto:ceo@example.com"]
    assert len(ve.valarm_list) == 1
    assert data == build_ics(invite())  # same input, same bytes


def test_thunderbird_reads_the_invite_as_sent(tmp_path: Path) -> None:
    # A Japanese title, a meeting written in JST (stored as UTC), a name under Attendees: what a
    # calendar shows must be the same instant, people and agenda.
    title = "決済ページで500エラー（チェックアウト不能）"
    start = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 19:00 JST
    people = (Person("alice", "alice@example.com"), Person(None, "yamada@example.co.jp", "山田"))
    cal = thunderbird(
        build_ics(invite(title=title, start=start, end=start + timedelta(minutes=90), attendees=people, sequence=3)),
        tmp_path,
    )
    assert cal["method"] == "REQUEST" and cal["version"] == "2.0"
    [event] = cal["events"]
    assert event["summary"] == f"Postmortem: {title}"
    assert event["start"] == "2026-12-03T10:00:00.000Z" and event["end"] == "2026-12-03T11:30:00.000Z"
    assert event["start_zone"] == "UTC"
    assert event["uid"] == uid_for("octo/app", 7) and event["sequence"] == 3
    assert event["organizer"] == "mailto:ops@example.com"
    assert sorted(a["value"] for a in event["attendees"]) == ["mailto:alice@example.com", "mailto:yamada@example.co.jp"]
    names = {a["value"]: a["cn"] for a in event["attendees"]}
    assert names["mailto:alice@example.com"] == "alice" and names["mailto:yamada@example.co.jp"] == "山田"
    assert "Root problem" in event["description"] and "https://github.com/octo/app/issues/7" in event["description"]
    assert event["url"] == "https://github.com/octo/app/issues/7"
    assert event["alarms"] == ["-PT15M"]
    cancelled = thunderbird(build_ics(invite(cancelled=True, sequence=4)), tmp_path)
    assert cancelled["method"] == "CANCEL"
    assert cancelled["events"][0]["status"] == "CANCELLED" and cancelled["events"][0]["sequence"] == 4
    assert cancelled["events"][0]["alarms"] == []


def test_attendee_names_are_names_not_mentions() -> None:
    """A calendar shows CN as the attendee's name: `alice`, not `@alice` (a newcomer trial)."""
    people = (
        Person("alice", "alice@example.com"),
        Person(None, "taro@example.com", "山田 太郎"),
        Person(None, "ceo@example.com"),
    )
    cal, vcal = both(build_ics(invite(attendees=people)))
    [event] = cal.walk("VEVENT")
    names = {str(a): str(a.params["CN"]) for a in event["ATTENDEE"]}
    assert names == {
        "mailto:alice@example.com": "alice",
        "mailto:taro@example.com": "山田 太郎",
        "mailto:ceo@example.com": "ceo@example.com",
    }
    ve = vcal.vevent  # type: ignore[attr-defined]
    assert sorted(a.params["CN"][0] for a in ve.attendee_list) == sorted(names.values())


def test_uid_depends_on_repository_and_number_only() -> None:
    assert uid_for("octo/app", 7) == uid_for("Octo/App", 7) != uid_for("octo/app", 8) != uid_for("octo/other", 7)


def test_cancel() -> None:
    cal, vcal = both(build_ics(invite(cancelled=True, sequence=2)))
    [event] = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2 and event.walk("VALARM") == []
    assert vcal.method.value == "CANCEL"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "title",
    ["Meeting\r\nATTENDEE:mailto:attacker@example.com", "x\rBEGIN:VALARM", "a;b,c\\d\nEND:VEVENT\nBEGIN:VEVENT"],
)
def test_hostile_titles_add_nothing(title: str) -> None:
    data = build_ics(invite(title=title))
    cal, vcal = both(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1 and len(cal.walk("VALARM")) == 1
    assert sorted(str(a) for a in events[0]["ATTENDEE"]) == ["mailto:alice@example.com", "mailto:ceo@example.com"]
    assert len(vcal.vevent_list) == 1  # type: ignore[attr-defined]
    unfolded = data.replace(b"\r\n ", b"").split(b"\r\n")
    assert not [line for line in unfolded if line.startswith((b"ATTENDEE", b"BEGIN:VALARM")) and b"attacker" in line]
    assert sum(line == b"BEGIN:VALARM" for line in unfolded) == 1


def test_long_multibyte_titles_fold_without_splitting_utf8() -> None:
    title = "決済ページが全ユーザーで500エラーを返す障害（チェックアウト不能）" * 4
    data = build_ics(invite(title=title))
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # raises if a fold split a character
    cal, vcal = both(data)
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == f"Postmortem: {title}"
    assert vcal.vevent.summary.value == f"Postmortem: {title}"  # type: ignore[attr-defined]


def test_google_link_decodes_to_the_same_times() -> None:
    link = google_link(invite())
    parts = urlsplit(link)
    assert parts.netloc == "calendar.google.com" and parts.path == "/calendar/render"
    query = parse_qs(parts.query)
    assert query["action"] == ["TEMPLATE"]
    start, end = query["dates"][0].split("/")
    assert datetime.strptime(start, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == START
    assert datetime.strptime(end, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == START + timedelta(hours=2)
    assert query["add"] == ["alice@example.com,ceo@example.com"]
    assert query["text"] == ["Postmortem: Checkout is down"]


def test_proposal_skips_weekends_and_holidays() -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    cfg = Config(postmortem=PostmortemSettings(hour=10, holidays=(date(2026, 11, 30),)))
    assert propose_slot(friday, cfg) == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    tokyo = Config(timezone="Asia/Tokyo", postmortem=PostmortemSettings(hour=10))
    assert propose_slot(friday, tokyo) == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert propose_slot(friday, Config(postmortem=PostmortemSettings(within_days=2))) is None


def test_past_date_warning_and_impossible_date(template: str) -> None:
    body = edits.set_postmortem(template, "02/30 25:00 - 2 hours")
    assert "postmortem-date" in rules(check(body))


def test_cli_builds_the_same_file(template: str, tmp_path: Path) -> None:
    body = tmp_path / "issue.md"
    body.write_text(edits.set_postmortem(template, "2026-12-01 10:00 - 90 min"))
    out = tmp_path / "pm.ics"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "incident_kit",
            "invite",
            str(body),
            "--title",
            "T",
            "--number",
            "7",
            "--repo",
            "octo/app",
            "--out",
            str(out),
            "--created-at",
            "2026-11-27T00:00:00Z",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    [event] = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert str(event["UID"]) == uid_for("octo/app", 7)
    assert "placeholder" not in res.stderr and "https://github.com/octo/app/issues/7" in str(event["URL"])
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    # Without --repo/--number the link is made up: the invite still builds, and a warning says so.
    for given, missing in (([], "pass --repo OWNER/NAME and --number N"), (["--repo", "octo/app"], "pass --number N")):
        res = subprocess.run(
            [sys.executable, "-m", "incident_kit", "invite", str(body), "--out", str(out), *given],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert res.returncode == 0, res.stderr
        link = f"https://github.com/{given[1] if given else 'local/incidents'}/issues/0"
        assert f"warning: the issue link in the invite and the Google Calendar link, {link}, is a placeholder" in (
            res.stderr
        )
        assert missing in res.stderr, res.stderr
        assert link in str(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")[0]["URL"])
    no_date = tmp_path / "none.md"
    no_date.write_text(template)
    res = subprocess.run(
        [sys.executable, "-m", "incident_kit", "invite", str(no_date)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert res.returncode == 2 and "no postmortem date" in res.stderr


# ---------------------------------------------------------------- against the fake API

PEOPLE = "people:\n  alice: alice@example.com\n  carol: carol@example.com\nstakeholders: [ceo@example.com]\n"


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with team_repo() as gh:
        gh.put_file(REPO, ".github/incident-kit.yml", PEOPLE)
        yield gh


def resolved(template: str) -> str:
    body = template.split("---\n", 2)[2]
    body = edits.answer(body, "50%", "y")
    body = edits.set_role(body, "Investigator", "alice", "bob")
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    body = edits.attach_video(body, VIDEO)
    return edits.tick(edits.tick(body, "firstaid"), "Announce resolving this incident")


def run(fake: FakeGitHub, tmp: Path, n: int) -> tuple[int, dict[str, str]]:
    j = job(tmp, fake.base_url, payload=issue_payload(n, "alice"))
    return runner.main(j.env), j.outputs()


def edit(fake: FakeGitHub, n: int, body: str) -> None:
    edit_as(fake, "alice", n, body)


def status(fake: FakeGitHub, n: int) -> str:
    return next(str(c["body"]) for c in fake.comments(REPO, n) if c["user"]["login"] == BOT)


def test_schedule_reschedule_cancel(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    fake.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    body = edits.set_postmortem(resolved(template), "2026-12-01 10:00 -  2 hours")
    n = fake.create_issue(REPO, "Checkout is down", body, user="alice", labels=["incident"])["number"]
    fake.add_comment(REPO, n, "I saw it too", user="bob")
    code, out = run(fake, tmp_path / "1", n)
    path = "incidents/2026/1/postmortem.ics"
    assert code == 0 and out["ics-path"] == path
    first = fake.file(REPO, path)
    assert first is not None
    [event] = icalendar.Calendar.from_ical(first).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 0
    [seen] = thunderbird(first, tmp_path)["events"]  # the committed file, as Thunderbird reads it
    assert (seen["start"], seen["end"], seen["sequence"]) == ("2026-12-01T10:00:00.000Z", "2026-12-01T12:00:00.000Z", 0)
    assert sorted(a["value"] for a in seen["attendees"]) == [
        "mailto:alice@example.com",
        "mailto:carol@example.com",
        "mailto:ceo@example.com",
    ]
    assert sorted(str(a) for a in event["ATTENDEE"]) == [
        "mailto:alice@example.com",
        "mailto:carol@example.com",
        "mailto:ceo@example.com",
    ]
    text = status(fake, n)
    assert "2026-12-01 10:00 UTC" in text and "calendar.google.com/calendar/render" in text
    assert f"/blob/main/{path}" in text
    assert "No e-mail address for @bob, @dave" in text
    # Issue #14: the committed invite is "ready", not sent: the box is not done until people got it
    # (incident-kit e-mailed it, or a person ticked it), and the status says who has to send it.
    import re

    from incident_kit.body.checklist import open_items_by_section
    from incident_kit.body.model import IssueContext
    from incident_kit.body.parse import parse_incident
    from incident_kit.settings.config import Labels

    labels = frozenset(fake.label_names(REPO, n))
    inc = parse_incident(body)
    without = open_items_by_section(inc, IssueContext(labels=labels), Labels())["How to resolve the incident"]
    shown = int(re.search(r"How to resolve the incident: (\d+)", text).group(1))  # type: ignore[union-attr]
    assert shown == without
    assert "The postmortem invite is committed (ready) but has not been sent to anyone: @carol" in text
    assert "configure e-mail (`notify.email`" in text
    commits = len(fake.commits(REPO))
    fake.reset_log()
    run(fake, tmp_path / "2", n)
    assert len(fake.commits(REPO)) == commits and fake.writes() == []
    ics_commits = [c for c in fake.commits(REPO) if c.get("path") == path]
    assert len(ics_commits) == 1
    # Moving the meeting: same UID, higher SEQUENCE.
    edit(fake, n, edits.set_postmortem(body, "2026-12-02 22:00 JST - 90 min"))  # written in the team's zone
    run(fake, tmp_path / "3", n)
    [seen] = thunderbird(fake.file(REPO, path) or b"", tmp_path)["events"]
    assert (seen["start"], seen["end"], seen["sequence"]) == ("2026-12-02T13:00:00.000Z", "2026-12-02T14:30:00.000Z", 1)
    [moved] = icalendar.Calendar.from_ical(fake.file(REPO, path)).walk("VEVENT")  # type: ignore[arg-type]
    assert str(moved["UID"]) == str(event["UID"]) and int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTEND") - moved.decoded("DTSTART") == timedelta(minutes=90)
    # Removing the date cancels it.
    edit(fake, n, edits.set_postmortem(body, "xx/xx xx:xx -  2 hours"))
    run(fake, tmp_path / "4", n)
    cancelled = icalendar.Calendar.from_ical(fake.file(REPO, path))  # type: ignore[arg-type]
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert int(cancelled.walk("VEVENT")[0]["SEQUENCE"]) == 2
    assert "Cancelled (was 2026-12-02 13:00 UTC)" in status(fake, n)
    fake.reset_log()
    run(fake, tmp_path / "5", n)
    assert fake.writes() == []


def test_concurrent_commit_409_is_retried_with_the_fresh_sha(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    body = edits.set_postmortem(resolved(template), "2026-12-01 10:00")
    n = fake.create_issue(REPO, "x", body, user="alice", labels=["incident"])["number"]
    fake.put_file(REPO, "incidents/2026/1/postmortem.ics", "stale")
    fake.fault("PUT", r"/contents/incidents/", status=409, body={"message": "does not match"})
    code, out = run(fake, tmp_path, n)
    assert code == 0
    data = fake.file(REPO, "incidents/2026/1/postmortem.ics")
    assert data is not None and data.startswith(b"BEGIN:VCALENDAR")
    assert fake.count("PUT", r"\.ics$") == 2


def test_proposal_in_the_status_comment(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    fake.now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # a Friday
    n = fake.create_issue(REPO, "x", resolved(template), user="alice", labels=["incident"])["number"]
    run(fake, tmp_path, n)
    text = status(fake, n)
    assert "Proposed slot:" in text
    assert fake.file(REPO, "incidents/2026/1/postmortem.ics") is None


def test_postmortem_past_warning_holds_on_every_run(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    """Issue #13: a date that was already past when it was written warns on every run while it stays
    (it used to show once and vanish), so a second run changes nothing; a corrected date clears it."""
    body = edits.set_postmortem(resolved(template), "2021-03-02 10:00")  # the year is a typo
    n = fake.create_issue(REPO, "Checkout is down", body, user="alice", labels=["incident"])["number"]
    assert run(fake, tmp_path / "1", n)[0] == 0
    assert "postmortem-past" in status(fake, n) and "2021-03-02 10:00 UTC" in status(fake, n)
    first = status(fake, n)
    fake.reset_log()
    assert run(fake, tmp_path / "2", n)[0] == 0
    assert status(fake, n) == first and "postmortem-past" in status(fake, n)
    assert fake.writes() == []  # running twice changes nothing
    # The date corrected: no warning, and it stays gone.
    edit(fake, n, edits.set_postmortem(body, "2031-03-02 10:00"))
    run(fake, tmp_path / "3", n)
    assert "postmortem-past" not in status(fake, n)
    fake.reset_log()
    run(fake, tmp_path / "4", n)
    assert "postmortem-past" not in status(fake, n) and fake.writes() == []


def test_a_meeting_that_took_place_is_not_past_warned(template: str) -> None:
    """The record of a date planned while it was ahead: once the meeting has passed, no warning."""
    from incident_kit.basics.times import format_iso
    from incident_kit.body.model import Phase
    from incident_kit.body.parse import parse_incident
    from incident_kit.plan.bot_state import BotState, InviteRecord
    from incident_kit.plan.invite import plan_invite
    from incident_kit.settings.config import Config

    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    body = edits.set_postmortem(resolved(template), "2026-12-01 10:00")
    inc = parse_incident(body)

    def warnings(state: BotState, now: datetime) -> list[str]:
        p = plan_invite(
            inc, repository=REPO, number=1, title="t", url="u", created_at=start - timedelta(days=3),
            author="alice", assignees=(), commenters=(), config=Config(), state=state,
            phase=Phase.POSTMORTEM_SCHEDULED, now=now,
        )  # fmt: skip
        return [w[0] for w in p.warnings]

    planned_ahead = InviteRecord(0, start=format_iso(start), stamp=format_iso(start - timedelta(days=2)))
    assert warnings(BotState(invite=planned_ahead), start + timedelta(days=5)) == []
    assert warnings(BotState(), start + timedelta(days=5)) == ["postmortem-past"]
    typo = InviteRecord(0, start=format_iso(start), past=True)
    assert warnings(BotState(invite=typo), start + timedelta(days=5)) == ["postmortem-past"]
