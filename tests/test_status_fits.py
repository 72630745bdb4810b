"""The status comment always fits (issue #13, item 5): long Japanese bodies and thousands of edits.

The state is stored without ``\\u`` escaping, bounded per item and in total (oldest recorded
timeline entries dropped first, with a note), so the comment stays under GitHub's 65,536
characters and every run can still write it. Runs on the local sandbox repository (the same
reconcile the action runs), many runs in a row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_kit.apply.budget import Budget
from incident_kit.apply.reconcile import Event, reconcile
from incident_kit.body import edits
from incident_kit.entry import resources
from incident_kit.github.sandbox import LocalRepository
from incident_kit.plan.bot_state import STATE_BLOCK, STATE_BUDGET, load
from incident_kit.plan.status import MARKER, MAX_BODY, find_status_comment
from incident_kit.settings.config import Config

BOT = LocalRepository.bot_login
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def base() -> str:
    body = resources.template_text().split("---\n", 2)[2].lstrip("\n")
    body = edits.answer(body, "50%", "y")
    body = edits.set_role(body, "Investigator", "alice")
    body = edits.set_role(body, "Communicator", "carol")
    return edits.set_role(body, "Recorder", "dave")


def status_text(repo: LocalRepository, n: int) -> str:
    comment = find_status_comment(repo.list_comments(n), BOT)
    assert comment is not None
    return comment.body


def check(text: str) -> None:
    assert len(text) <= MAX_BODY and text.startswith(MARKER)
    m = STATE_BLOCK.search(text)
    assert m is not None and len(m.group(1)) <= STATE_BUDGET + 100
    assert "\\u3" not in m.group(1)  # Japanese is stored as itself, not as six-character escapes
    state = load(text)
    assert state.problems == () and not state.record_lost


def run(repo: LocalRepository, n: int, at: datetime, previous: str | None = None) -> None:
    outcome = reconcile(
        repo,
        n,
        config=Config(),
        bot_login=BOT,
        budget=Budget(limit=50),
        event=Event("issues", "edited", "alice", previous_body=previous, at=at),
        now=at,
    )
    assert outcome.status_url


def test_250_japanese_task_items_get_a_status_comment(tmp_path: Path) -> None:
    items = "\n".join(
        f"- [ ] 決済ページの障害対応タスク第{i}番：データベース接続プールの設定値を確認し、再起動手順を文書化する"
        for i in range(250)
    )
    body = edits.add_under(base(), "Where is the bug", items)
    repo = LocalRepository(tmp_path / "repo", clock=lambda: START)
    repo.set_permission("alice", "write")
    n = repo.open_issue("決済障害", body, "alice", labels=("incident",))
    run(repo, n, START)
    check(status_text(repo, n))
    # Tick all of them: 250 recorded changes, still fits.
    ticked = body.replace("- [ ] 決済", "- [x] 決済")
    repo.edit_body(n, ticked)
    run(repo, n, START + timedelta(minutes=1), previous=body)
    text = status_text(repo, n)
    check(text)
    assert "ticked '決済ページの障害対応タスク第249番" in text or "older entries of the recorded timeline" in text


def test_20_japanese_action_items_ticked_and_unticked_a_thousand_times(tmp_path: Path) -> None:
    items = [f"決済サービスの再発防止策その{i}：タイムアウト値を設定ファイルに移し、監視を追加する" for i in range(20)]
    body = edits.add_under(base(), "Discuss and create action items", "\n".join(f"- [ ] {t}" for t in items))
    repo = LocalRepository(tmp_path / "repo", clock=lambda: START)
    repo.set_permission("alice", "write")
    n = repo.open_issue("決済障害", body, "alice", labels=("incident",))
    run(repo, n, START)
    at, previous = START, body
    for round_ in range(60):  # 60 runs x 20 boxes = 1,200 ticks and unticks
        now = body if round_ % 2 else body.replace("- [ ] 決済", "- [x] 決済")
        repo.edit_body(n, now)
        at += timedelta(minutes=5)
        run(repo, n, at, previous=previous)
        previous = now
        check(status_text(repo, n))
    text = status_text(repo, n)
    state = load(text)
    assert state.dropped > 0 and "older entries of the recorded timeline were dropped" in text
    # The newest changes are kept, the oldest dropped.
    assert state.timeline[-1]["t"].startswith(at.strftime("%Y-%m-%dT%H:%M"))
