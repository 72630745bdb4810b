"""The report step of a run: when to render the incident's PDF, and committing it once.

The template's last box is "Output pdf of this issue and send it to stakeholders".
A report is due when that box is ticked, when the labels swap to
``incident-improvement``, when the issue is closed, or when a person asks for
one (``workflow_dispatch`` with the report part); it is due again whenever the
issue changed since the last one. "Changed" is a fingerprint of what the report
shows, kept in the bot's state, so an unchanged issue costs no rendering at all;
the PDF bytes are deterministic, so an unchanged PDF is never committed twice.
The bot's own comments are not part of the report (they change when the report
is committed, which would otherwise make a new report on every run).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_kit.body.checklist import named
from incident_kit.body.model import Incident
from incident_kit.github.port import CommentData, IssueData
from incident_kit.settings.config import Config


@dataclass(frozen=True)
class ReportDue:
    due: bool
    reason: str = ""


def report_due(
    incident: Incident, issue: IssueData, labels: frozenset[str], config: Config, requested: bool
) -> ReportDue:
    if requested:
        return ReportDue(True, "requested")
    if any(i.checked for i in named(incident, "output-pdf")):
        return ReportDue(True, "the 'Output pdf of this issue' box is ticked")
    if config.labels.improvement in labels:
        return ReportDue(True, f"the issue is labeled {config.labels.improvement}")
    if issue.state == "closed":
        return ReportDue(True, "the issue is closed")
    return ReportDue(False)


def human_comments(comments: list[CommentData], bot_login: str) -> list[CommentData]:
    return [c for c in comments if c.author != bot_login]


def as_of(issue: IssueData, comments: list[CommentData]) -> datetime:
    """The newest change the report shows: its "generated at" (never the clock, so bytes repeat)."""
    times = [issue.updated_at or issue.created_at, issue.created_at]
    times += [c.updated_at or c.created_at for c in comments]
    return max(times)


def fingerprint(issue: IssueData, labels: frozenset[str], comments: list[CommentData], extra: Any = None) -> str:
    payload = {
        "title": issue.title,
        "body": issue.body,
        "labels": sorted(labels),
        "state": [issue.state, issue.state_reason],
        "comments": [[c.author, c.created_at.isoformat(), c.body] for c in comments],
        "extra": extra,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]
