"""Messages that quote what a team wrote: the meeting's length as read, the zone a heading claims,
role lines with names rather than handles, and the findings in the order of the body's lines.

Bodies are the shipped template filled in the way hurried teams fill it, in English and Japanese;
the status comment is the one the first run would post (``incident-kit check --status``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from incident_kit.body import edits
from incident_kit.body.model import IssueContext
from incident_kit.body.parse import parse_incident
from incident_kit.entry import resources
from incident_kit.entry.preview import first_status
from incident_kit.rules.evaluate import Finding, evaluate
from incident_kit.settings.config import Config

CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
BLANK = resources.template_text().split("---\n", 2)[2].lstrip("\n")
TOKYO = Config(timezone="Asia/Tokyo")


def status(body: str, config: Config) -> str:
    return first_status(body, config, labels=frozenset(), closed=False, created_at=CREATED, now=NOW).markdown


# ---------------------------------------------------------------- 1. the meeting's length as read


@pytest.mark.parametrize(
    ("written", "config", "length"),
    [
        ("2026-11-25 15:00 JST - 90 min", Config(), "1 hour 30 minutes as written"),
        ("12月25日 14時〜15時", TOKYO, "1 hour as written"),
        ("2026/11/26 10:00 - 30分", TOKYO, "30 minutes as written"),
        ("11/26 10:00 -  2 hours", TOKYO, "2 hours as written"),  # the template's own tail, kept
        ("2026-11-26 10:00 JST", Config(), "2 hours: no length written"),
    ],
)
def test_the_status_comment_gives_the_meetings_length_as_read(written: str, config: Config, length: str) -> None:
    text = status(edits.set_postmortem(BLANK, written), config)
    assert f"**, {length}.\n" in text, text
    assert "unless written otherwise" not in text


# ---------------------------------------------------------------- 2. zone-unclear's example


def findings(body: str, config: Config, rule: str) -> list[Finding]:
    inc = parse_incident(body, reference=CREATED, timezone=config.timezone)
    return [f for f in evaluate(inc, IssueContext(created_at=CREATED), config).findings if f.rule == rule]


def line_of(body: str, text: str) -> int:
    return next(n for n, line in enumerate(body.splitlines(), 1) if text in line)


def zone_unclear(body: str) -> str:
    [finding] = findings(body, Config(), "zone-unclear")
    return finding.message


def test_zone_unclear_shows_the_zoneless_lines_own_time_with_the_zone() -> None:
    body = edits.fill_slot(BLANK, "Trigger this incident", "2026/11/20 10:00", "deploy of v2.3")
    body = edits.fill_slot(body, "Start this incident", "2026/11/20 19:00 JST")
    message = zone_unclear(body)
    bare, jst = line_of(body, "10:00"), line_of(body, "19:00 JST")
    assert f"line {bare} has no zone" in message and "so it is read in UTC" in message
    assert f"line {jst} writes JST ('2026/11/20 19:00 JST')" in message
    assert "write the zone on it (e.g. '2026/11/20 10:00 JST')" in message
    assert "on them" not in message and "'2026/11/20 19:00 JST')" not in message.split("e.g.")[1]


def test_zone_unclear_for_several_lines_speaks_of_them() -> None:
    body = edits.fill_slot(BLANK, "Trigger this incident", "11/20 9:40", "デプロイ")
    body = edits.fill_slot(body, "Start this incident", "11/20 9:52", "エラー増加")
    body = edits.fill_slot(body, "Find this incident", "11/20 19:01 JST", "ユーザーから問い合わせ")
    message = zone_unclear(body)
    assert (
        f"lines {line_of(body, '9:40')}, {line_of(body, '9:52')} have no zone" in message
        and "so they are read in UTC" in message
    )
    assert "if they are JST too, write the zone on them (e.g. '11/20 9:40 JST')" in message


# ---------------------------------------------------------------- 3. a (UTC) heading in a team that set another zone


def test_a_utc_heading_over_times_read_in_the_team_zone_is_said_once() -> None:
    body = edits.fill_slot(BLANK, "Start this incident", "11/20 19:05", "アラート発報")
    body = edits.fill_slot(body, "Find this incident", "11/20 19:12", "Staff (Slack #alerts)")
    body = edits.set_postmortem(body, "11/25 15:00 - 1時間")
    [finding] = findings(body, TOKYO, "zone-heading-utc")
    start, found, meeting = line_of(body, "19:05"), line_of(body, "19:12"), line_of(body, "11/25 15:00")
    assert finding.line == start and finding.severity == "info"
    assert finding.message.startswith(
        "The heading 'Timeline(UTC)' and 'Datetime(UTC)' say UTC, but times without a zone are read in Asia/Tokyo "
        f"per `timezone:` (lines {start}, {found}, {meeting}; '11/20 19:05' is Asia/Tokyo time)"
    ), finding.message
    assert "write it on the line (e.g. '11/20 19:05 UTC')" in finding.message
    assert "'Timeline(Asia/Tokyo)' and 'Datetime(Asia/Tokyo)'" in finding.message
    # In the status comment, too.
    assert "`zone-heading-utc`" in status(body, TOKYO)


@pytest.mark.parametrize(
    ("edit", "config"),
    [
        (lambda b: b, TOKYO),  # the template as it comes: no times, nothing to say
        (lambda b: edits.fill_slot(b, "Start this incident", "11/20 19:05 JST"), TOKYO),  # the zone is written
        (lambda b: edits.fill_slot(b, "Start this incident", "11/20 10:05 UTC"), TOKYO),
        (lambda b: edits.fill_slot(b, "Start this incident", "11/20 19:05"), Config()),  # UTC: the heading is right
        (
            lambda b: edits.fill_slot(
                b.replace("### Timeline(UTC)", "### Timeline（JST）"), "Start this", "11/20 19:05"
            ),
            TOKYO,
        ),
    ],
)
def test_no_utc_heading_finding_when_the_heading_is_true(edit: Callable[[str], str], config: Config) -> None:
    body = edit(BLANK)
    assert findings(body, config, "zone-heading-utc") == []


def test_a_zoneless_postmortem_date_alone_is_named() -> None:
    body = edits.set_postmortem(BLANK, "2026年11月25日 15時〜16時")
    [finding] = findings(body, TOKYO, "zone-heading-utc")
    assert finding.line == line_of(body, "15時")
    assert finding.message.startswith("The heading 'Datetime(UTC)' says UTC") and "(line " in finding.message


# ---------------------------------------------------------------- 4. role lines with names, not handles


def incident(body: str) -> str:
    """The body declared an incident the way people answer: one yes is enough."""
    return edits.answer(body, "50%", "yes")


def role_line(body: str, role: str, rest: str) -> str:
    """The role's TODO replaced by what a hurried person types there."""
    line = next(line for line in body.splitlines() if f"] {role}" in line)
    return body.replace(line, line.replace("TODO", rest), 1)


