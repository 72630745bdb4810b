"""Values that pass a first look but would crash when used: path templates, deep YAML, Unicode
digits, dates at the ends of the calendar.

Each is caught where it is read (the settings file at load, an input before the run, a date in
the body as a finding) and checked through what a team runs: ``incident-kit check`` and the
action's entry point against the fake GitHub API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, issue_payload, job, team_repo
from helpers import VIDEO, check

from incident_kit.body import edits
from incident_kit.body.model import Phase
from incident_kit.body.parse import parse_incident
from incident_kit.entry import action as runner
from incident_kit.entry import cli, gha
from incident_kit.plan.bot_state import BotState, from_dict
from incident_kit.plan.invite import plan_invite
from incident_kit.plan.weekly import load_state
from incident_kit.settings.config import Config, ConfigError, load_config, parse_config

# ---------------------------------------------------------------- path templates


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "postmortem:\n  ics-path: incidents/{slug}.ics\n",
            "x.yml:2: 'postmortem.ics-path' must be a path whose placeholders are {year} and {number} "
            "({slug} is not one)",
        ),
        ("postmortem:\n  ics-path: incidents/{year/x.ics\n", "x.yml:2: 'postmortem.ics-path' must be a path whose"),
        ("postmortem:\n  ics-path: 'incidents/{year.__class__}.ics'\n", "({year.__class__} is not one)"),
        ("postmortem:\n  ics-path: incidents/{0}.ics\n", "({0} is not one)"),
        ("postmortem:\n  ics-path: incidents/{year}/\n", "must be a relative path inside the repository"),
        (
            "report:\n  branch: reports\n  path: 'r/{number}-{title}.pdf'\n",
            "x.yml:3: 'report.path' must be a path whose placeholders are {year}, {month}, {day}, {number} and "
            "{slug} ({title} is not one)",
        ),
        ("report:\n  path: r/{number}}.pdf\n", "(a { or } is left open)"),
        ("report:\n  path: 'r/{number'\n", "(a { or } is left open)"),
        ("report:\n  path: r//{number}.pdf\n", "must be a relative path inside the repository"),
        ("report:\n  path: r/./{number}.pdf\n", "must be a relative path inside the repository"),
        ("report:\n  path: 'r\\{number}.pdf'\n", "must be a relative path inside the repository"),
    ],
)
def test_path_templates_are_checked_at_load_for_the_placeholders_they_are_filled_with(
    yaml_text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(yaml_text, "x.yml")
    assert message in str(caught.value)


def test_every_allowed_placeholder_still_loads_and_fills() -> None:
    from incident_kit.plan.invite import ics_path
    from incident_kit.render.pdf import report_path

    config = parse_config(
        "postmortem:\n  ics-path: pm/{year}/{number}.ics\nreport:\n  path: r/{year}-{month}-{day}/{number}-{slug}.pdf\n"
    )
    assert ics_path(config, 2026, 7) == "pm/2026/7.ics"
    created = datetime(2026, 3, 4, tzinfo=UTC)
    assert report_path(config.report.path, created, 7, "DB down") == "r/2026-03-04/7-db-down.pdf"


# ---------------------------------------------------------------- YAML shapes


@pytest.mark.parametrize(
    "yaml_text",
    [
        "engineers: " + "[" * 5000 + "]" * 5000,
        "engineers:\n" + "".join("  " * i + "-\n" for i in range(5000)),
        "a: " + "{a: " * 5000 + "}" * 5000,
        "- " * 5000 + "x",
    ],
    ids=["flow-list", "block-list", "flow-map", "inline-dashes"],
)
def test_5000_deep_nesting_is_a_config_error_not_a_recursion_error(yaml_text: str) -> None:
    with pytest.raises(ConfigError, match=r"x\.yml:\d+: lists or mappings nested more than 20 levels deep"):
        parse_config(yaml_text, "x.yml")


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("postmortem:\n  hour: !!int ten\n", "x.yml:2: 'postmortem.hour' must be a plain value"),
        ("postmortem:\n  holidays: [!!timestamp 2026-13-45]\n", "x.yml:2: 'postmortem.holidays' must be a plain"),
        ("postmortem:\n  hour: !!python/name:os.system ''\n", "x.yml:2: 'postmortem.hour' must be a plain value"),
        ("postmortem:\n  hour: !!python/object/apply:os.system [echo]\n", "'postmortem.hour' must be a single"),
        ("tick-boxes: !!binary '%%%'\n", "x.yml:1: 'tick-boxes' must be true or false"),
        ("postmortem:\n  hour: !!float nan-ish\n", "x.yml:2: 'postmortem.hour' must be a plain value"),
    ],
)
def test_explicit_tags_that_do_not_fit_are_config_errors(yaml_text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(yaml_text, "x.yml")
    assert message in str(caught.value)


def test_cli_check_names_the_file_and_line_of_a_bad_template(
    tmp_path: Path, template: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "kit.yml"
    settings.write_text("postmortem:\n  hour: 10\n  ics-path: pm/{slug}.ics\n", encoding="utf-8")
    body = tmp_path / "issue.md"
    body.write_text(template, encoding="utf-8")
    assert cli.main(["check", str(body), "--config", str(settings)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"{settings}:3: 'postmortem.ics-path'" in err and "{year} and {number}" in err
    assert "Traceback" not in err


def test_load_config_says_which_encoding_to_save_in(tmp_path: Path) -> None:
    settings = tmp_path / "kit.yml"
    settings.write_bytes("labels:\n  incident: 障害\n".encode("cp932"))
    with pytest.raises(ConfigError, match=r"kit\.yml:2: the file is not UTF-8 \(it looks like Shift_JIS\)"):
        load_config(str(settings))


# ---------------------------------------------------------------- Unicode digits


@pytest.mark.parametrize("value", ["²", "①", "１２", "1²", "٣", "9" * 5000, "+5", " "])
@pytest.mark.parametrize("name", ["INCIDENT_KIT_ISSUE_NUMBER", "INCIDENT_KIT_MAX_WRITES"])
def test_inputs_with_digits_int_would_refuse_are_input_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    j = job(tmp_path, "http://127.0.0.1:9")
    env = {**j.env, name: value}
    if value.strip() == "" and name == "INCIDENT_KIT_ISSUE_NUMBER":
        assert gha.read_env(env).issue_number is None  # empty means: from the event
        return
    with pytest.raises(gha.InputError, match="in the digits 0-9"):
        gha.read_env(env)
    assert runner.main(env) == 1
    assert "::error title=incident-kit input::input '" in capsys.readouterr().out


def test_a_dispatch_payload_with_odd_digits_asks_for_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    j = job(tmp_path, "http://127.0.0.1:9", event="workflow_dispatch", payload={"inputs": {"issue-number": "①"}})
    assert runner.main(j.env) == 1
    assert "no issue to work on" in capsys.readouterr().out


def test_weekly_state_with_unicode_digits_is_ignored_with_a_note() -> None:
    data = json.dumps(
        {
            "v": 1,
            "last_success": "0001-01-01T00:00:00Z",
            "reminded": {"²": "2026-W48", "①": "2026-W48", "12": "2026-W48"},
            "followups": {"１３": {"incident": 12, "key": "k", "text": "t"}},
            "facts": {"٣": {"at": "2026-11-30T06:00:00Z", "f": []}},
            "trend": {"２０２６-１１": [12]},
        }
    ).encode()
    state, note = load_state(data)
    assert state.reminded == {12: "2026-W48"} and state.followups == {} and state.facts == {}
    assert state.trend == {} and state.last_success is None
    assert note is not None and "4 entries without an issue number" in note


def test_weekly_run_on_a_hand_edited_state_file_goes_on(tmp_path: Path) -> None:
    with team_repo() as fake:
        fake.put_file(REPO, "incidents/.incident-kit-weekly.json", json.dumps({"v": 1, "reminded": {"²": "x"}}))
        j = job(tmp_path, fake.base_url, event="schedule")
        assert runner.main(j.env) == 0
        assert "without an issue number ('²'); ignored them" in j.summary.read_text()


# ---------------------------------------------------------------- dates at the ends of the calendar

EXTREMES = ["9999-12-31 23:00", "0001-01-01 00:00", "9999-12-31 12:00 - 3 hours", "1969-12-31 23:59"]
ZONES = Config(timezone="America/Los_Angeles", display_timezones=("Pacific/Kiritimati", "Pacific/Pago_Pago"))


@pytest.mark.parametrize("when", EXTREMES)
def test_an_out_of_range_postmortem_date_is_a_finding(template: str, when: str) -> None:
    body = edits.set_postmortem(template, when)
    ev = check(body, config=ZONES)
    [finding] = [f for f in ev.findings if f.rule == "postmortem-date"]
    assert "is out of range (write one from 1970 to 9998)" in finding.message
    assert finding.severity == "error"


@pytest.mark.parametrize("when", EXTREMES)
def test_out_of_range_timeline_entries_are_findings_and_figures_still_compute(template: str, when: str) -> None:
    body = template.replace("- xx/xx xx:xx: Start this incident", f"- {when}: Start this incident")
    body = body.replace("- xx/xx xx:xx: Finish first aid", "- 0001-01-01 00:00: Finish first aid")
    ev = check(body, config=ZONES)
    assert any("is out of range" in f.message for f in ev.findings if f.rule == "timeline-format")


def test_the_edge_years_themselves_work_in_every_zone(template: str) -> None:
    for when in ("1970-01-01 00:00", "9998-12-31 23:00 - 24 hours"):
        body = edits.set_postmortem(template, when)
        incident = parse_incident(body, reference=datetime(2026, 11, 20, tzinfo=UTC))
        assert incident.postmortem.start is not None and incident.postmortem.error is None
        plan = plan_invite(
            incident,
            repository=REPO,
            number=1,
            title="x",
            url="https://github.com/octo/app/issues/1",
            created_at=datetime(2026, 11, 20, tzinfo=UTC),
            author="alice",
            assignees=(),
            commenters=(),
            config=ZONES,
            state=BotState(),
            phase=Phase.RESOLVED,
            now=datetime(2026, 11, 20, tzinfo=UTC),
        )
        assert plan.content is not None and plan.view is not None and len(plan.view.times) == 4


def test_an_out_of_range_invite_in_the_bots_state_is_not_trusted(template: str) -> None:
    incident = parse_incident(template, reference=datetime(2026, 11, 20, tzinfo=UTC))
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for start in ("0001-01-01T00:00:00Z", "9999-12-31T23:00:00Z", "2026-11-19T10:00:00"):
        state = {"invite": {"start": start, "end": "9999-12-31T23:59:00Z", "cancelled": False, "seq": 0}}
        plan = plan_invite(
            incident,
            repository=REPO,
            number=1,
            title="x",
            url="https://github.com/octo/app/issues/1",
            created_at=now,
            author="alice",
            assignees=(),
            commenters=(),
            config=ZONES,
            state=from_dict(state),
            phase=Phase.RESOLVED,
            now=now,
        )
        assert plan.invite is not None and plan.invite.cancelled  # the date was removed: a cancel
        assert 1970 <= plan.invite.start.year <= 9998


@pytest.mark.parametrize("when", ["9999-12-31 23:00", "0001-01-01 00:00"])
def test_cli_check_and_invite_report_the_range_without_a_traceback(
    tmp_path: Path, template: str, when: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = tmp_path / "issue.md"
    body.write_text(edits.set_postmortem(template, when), encoding="utf-8")
    settings = tmp_path / "kit.yml"
    settings.write_text("timezone: America/Los_Angeles\ndisplay-timezones: [Pacific/Kiritimati]\n")
    assert cli.main(["check", str(body), "--config", str(settings)]) == cli.EXIT_FINDINGS
    out = capsys.readouterr().out
    assert "postmortem-date" in out and "is out of range" in out
    assert cli.main(["invite", str(body), "--config", str(settings), "--out", str(tmp_path / "x.ics")]) != 0
    captured = capsys.readouterr()
    assert "is out of range" in captured.err + captured.out and not (tmp_path / "x.ics").exists()


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with team_repo() as gh:
        gh.put_file(
            REPO,
            ".github/incident-kit.yml",
            "timezone: Asia/Tokyo\ndisplay-timezones: [America/Los_Angeles, Pacific/Pago_Pago]\n"
            "people:\n  alice: alice@example.com\n",
        )
        yield gh


@pytest.mark.parametrize("when", ["9999-12-31 23:00", "0001-01-01 00:00"])
def test_a_run_with_an_out_of_range_date_reports_it_and_does_everything_else(
    fake: FakeGitHub, template: str, tmp_path: Path, when: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = template.split("---\n", 2)[2]
    body = edits.answer(body, "50%", "y")
    body = edits.set_role(body, "Investigator", "alice", "bob")
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    body = edits.attach_video(body, VIDEO)
    body = edits.tick(edits.tick(body, "firstaid"), "Announce resolving this incident")
    body = edits.set_postmortem(body, when)
    body = body.replace("- xx/xx xx:xx: Start this incident", f"- {when}: Start this incident")
    n = fake.create_issue(REPO, "Checkout is down", body, user="alice", labels=["incident"])["number"]
    j = job(tmp_path, fake.base_url, payload=issue_payload(n, "alice"))
    runner.main(j.env)
    printed = capsys.readouterr().out
    assert "::error title=incident-kit postmortem-date::" in printed and "is out of range" in printed
    assert "Traceback" not in printed
    [comment] = [c for c in fake.comments(REPO, n) if c["user"]["login"] == BOT]
    assert "is out of range" in str(comment["body"])
    assert j.outputs()["ics-path"] == "" and not [c for c in fake.commits(REPO) if str(c.get("path")).endswith(".ics")]
    # Running again changes nothing.
    fake.reset_log()
    runner.main(job(tmp_path / "again", fake.base_url, payload=issue_payload(n, "alice")).env)
    assert fake.writes() == []
