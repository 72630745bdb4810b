"""The one seam to GitHub: what the core needs to read and write, and the errors it can meet.

Two backends implement :class:`Repository`: ``github_backend`` (PyGithub
against the REST API) and ``local_backend`` (a sandbox repository in a
directory, used by the demo and offline). Everything above this seam works on
the plain dataclasses defined here and never sees a PyGithub object.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# Permissions that let a person steer the incident process (GitHub's role names).
TRUSTED_PERMISSIONS = frozenset({"admin", "maintain", "write", "triage"})


@dataclass(frozen=True)
class IssueData:
    number: int
    title: str
    body: str
    state: str  # "open" | "closed"
    state_reason: str | None
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    author: str
    created_at: datetime
    closed_at: datetime | None
    html_url: str
    is_pull_request: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CommentData:
    id: int
    author: str
    body: str
    created_at: datetime
    html_url: str
    updated_at: datetime | None = None


@dataclass(frozen=True)
class EventData:
    """One entry of an issue's events API: who labeled, assigned, closed or reopened, and when."""

    event: str  # "labeled", "unlabeled", "assigned", "unassigned", "closed", "reopened", ...
    actor: str | None
    created_at: datetime
    subject: str = ""  # the label name or the assignee's login, where the event has one


@dataclass(frozen=True)
class FileData:
    path: str
    content: bytes
    sha: str
    html_url: str = ""


@dataclass(frozen=True)
class CommitResult:
    path: str
    sha: str
    html_url: str
    commit_sha: str = ""


@dataclass
class RequestStats:
    """What a backend spent: requests by kind and the rate limit seen."""

    reads: int = 0
    writes: int = 0
    rate_remaining: int | None = None
    rate_limit: int | None = None
    waited_seconds: float = 0.0
    retries: int = 0  # requests sent again after a rate limit, a server error or a dropped line
    notes: list[str] = field(default_factory=list)


# ---- weekly (issue #6)
@dataclass(frozen=True)
class RateLimit:
    """The core REST quota as ``GET /rate_limit`` reports it (that request itself costs nothing)."""

    remaining: int
    limit: int
    used: int
    reset: datetime | None = None


@dataclass(frozen=True)
class CommitData:
    """One commit as the commits API lists it: enough to link it and say what it was."""

    sha: str
    html_url: str
    message: str  # the first line
    committed_at: datetime | None
    author: str | None  # the GitHub login, when GitHub knows one


# ---- end weekly


class PortError(Exception):
    """A backend failure the caller can act on; ``str()`` tells the person what to do."""


class NotFound(PortError):
    """The issue, comment, label or file does not exist (404), or is gone (410)."""


class Forbidden(PortError):
    """The token lacks a permission (403 "Resource not accessible by integration")."""


class Conflict(PortError):
    """A compare-and-swap write lost a race (409) or the branch refused the write."""


class BranchRefused(PortError):
    """The branch refused the commit (protected, or a ruleset); retrying will not help."""


class BodyChanged(Conflict):
    """The issue's body is no longer the one a write was made from: a person edited it meanwhile."""


class TooManyRetries(PortError):
    """Rate limits or server errors lasted longer than the run may wait."""


class Repository(Protocol):
    """The operations incident-kit performs on one repository."""

    full_name: str
    stats: RequestStats

    def get_issue(self, number: int) -> IssueData: ...

    def list_comments(self, number: int, since: datetime | None = None) -> list[CommentData]:
        """The issue's comments, oldest first; ``since`` keeps those updated at or after that time
        (GitHub filters them: a week's comments of a long issue cost one page, not all of them)."""
        ...

    def permission(self, login: str) -> str: ...

    def can_assign(self, login: str) -> bool: ...

    def label_exists(self, name: str) -> bool: ...

    def create_label(self, name: str, color: str, description: str) -> None: ...

    def add_labels(self, number: int, names: list[str]) -> None: ...

    def remove_label(self, number: int, name: str) -> None: ...

    def add_assignees(self, number: int, logins: list[str]) -> tuple[str, ...]: ...

    def create_comment(self, number: int, body: str) -> CommentData: ...

    def edit_comment(self, comment_id: int, body: str) -> CommentData: ...

    def edit_body(self, number: int, body: str, expected: str | None = None) -> None:
        """Replace the issue's body. With ``expected`` (the body the new one was made from), a write
        that must be sent again (a 502, a dropped line) re-reads the body first: our body there means
        it landed; anything but ``expected`` means a person edited it meanwhile, and :class:`BodyChanged`
        is raised instead of writing over their edit. GitHub has no conditional PATCH for issues."""
        ...

    def close_issue(self, number: int, reason: str) -> None: ...

    def default_branch(self) -> str: ...

    def list_events(self, number: int) -> list[EventData]:
        """The issue's events (labels, assignees, closing), oldest first."""
        ...

    def get_file(self, path: str, branch: str | None = None) -> FileData | None:
        """A file on a branch (None: the default branch, without asking which it is), or None."""
        ...

    def put_file(
        self, path: str, content: bytes, message: str, branch: str | None, sha: str | None
    ) -> CommitResult: ...

    # ---- weekly (issue #6): what the scheduled scan needs on top of the per-event operations
    def list_issues(
        self,
        labels: tuple[str, ...],
        state: str = "open",
        since: datetime | None = None,
        *,
        sort: str = "created",
        direction: str = "asc",
    ) -> Iterator[IssueData]:
        """Issues carrying every label in ``labels`` (pull requests included: check ``is_pull_request``),
        with their bodies, page by page (100 a page) as the caller iterates; ``since`` keeps those
        updated at or after that time. Stop iterating and no further page is fetched."""
        ...

    def create_issue(self, title: str, body: str, labels: list[str], assignees: list[str]) -> IssueData:
        """Open an issue as the bot. When the answer is lost after GitHub created it (a 502 after a
        successful POST), the issue is found again, not opened twice."""
        ...

    def rate_limit(self) -> RateLimit | None:
        """The core quota now (None where there is none, as on the local backend); free of quota."""
        ...

    def last_commit_touching(self, path: str, since: datetime) -> CommitData | None:
        """The newest commit on the default branch that changed ``path`` (a file or a folder) at or after
        ``since``, or None: one request (``GET /repos/{owner}/{repo}/commits?path=...&since=...``)."""
        ...

    # ---- end weekly
