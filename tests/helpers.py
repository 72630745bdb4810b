"""Small helpers for tests: evaluate a body with a fixed creation time, run the CLI as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from incident_kit.body.model import IssueContext
from incident_kit.body.parse import parse_incident
from incident_kit.rules.evaluate import Evaluation, evaluate
from incident_kit.settings.config import Config

CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
VIDEO = "https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe"


def check(
    body: object,
    *,
    labels: tuple[str, ...] = (),
    closed: bool = False,
    config: Config | None = None,
    created: datetime = CREATED,
    now: datetime | None = None,
    fulfilled: tuple[str, ...] = (),
) -> Evaluation:
    cfg = config or Config()
    inc = parse_incident(body, reference=created, video_hosts=cfg.video.hosts, timezone=cfg.timezone)
    ctx = IssueContext(
        labels=frozenset(labels),
        state="closed" if closed else "open",
        created_at=created,
        now=now or created,
        fulfilled=frozenset(fulfilled),
    )
    return evaluate(inc, ctx, cfg)


def rules(ev: Evaluation) -> list[str]:
    return [f.rule for f in ev.findings]


def line_of(body: str, text: str) -> int:
    """The 1-based line of the first line containing ``text``."""
    return next(n for n, line in enumerate(body.split("\n"), 1) if text in line)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m incident_kit ARGS`` in ``cwd``, as a person runs it (UTF-8 output, text)."""
    return subprocess.run(
        [sys.executable, "-m", "incident_kit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )
