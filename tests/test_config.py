"""Settings: defaults, every kind of mistake named with its file and line, nothing ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_kit.settings.config import Config, ConfigError, load_config, parse_config


def test_empty_file_and_comments_mean_defaults() -> None:
    # The starter file's own tests (every value it shows is the default, every example is valid)
    # are in test_settings_reference.py: the starter is generated from the schema now (issue #15).
    assert parse_config("") == Config()
    assert parse_config("# only a comment\n") == Config()


def test_full_config() -> None:
    cfg = parse_config(
        """
labels:
  incident: sev
engineers: ["@alice", bob]
people: {alice: alice@example.com}
video: {mode: warn, allowed-hosts: [loom.com]}
vague-phrases: [be careful]
timezone: Asia/Tokyo
tick-boxes: true
weekly: {close-when-done: false}
"""
    )
    assert cfg.labels.incident == "sev" and cfg.labels.improvement == "incident-improvement"
    assert cfg.engineers == ("alice", "bob")
    assert cfg.video.mode == "warn" and cfg.video.hosts == ("loom.com",)
    assert cfg.tick_boxes and not cfg.weekly.close_when_done


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("labls:\n  incident: x\n", "x.yml:1: unknown setting 'labls'"),
        ("video:\n  mode: always\n", "x.yml:2: 'video.mode' must be one of require, warn, off"),
        ("video:\n  modes: warn\n", "x.yml:2: unknown setting 'video.modes'"),
        ("tick-boxes: 'yes please'\n", "x.yml:1: 'tick-boxes' must be true or false"),
        ("engineers: alice\n", "x.yml:1: 'engineers' must be a list"),
        ("engineers:\n  - alice\n  - not a handle\n", "x.yml:3: 'engineers' must be a GitHub handle"),
        ("people:\n  alice: nope\n", "x.yml:2: 'people' must be an e-mail address"),
        ("timezone: Mars/Olympus\n", "x.yml:1: 'timezone' must be an IANA time zone"),
        ("postmortem:\n  hour: 25\n", "x.yml:2: 'postmortem.hour' must be a whole number from 0 to 23"),
        ("report:\n  path: ../../etc/x.pdf\n", "x.yml:2: 'report.path' must be a relative path"),
        ("- a\n- b\n", "x.yml:1: the file must be a mapping of settings"),
        ("labels: [\n", "x.yml:2: not valid YAML"),
        ("tick-boxes: true\ntick-boxes: false\n", "x.yml:2: 'tick-boxes' is set twice"),
    ],
)
def test_errors_name_file_line_and_expectation(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "x.yml")
    assert str(err.value).startswith(expected), str(err.value)


def test_load_config(tmp_path: Path) -> None:
    assert load_config(None) == Config()
    with pytest.raises(ConfigError, match="no such file"):
        load_config(str(tmp_path / "missing.yml"))
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(str(bad))


# ---- notify (issue #8)


def test_notify_settings() -> None:
    assert Config().notify.slack is None and Config().notify.email is None
    cfg = parse_config(
        """
people: {carol: carol@example.com}
notify:
  slack: {call-link: "https://app.slack.com/huddle/T1/C2", mention: "<!subteam^S0123ABC> <@U0456DEF>"}
  email:
    from: bot@example.com
    host: smtp.example.com
    port: 2525
    security: tls
    announcement-prefix: "Stakeholders:"
    to: ["@carol", ceo@example.com]
