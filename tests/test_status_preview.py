"""``incident-kit check FILE --status``: the status comment the bot would post on its first run.

The oracle is the real thing: the same body opened on the local backend's sandbox repository
and reconciled as the action does (nothing recorded over time, as for a pasted body), whose
status comment the preview must equal word for word, at every step of the demo incident and
for bodies written the way teams write them. The CLI is run as a person runs it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import run_cli as run

from incident_kit.apply.reconcile import Budget, Event, reconcile
from incident_kit.body import edits
from incident_kit.entry import resources
from incident_kit.entry.demo import DEMO_SETTINGS
from incident_kit.entry.preview import first_status
from incident_kit.entry.story import STORY
from incident_kit.github.sandbox import LocalRepository
from incident_kit.settings.config import parse_config

CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
BLANK = resources.template_text().split("---\n", 2)[2].lstrip("\n")


def bodies() -> list[tuple[str, str]]:
    out, body = [], BLANK
    for step in STORY:
        body = step.edit(body)
        out.append((step.name, body))
    # As people write: Japanese answers on a phone keyboard, a role left blank, a non-answer.
    jp = edits.answer(edits.answer(edits.answer(BLANK, "50%", "ｙｅｓ"), "corrupting", "いいえ"), "attack", "不明")
    out.append(("Japanese and a non-answer", edits.set_role(jp, "Investigator", "taro")))
    out.append(
        (
            "not an incident",
            edits.answer(edits.answer(edits.answer(BLANK, "50%", "n"), "corrupting", "n"), "attack", "no"),
        )
    )
    return out


def first_comment(body: str, labels: tuple[str, ...], config_text: str) -> str:
    """What the bot posts on the issue's first run, on the sandbox repository."""
    import tempfile

    config = parse_config(config_text, "test settings")
    with tempfile.TemporaryDirectory() as work:
        clock = {"now": CREATED}  # opened then, reconciled now
        repo = LocalRepository(Path(work) / "repo", full_name="OWNER/REPO", clock=lambda: clock["now"])
        for login in ("reporter", "alice", "bob", "carol", "dave", "taro"):
            repo.set_permission(login, "write")
        number = repo.open_issue("Incident", body, "reporter", labels=labels)
        clock["now"] = NOW
        event = Event("issues", "opened", "reporter", at=NOW, record=False)
        reconcile(repo, number, config=config, bot_login=repo.bot_login, budget=Budget(limit=50), event=event, now=NOW)
        return next(c.body for c in repo.list_comments(number) if c.author == repo.bot_login)


@pytest.mark.parametrize(("name", "body"), bodies(), ids=[n for n, _ in bodies()])
def test_the_preview_is_the_first_status_comment(name: str, body: str) -> None:
    config = parse_config(DEMO_SETTINGS, "test settings")
    preview = first_status(body, config, labels=frozenset(), closed=False, created_at=CREATED, now=NOW)
    assert preview.markdown.startswith("<!-- incident-kit:status -->"), preview
    assert preview.markdown == first_comment(body, (), DEMO_SETTINGS)


def test_check_status_prints_the_comment_with_the_flags_and_the_settings(tmp_path: Path) -> None:
    body = BLANK
    for step in STORY[:3]:  # triaged and staffed, still no video
        body = step.edit(body)
    (tmp_path / "issue.md").write_text(body, encoding="utf-8")
    settings = tmp_path / "settings.yml"
    settings.write_text(
        DEMO_SETTINGS + "notify:\n  slack:\n    call-link: https://app.slack.com/huddle/T0/C0CALL\n", encoding="utf-8"
    )
    res = run(
        "check", "issue.md", "--status", "--config", str(settings), "--created-at", "2026-11-20T09:00:00Z", cwd=tmp_path
    )
    assert res.returncode == 1, res.stderr  # the video is missing: an error, as `check` says
    text = res.stdout
    assert text.startswith("<!-- incident-kit:status -->\n### 🚨 Incident status:")
    assert "https://app.slack.com/huddle/T0/C0CALL" in text  # from --config
    assert "`video-missing`" in text and "Investigator: @alice @bob" in text
    assert "issue.md:" not in text  # the comment, not the findings

    # --closed and --label are the issue's context, as for the findings.
    done = run("check", "issue.md", "--status", "--closed", "--label", "not-incident", "--format", "json", cwd=tmp_path)
    comment = json.loads(done.stdout)["status_comment"]
    assert comment.startswith("<!-- incident-kit:status -->") and comment != text

    # Without --status, check prints the findings as before.
    plain = run("check", "issue.md", cwd=tmp_path)
    assert plain.stdout.startswith("issue.md:") and "<!--" not in plain.stdout
