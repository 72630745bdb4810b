"""Messages that quote what a team wrote: the meeting's length as read, the zone a heading claims,
role lines with names rather than handles, and the findings in the order of the body's lines.

Bodies are the shipped template filled in the way hurried teams fill it, in English and Japanese;
the status comment is the one the first run would post (``incident-kit check --status``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incident_kit.body import edits
from incident_kit.entry import resources
from incident_kit.entry.preview import first_status
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
