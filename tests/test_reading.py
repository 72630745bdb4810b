"""The readers of what people type: the time forms, the answer grammar, vague items, the settings behind them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from incident_kit.body.action_items import vague_phrase
from incident_kit.body.model import Answer
from incident_kit.body.text import fold
from incident_kit.body.triage import read_answer
from incident_kit.body.when import read_time
from incident_kit.settings.config import ConfigError, parse_config

REF = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "zone", "utc", "how"),
    [
        ("12/03 19:00 JST - 2 hours", "UTC", "2026-12-03 10:00", "JST"),
        ("2026-12-03 19:00 +09:00", "UTC", "2026-12-03 10:00", "+09:00"),
        ("12/03 19:00 -08:00", "UTC", "2026-12-04 03:00", "-08:00"),
        ("11/20 18:52 JST: found", "UTC", "2026-11-20 09:52", "JST"),
        ("11/20 2:45pm", "UTC", "2026-11-20 14:45", "UTC (team zone)"),
        ("12月3日 19:00", "Asia/Tokyo", "2026-12-03 10:00", "Asia/Tokyo (team zone)"),
        ("2026年12月3日(木) 19時半", "Asia/Tokyo", "2026-12-03 10:30", "Asia/Tokyo (team zone)"),
        ("2026/12/03 7pm Asia/Tokyo", "UTC", "2026-12-03 10:00", "Asia/Tokyo"),
        ("12/03 19:00 America/Los_Angeles", "UTC", "2026-12-04 03:00", "America/Los_Angeles"),
        ("12/03 19:00 PDT", "UTC", "2026-12-04 02:00", "PDT"),
        ("12/03 19:00 EDT", "UTC", "2026-12-03 23:00", "EDT"),
        ("12/03 19:00 CEST", "UTC", "2026-12-03 17:00", "CEST"),
        ("12/03 19:00 KST", "UTC", "2026-12-03 10:00", "KST"),
        ("2026-12-03T19:00:00Z", "Asia/Tokyo", "2026-12-03 19:00", "Z"),
        ("12/03 19:00 UTC+9", "UTC", "2026-12-03 10:00", "UTC+9"),
        ("12/03 10:00 (JST)", "UTC", "2026-12-03 01:00", "JST"),
        ("12/03 7:05 p.m. EST", "UTC", "2026-12-04 00:05", "EST"),
        ("12/03 午後7時 JST", "UTC", "2026-12-03 10:00", "JST"),
        (fold("１２/０３ １９：００ ＪＳＴ"), "UTC", "2026-12-03 10:00", "JST"),
        ("01/02 10:00", "UTC", "2027-01-02 10:00", "UTC (team zone)"),  # nearest year to the issue
    ],
)
def test_time_forms(written: str, zone: str, utc: str, how: str) -> None:
    read = read_time(written, REF, zone)
    assert read.error is None and read.when is not None
    assert f"{read.when:%Y-%m-%d %H:%M}" == utc and read.zone == how


@pytest.mark.parametrize(
    ("written", "error"),
    [
        ("12/03 19:00 CST", "'CST' could mean"),
        ("12/03 19:00 IST", "'IST' could mean"),
        ("12/03", "no time of day"),
        ("19:00 deploy", "has no date"),
        ("13/01 10:00", "not a real date"),
        ("12/03 25:00", "not a real date"),
        ("12/03 19:00 UTC+15", "not an offset"),
    ],
)
def test_times_that_cannot_be_read_say_why(written: str, error: str) -> None:
    read = read_time(written, REF, "UTC")
    assert read.when is None and error in (read.error or "")


def test_a_range_and_a_slash_word_are_not_zones() -> None:
    assert read_time("12/03 19:00-21:00", REF, "UTC").rest == "21:00"
    read = read_time("11/20 10:00 CI/CD broke", REF, "UTC")
    assert read.zone == "UTC (team zone)" and read.rest == "CI/CD broke"
    assert read_time("14:30 rollback", REF, "Asia/Tokyo", date(2026, 11, 20)).when == datetime(
        2026, 11, 20, 5, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("written", "answer"),
    [
        ("y", "yes"),
        ("YES!", "yes"),
        ("ｙ", "yes"),
        ("はい、全員", "yes"),
        ("○", "yes"),
        ("✔️", "yes"),
        ("true", "yes"),
        ("y (checkout down)", "yes"),
        ("**y**", "yes"),
        ("n", "no"),
        ("Ｎｏ", "no"),
        ("いいえ", "no"),
        ("×", "no"),
        ("false", "no"),
        ("no.", "no"),
        ("y/n", "unanswered"),
        ("(y/n)", "unanswered"),
        ("yes/no", "unanswered"),
        ("maybe", "unanswered"),
        ("?", "unanswered"),
        ("不明", "unanswered"),
        ("n/a", "unanswered"),
        ("tbd", "unanswered"),
    ],
)
def test_answer_grammar(written: str, answer: str) -> None:
    assert read_answer(fold(written)) is Answer(answer)


@pytest.mark.parametrize(
    "text",
    [
        "気をつけます",
        "気を付けよう",
        "注意します",
        "確認を徹底します",
        "頑張ります",
        "がんばろう",
        "心がけます",
        "意識します",
        "慎重に作業する",
        "念入りに確認する",
        "Be cautious",
        "Don't be careless",
        "Try harder",
        "Be more careful with configs",
        "pay closer attention",
        "double-checking every PR",
    ],
)
def test_vague_everyday_forms(text: str) -> None:
    assert vague_phrase(text)


@pytest.mark.parametrize(
    "text",
    [
        "Add a CI lint so reviewers no longer need to be careful about config keys #45",
        "Add a double-check step to the deploy script #13",
        "デプロイ前の確認をスクリプトで自動化する（注意するだけにしない）",
        "Update `deploy.sh` so nobody has to be careful about the flag order",
        "Rotate the key every 90 days",
    ],
)
def test_concrete_items_are_not_vague(text: str) -> None:
    assert vague_phrase(text) is None


def test_vague_phrases_add_to_the_built_ins_and_replacing_is_explicit() -> None:
    cfg = parse_config("vague-phrases: [様子を見る]\n")
    assert cfg.builtin_vague_phrases and cfg.vague_phrases == ("様子を見る",)
    assert vague_phrase("しばらく様子を見る", cfg.vague_phrases)
    assert vague_phrase("気をつけます", cfg.vague_phrases)  # the built-ins stay
    only = parse_config("vague-phrases: [様子を見る]\nbuiltin-vague-phrases: false\n")
    assert vague_phrase("気をつけます", only.vague_phrases, builtin=only.builtin_vague_phrases) is None
    with pytest.raises(ConfigError, match="builtin-vague-phrases' must be true or false"):
        parse_config("builtin-vague-phrases: sometimes\n")


def test_people_by_name_and_timezone_validation() -> None:
    cfg = parse_config("timezone: Asia/Tokyo\npeople:\n  taro: t@example.com\n  山田: y@example.com\n")
    assert cfg.timezone == "Asia/Tokyo" and cfg.people == {"taro": "t@example.com", "山田": "y@example.com"}
    with pytest.raises(ConfigError, match="IANA time zone"):
        parse_config("timezone: JST\n")
    with pytest.raises(ConfigError, match="handle such as @octocat, or a person's name"):
        parse_config("people:\n  a@b: x@example.com\n")


def test_status_comment_shows_every_time_read_in_utc_and_the_team_zone(template: str) -> None:
    from incident_kit.body.model import IssueContext
    from incident_kit.body.parse import parse_incident
    from incident_kit.plan.bot_state import BotState
    from incident_kit.plan.status import StatusView, render_status
    from incident_kit.rules.evaluate import evaluate
    from incident_kit.settings.config import Config

    body = template.replace("xx/xx xx:xx: Start this incident", "11/20 18:52 JST: Start this incident", 1)
    body = body.replace("xx/xx xx:xx: Find this incident", "11/20 19:05: Find this incident", 1)
    config = Config(timezone="Asia/Tokyo")
    inc = parse_incident(body, reference=REF, timezone=config.timezone)
    ev = evaluate(inc, IssueContext(created_at=REF, now=REF), config)
    text = render_status(StatusView("t", ev, IssueContext(), config, BotState()))
    assert (
        "Times as read (2; a time without a zone has the zone of the line above that names one, else Asia/Tokyo)"
        in (text)
    )
    assert "`11/20 18:52 JST` (JST) → 2026-11-20 09:52 UTC · 2026-11-20 18:52 Asia/Tokyo" in text
    # Written without a zone under a JST line: it is JST, and the comment says where that came from.
    line = 1 + body.splitlines().index("- 11/20 18:52 JST: Start this incident")
    assert f"`11/20 19:05` (JST, as on line {line}) → 2026-11-20 10:05 UTC · 2026-11-20 19:05 Asia/Tokyo" in text