def test_a_role_written_as_a_plain_name_is_quoted_with_the_fix() -> None:
    body = role_line(incident(BLANK), "Recorder", "dave")
    body = role_line(body, "Communicator", "田中さん")
    body = role_line(body, "Investigator", "@ken")
    messages = {f.line: f.message for f in findings(body, Config(), "roles-missing")}
    assert messages[line_of(body, "Recorder(")] == (
        "Name the Recorder (exactly one person) with an @handle on its line (it says 'dave': write @dave "
        "(their GitHub login)), within the 1-minute time box."
    )
    assert (
        "(it says '田中さん': write each person's GitHub @handle instead)" in messages[line_of(body, "Communicator(")]
    )
    assert line_of(body, "Investigator(") not in messages
    # Untouched TODO lines still get the plain message.
    [todo] = findings(role_line(incident(BLANK), "Investigator", "@ken"), Config(), "roles-missing")[:1]
    assert "it says" not in todo.message


def test_a_name_beside_handles_is_named_not_dropped() -> None:
    body = role_line(incident(BLANK), "Investigator", "@ken, Tanaka-san")
    body = role_line(body, "Communicator", "@yui")
    body = role_line(body, "Recorder", "＠dave")
    [finding] = findings(body, Config(), "role-not-handle")
    assert finding.line == line_of(body, "Investigator(") and finding.severity == "warning"
    assert finding.message == (
        "The Investigator line names 'Tanaka-san' beside @ken, but only @handles count: write @Tanaka "
        "(their GitHub login)."
    )
    assert findings(body, Config(), "roles-missing") == []
    body = role_line(incident(BLANK), "Investigator", "@ken、山田さん、@aya")
    [finding] = findings(body, Config(), "role-not-handle")
    assert "names '山田さん' beside @ken, @aya" in finding.message and "GitHub @handle instead" in finding.message


# ---------------------------------------------------------------- 5. findings in the body's line order


def test_the_invite_warnings_sit_in_line_order_among_the_findings() -> None:
    body = edits.set_postmortem(incident(BLANK), "2026/11/19 15:00 JST - 90 min")
    body = edits.set_action_item(body, "Root problem", "気をつける")
    text = status(body, Config())
    listed = text.split("### What is missing\n", 1)[1].split("\n\n", 1)[0].splitlines()
    lines = [int(item.split("(line ", 1)[1].split(")", 1)[0]) if "(line " in item else 0 for item in listed]
    assert any("`postmortem-past`" in item for item in listed), listed
    past = next(i for i, item in enumerate(listed) if "`postmortem-past`" in item)
    assert any(n > lines[past] for n in lines), listed  # something below the meeting's line is listed after it
    assert lines == sorted(lines), listed