"""
    )
    slack, mail = cfg.notify.slack, cfg.notify.email
    assert slack is not None and slack.call_link == "https://app.slack.com/huddle/T1/C2"
    assert slack.mention == "<!subteam^S0123ABC> <@U0456DEF>"
    assert mail is not None and (mail.sender, mail.host, mail.port, mail.security) == (
        "bot@example.com",
        "smtp.example.com",
        2525,
        "tls",
    )
    assert mail.announcement_prefix == "Stakeholders:" and mail.to == ("carol", "ceo@example.com")
    assert mail.recipients == (("carol@example.com", "@carol"), ("ceo@example.com", "ceo@example.com"))
    assert parse_config("notify:\n  slack: {}\n").notify.slack is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("notify:\n  teams: {}\n", "x.yml:2: unknown setting 'notify.teams'"),
        ("notify:\n  slack:\n    channel: ops\n", "x.yml:3: unknown setting 'notify.slack.channel'"),
        (
            "notify:\n  slack:\n    call-link: http://x.example\n",
            "x.yml:3: 'notify.slack.call-link' must be an https://",
        ),
        ("notify:\n  slack:\n    mention: '@here'\n", "x.yml:3: 'notify.slack.mention' must be Slack mentions"),
        ("notify:\n  email:\n    security: ssl\n", "x.yml:3: 'notify.email.security' must be one of starttls, tls"),
        ("notify:\n  email:\n    port: 70000\n", "x.yml:3: 'notify.email.port' must be a whole number from 1 to 65535"),
        ("notify:\n  email:\n    from: nobody\n", "x.yml:3: 'notify.email.from' must be an e-mail address"),
        ("notify:\n  email:\n    host: smtp.example.com\n", "x.yml:2: 'notify.email' needs from"),
        ("notify:\n  email: {}\n", "x.yml:2: 'notify.email' needs host and from"),
        (
            "notify:\n  email:\n    from: a@example.com\n    host: h.example.com\n    to:\n      - ops@example.com\n"
            "      - bob\n",
            "x.yml:7: 'notify.email.to' names @bob, who has no address under 'people'",
        ),
    ],
)
def test_notify_errors_name_file_line_and_expectation(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "x.yml")
    assert str(err.value).startswith(expected), str(err.value)


# ---- weekly (issue #6)


def test_weekly_settings() -> None:
    cfg = parse_config(
        """
weekly:
  close-when-done: false
  quiet-days: [Saturday, sunday]
  sections: [Record, Closing]
  digest-issue: true
  digest-label: incident digest
  overdue-days: 14
  state-path: ops/incident-kit/weekly.json
"""
    )
    w = cfg.weekly
    assert not w.close_when_done and w.quiet_days == ("saturday", "sunday") and w.sections == ("Record", "Closing")
    assert w.digest_issue and w.digest_label == "incident digest" and w.overdue_days == 14
    assert w.state_path == "ops/incident-kit/weekly.json"
    defaults = parse_config("").weekly
    assert defaults.state_path == "incidents/.incident-kit-weekly.json" and defaults.close_when_done
    assert defaults.digest_label == "incident-digest" and defaults.overdue_days == 30 and not defaults.digest_issue


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekly:\n  quiet-days: [funday]\n", "x.yml:2: 'weekly.quiet-days' must be a weekday name"),
        ("weekly:\n  overdue-days: 0\n", "x.yml:2: 'weekly.overdue-days' must be a whole number from 1 to 365"),
        ("weekly:\n  state-path: /etc/state.json\n", "x.yml:2: 'weekly.state-path' must be a relative path"),
        ("weekly:\n  state-path: .github/workflows/x.json\n", "x.yml:2: 'weekly.state-path' must be a relative"),
        ("weekly:\n  digest-label: ''\n", "x.yml:2: 'weekly.digest-label' must be a non-empty text"),
        ("weekly:\n  digest: true\n", "x.yml:2: unknown setting 'weekly.digest'"),
    ],
)
def test_weekly_settings_errors(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "x.yml")
    assert str(err.value).startswith(expected), str(err.value)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("timezon: Asia/Tokyo\n", "did you mean 'timezone'?"),
        ("Timezone: Asia/Tokyo\n", "did you mean 'timezone'?"),
        ("video:\n  mdoe: warn\n", "did you mean 'video.mode'?"),
        ("weekly:\n  quiet-day: [monday]\n", "did you mean 'weekly.quiet-days'?"),
        (
            "template-path: .github/ISSUE_TEMPLATE/bug_incident.md\n",
            "did you mean 'weekly.template-path' (under 'weekly:')?",
        ),
        ("call-link: https://example.com/call\n", "did you mean 'notify.slack.call-link'"),
    ],
)
def test_a_misspelt_or_misplaced_setting_says_what_was_meant(text: str, hint: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, source="x.yml")
    assert hint in str(err.value) and "the settings here are:" in str(err.value)


def test_no_guess_for_a_setting_like_none() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config("completely-unrelated: 1\n", source="x.yml")
    assert "did you mean" not in str(err.value)
