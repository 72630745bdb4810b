"""Times as hurried teams write them: the zone once, then bare times; names with honorifics; what cannot be invited.

The cases come from a newcomer trial and from the way people type a timeline during an incident:
the first line gets a zone (or the Slack timestamp's zone), the next ones only the clock; Japanese
teams write 時/分 and 午後; a line past midnight has no date. Each test reads a real body written from
the template, through the same functions the action and the CLI use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from helpers import VIDEO
from helpers import run_cli as run

from incident_kit.body import edits
from incident_kit.body.model import Incident, IssueContext
from incident_kit.body.parse import parse_incident
from incident_kit.body.roles import attendees, name_key, not_invitable, without_honorific
from incident_kit.body.text import fold
from incident_kit.plan.bot_state import BotState
from incident_kit.plan.figures import first_aid_minutes, moments
from incident_kit.plan.invite import no_address, plan_invite
from incident_kit.plan.status import times_read
from incident_kit.rules.evaluate import Evaluation, evaluate
from incident_kit.settings.config import Config

CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SLOTS = (
    "Trigger this incident",
    "Start this incident",
    "Find this incident",
    "Know this incident",
    "Create this issue",
    "Start slack call",
    "Start investigating",
)


def timeline(template: str, *lines: str, heading: str | None = None) -> str:
    """The template with its first timeline slots replaced by ``lines`` as written (stamp and text)."""
    body = template
    for slot, line in zip(SLOTS, lines, strict=False):
        old = next(x for x in body.split("\n") if x.startswith("- xx/xx xx:xx: " + slot))
        body = body.replace(old, "- " + line, 1)
    if heading is not None:
        body = body.replace("### Timeline(UTC)", heading, 1)
    return body


def read(body: str, config: Config | None = None, now: datetime = CREATED) -> tuple[Incident, Evaluation]:
    cfg = config or Config()
    inc = parse_incident(body, reference=CREATED, timezone=cfg.timezone)
    return inc, evaluate(inc, IssueContext(created_at=CREATED, now=now), cfg)


def utc(inc: Incident) -> list[str]:
    return [f"{e.when:%m/%d %H:%M}" for e in inc.timeline if e.when is not None]


def found(ev: Evaluation, rule: str) -> list[str]:
    return [f.message for f in ev.findings if f.rule == rule]


# ---------------------------------------------------------------- the zone, written once


def test_english_zone_written_on_some_lines_only(template: str) -> None:
    body = timeline(
        template,
        "11/20 09:52 JST: deploy of #812 (payments)",
        "11/20 18:58: first 500s on /checkout",
        "11/20 19:01 JST: alert in #ops",
    )
    inc, ev = read(body)
    assert utc(inc) == ["11/20 00:52", "11/20 09:58", "11/20 10:01"]
    assert [e.zone_source for e in inc.timeline if e.when] == ["written", "inherited", "written"]
    assert found(ev, "timeline-order") == [] and found(ev, "zone-unclear") == []


def test_japanese_zone_once_then_hours_minutes_and_afternoon(template: str) -> None:
    body = timeline(
        template,
        "11月20日 18時52分 JST: 決済APIのデプロイ",
        "11月20日 19時: 障害開始",
        "19時05分: ユーザーから問い合わせ",
        "午後8時10分: 一次対応完了（ロールバック）",
    )
    inc, ev = read(body)
    assert utc(inc) == ["11/20 09:52", "11/20 10:00", "11/20 10:05", "11/20 11:10"]
    assert not [f for f in ev.findings if f.rule.startswith("timeline") or f.rule == "zone-unclear"]
    # The figures measure 1 h 18 min from the deploy line's zone, not 10 hours.
    span = inc.timeline[3].when - inc.timeline[0].when  # type: ignore[operator]
    assert span == timedelta(hours=1, minutes=18)
    # "Times as read" says where each inherited zone came from.
    first = inc.timeline[0].line
    shown = {t["written"]: t["zone"] for t in times_read(inc, Config())}
    assert shown["19時05分"] == f"JST, as on line {first}" and shown["11月20日 18時52分 JST"] == "JST"


def test_the_nearest_zone_above_wins_when_it_changes(template: str) -> None:
    # A US on-call pastes PST logs, then Tokyo takes over and writes JST once.
    body = timeline(
        template,
        "11/19 17:30 PST: deploy",
        "17:45: errors",
        "11/20 11:00 JST: Tokyo on call",
        "11:20: rollback",
    )
    inc, _ = read(body)
    assert utc(inc) == ["11/20 01:30", "11/20 01:45", "11/20 02:00", "11/20 02:20"]
    assert inc.timeline[1].zone == f"PST, as on line {inc.timeline[0].line}"


def test_a_time_alone_past_midnight_is_the_next_day(template: str) -> None:
    body = timeline(template, "11/20 23:50 JST: alert", "00:10: call", "00:40: rollback", "9:05am: postmortem set")
    inc, ev = read(body)
    assert utc(inc) == ["11/20 14:50", "11/20 15:10", "11/20 15:40", "11/21 00:05"]
    assert found(ev, "timeline-order") == []


def test_a_bare_time_a_little_earlier_is_out_of_order_not_tomorrow(template: str) -> None:
    body = timeline(template, "2026-11-20 19:00 JST: call", "18:30: found by a user")
    inc, ev = read(body)
    assert utc(inc) == ["11/20 10:00", "11/20 09:30"]
    [message] = found(ev, "timeline-order")
    # Quoted as written with the zone it was read in; never a bare converted time.
    assert "'18:30' (no zone written: read in JST, as on line" in message and "= 11/20 09:30 UTC" in message
    assert "'2026-11-20 19:00 JST' (= 11/20 10:00 UTC)" in message


def test_order_finding_quotes_what_was_written(template: str) -> None:
    # Both lines name a zone: the finding shows both as written, with the same moments in UTC.
    body = timeline(template, "11/20 18:58 UTC: errors", "11/20 19:01 JST: alert")
    _, ev = read(body)
    [message] = found(ev, "timeline-order")
    assert message.startswith(
        "Timeline entry '11/20 19:01 JST' (= 11/20 10:01 UTC) is earlier than the entry '11/20 18:58 UTC'"
    )
    assert "write the zone" not in message  # both wrote one: nothing was guessed


def test_zoneless_lines_before_the_first_zone_are_named_once(template: str) -> None:
    body = timeline(
        template,
        "11/20 09:40: deploy",
        "09:52: errors",
        "11/20 19:01 JST: user report",
        "19:10: call",
    )
    inc, ev = read(body)
    [message] = found(ev, "zone-unclear")
    first, second = inc.timeline[0].line, inc.timeline[1].line
    assert f"lines {first}, {second} have no zone" in message and "read in UTC" in message
    assert "timezone: Asia/Tokyo" in message and "'11/20 19:01 JST'" in message
    assert next(f.line for f in ev.findings if f.rule == "zone-unclear") == first
    # The team says its zone: the same lines are Tokyo time, and nothing is unclear.
    inc, ev = read(body, Config(timezone="Asia/Tokyo"))
    assert utc(inc) == ["11/20 00:40", "11/20 00:52", "11/20 10:01", "11/20 10:10"]
    assert found(ev, "zone-unclear") == [] and found(ev, "timeline-order") == []


def test_all_utc_or_all_bare_is_not_unclear(template: str) -> None:
    for lines in (("11/20 09:40: deploy", "09:52: errors"), ("11/20 09:40: deploy", "11/20 09:52 UTC: errors")):
        _, ev = read(timeline(template, *lines))
        assert found(ev, "zone-unclear") == []


def test_a_zone_written_on_the_heading(template: str) -> None:
    body = timeline(template, "11/20 18:52: deploy", "19:05: errors", heading="### Timeline(JST)")
    body = body.replace("#### Datetime(UTC)", "#### Datetime（JST）", 1)
    body = edits.set_postmortem(body, "11/25 19:00 - 90 min")
    inc, ev = read(body)
    assert utc(inc) == ["11/20 09:52", "11/20 10:05"]
    assert inc.timeline[0].zone == "JST (heading)"
    assert inc.postmortem.start == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert found(ev, "zone-unclear") == []
    # The template's own "(UTC)" is its default: the timezone: setting still decides.
    inc, _ = read(timeline(template, "11/20 18:52: deploy"), Config(timezone="Asia/Tokyo"))
    assert utc(inc) == ["11/20 09:52"]


def test_a_bare_postmortem_date_in_a_jst_body_is_unclear(template: str) -> None:
    body = edits.set_postmortem(timeline(template, "11/20 18:52 JST: deploy"), "11/25 19:00 - 2 hours")
    inc, ev = read(body)
    [message] = found(ev, "zone-unclear")
    assert "'11/25 19:00' names no zone" in message and "'11/25 19:00 JST'" in message
    assert next(f.line for f in ev.findings if f.rule == "zone-unclear") == inc.postmortem.line
    _, ev = read(edits.set_postmortem(body, "11/25 19:00 JST - 2 hours"))
    assert found(ev, "zone-unclear") == []


def test_a_first_line_with_only_a_time_still_asks_for_a_date(template: str) -> None:
    _, ev = read(timeline(template, "19:05 JST: errors", "19:10: call"))
    messages = found(ev, "timeline-format")
    assert len(messages) == 2 and "has no date" in messages[0]


# ---------------------------------------------------------------- names and who cannot be invited


@pytest.mark.parametrize(
    "written",
    [
        "Tanaka",
        "Tanaka-san",
        "Tanaka san",
        "tanaka-SAN",
        "Tanaka-sama",
        "Tanaka-kun",
        "Tanaka-chan",
        "Tanaka-sensei",
        "Mr. Tanaka",
        "Ms Tanaka",
        "Dr. Tanaka-san",
        "Ｔａｎａｋａさん",
    ],
)
def test_romanised_honorifics_match_people(written: str) -> None:
    people = {"Tanaka": "tanaka@example.com"}
    [person] = attendees(((40, written),))
    assert name_key(person.value) == "tanaka" and person.written == fold(written)
    assert not_invitable((person,), people) == ()


@pytest.mark.parametrize("name", ["Hassan", "Kohshi", "Chansen", "Sanada", "Kunio"])
def test_names_that_end_like_an_honorific_keep_it(name: str) -> None:
    assert without_honorific(name) == name and name_key(name) == name.lower()


def test_japanese_names_with_honorifics_several_to_a_line() -> None:
    people = {"山田": "yamada@example.com"}
    found_ = attendees(((40, "山田さん、鈴木様と佐藤くん"), (41, "@ken, Tanaka-san")))
    assert [a.shown for a in not_invitable(found_, people)] == ["鈴木", "佐藤", "@ken", "Tanaka"]


def test_invite_and_check_name_the_same_attendees(template: str, tmp_path: Path) -> None:
    body = edits.attach_video(edits.answer(template, "50%", "y"), VIDEO)
    body = edits.set_role(body, "Investigator", "sato")
    body = edits.set_postmortem(body, "2027-01-15 19:00 JST - 2 hours")
    body = edits.add_under(body, "Attendees", "- @ken, @mika, Tanaka-san\n- 山田さん、鈴木様\n- Mr. Kato")
    body = body.replace("- xxx\n", "", 1)
    (tmp_path / "issue.md").write_text(body, encoding="utf-8")
    (tmp_path / "people.yml").write_text("people:\n  Kato: kato@example.com\n", encoding="utf-8")
    check = run("check", "issue.md", "--config", "people.yml", cwd=tmp_path)
    [line] = [x for x in check.stdout.splitlines() if "attendee-not-invitable" in x]
    assert "@ken, @mika, Tanaka, 山田, 鈴木." in line and "Kato" not in line
    invite = run("invite", "issue.md", "--config", "people.yml", "--out", "pm.ics", cwd=tmp_path)
    assert invite.returncode == 0, invite.stderr
    [listed] = [x for x in invite.stdout.splitlines() if x.startswith("no e-mail address")]
    # Everyone check names, and the Investigator, who is concerned too.
    assert listed.endswith(": @sato, @ken, @mika, Tanaka, 山田, 鈴木")
    [event] = icalendar.Calendar.from_ical((tmp_path / "pm.ics").read_bytes()).walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:kato@example.com"  # "Mr. Kato" is Kato, the only one invited


# ---------------------------------------------------------------- postmortem-past, as written


def past(template: str, written: str, config: Config) -> str:
    body = edits.set_postmortem(template, written)
    inc = parse_incident(body, reference=CREATED, timezone=config.timezone)
    plan = plan_invite(
        inc,
        repository="octo/app",
        number=7,
        title="t",
        url="https://github.com/octo/app/issues/7",
        created_at=CREATED,
        author="",
        assignees=(),
        commenters=(),
        config=config,
        state=BotState(),
        phase=evaluate(inc, IssueContext(created_at=CREATED), config).phase,
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    [(rule, message, line)] = plan.warnings
    assert rule == "postmortem-past" and line == inc.postmortem.line
    assert plan.view is not None and no_address(plan.view) == []
    return message


def test_postmortem_past_quotes_the_date_as_written(template: str) -> None:
    message = past(template, "2026-11-25 19:00 JST - 2 hours", Config())
    assert message.startswith("The postmortem date '2026-11-25 19:00 JST' (= 2026-11-25 10:00 UTC) is in the past")
    assert "the time is UTC" not in message and "the meeting is 2 hours as written)" in message
    message = past(template, "11/25 19:00 - 90 min", Config(timezone="Asia/Tokyo"))
    assert "'11/25 19:00' (no zone written: read in Asia/Tokyo (team zone), = 2026-11-25 10:00 UTC)" in message
    assert "the time is UTC" not in message and "the meeting is 1 hour 30 minutes as written)" in message
    message = past(template, "2026年11月25日 10時", Config())
    assert "'2026年11月25日 10時' is in the past" in message and "so the time is UTC" in message
    assert "the meeting is 2 hours: no length written)" in message


def test_figures_use_the_inherited_zone(template: str) -> None:
    body = timeline(template, "11/20 18:52 JST: deploy", "11/20 19:00: Start this incident")
    body = body.replace("- xx/xx xx:xx: Finish first aid", "- 午後8時10分: Finish first aid", 1)
    inc, _ = read(body)
    m = moments(inc, CREATED, [], "incident-improvement")
    assert first_aid_minutes(m) == 70
