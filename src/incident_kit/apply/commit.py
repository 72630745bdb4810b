"""Committing a file the bot owns (the invite, the report) through the contents API, idempotently.

Same bytes as the file already holds: no commit. Otherwise one commit with the
blob ``sha`` read just before (GitHub's compare-and-swap); a 409 from a commit
that raced ours is retried with the fresh ``sha``. Each attempt is counted
against the run's write budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from incident_kit.apply.budget import Budget
from incident_kit.github.port import Conflict, PortError, Repository

ATTEMPTS = 3


@dataclass(frozen=True)
class Committed:
    path: str
    status: str  # "unchanged", "committed", "skipped"
    url: str = ""


def commit_file(
    repo: Repository, path: str, content: bytes, message: str, branch: str | None, budget: Budget
) -> Committed:
    for _ in range(ATTEMPTS):
        current = repo.get_file(path, branch)
        if current is not None and current.content == content:
            return Committed(path, "unchanged", current.html_url)
        if not budget.take(f"commit {path}"):
            return Committed(path, "skipped")
        try:
            result = repo.put_file(path, content, message, branch, current.sha if current else None)
        except Conflict:
            continue  # someone committed to this path meanwhile: read the new sha and try again
        return Committed(path, "committed", result.html_url)
    raise PortError(f"{path} kept changing while incident-kit tried to commit it; the next run tries again")
