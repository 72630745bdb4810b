"""Settings: defaults, every kind of mistake named with its file and line, nothing ignored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from incident_kit.config import Config, ConfigError, load_config, parse_config
from incident_kit.install import STARTER_CONFIG


def test_empty_file_and_comments_mean_defaults() -> None:
    assert parse_config("") == Config()
    assert parse_config(STARTER_CONFIG) == Config()


def test_starter_config_uncommented_is_valid() -> None:
    """Every example in the starter file is a valid setting (so the docs cannot rot)."""
    lines = []
    for line in STARTER_CONFIG.splitlines():
        stripped = line.lstrip("# ")
        if (
            line.startswith("# ")
            and (":" in stripped)
            and not stripped.startswith(("incident-kit", "Reference", "GitHub", "Addresses", "Action"))
        ):
            indent = len(line) - len(line.lstrip("#").lstrip(" ")) - 2
            lines.append(" " * max(indent, 0) + stripped)
    cfg = parse_config("\n".join(lines))
    assert cfg.people == {"octocat": "octocat@example.com"}
    assert cfg.postmortem.holidays == (date(2026, 12, 31),)
    assert cfg.weekly.quiet_days == ("saturday", "sunday")
    assert cfg.display_timezones == ("Asia/Tokyo",)


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
