"""Stateful fake of the GitHub REST API, served over real HTTP on loopback.

This module owns ``FakeGitHub``: an in-memory model of the slice of GitHub that
incident-kit uses (repositories, users and tokens, issues and pull-request stubs,
comments, labels, assignees, collaborator permissions, repository contents with
per-branch commits, issue events/timeline, reactions, rate limits) plus the HTTP
front end that PyGithub talks to, a request log, and fault injection.

Fidelity goals, in order:

1. Shapes and status codes follow GitHub's OpenAPI description
   (``shared/fixtures/openapi``); ``openapi_check.py`` verifies both directions.
2. Every ``url``-like field and every ``Link`` header points back at this server,
   because PyGithub follows them (``html_url`` uses the ``https://github.com``
   form, as on github.com, since nothing follows it).
3. Where GitHub's behaviour is uncertain, the fake is *stricter* than GitHub, so
   code that passes against the fake does not rely on leniency.

Deliberate choices where GitHub is ambiguous or the fake simplifies:

* Protected branch (``protect_branch``): contents PUT/DELETE answer 409
  "Repository rule violations found ..." (the rulesets answer).
* Contents PUT: existing file without ``sha`` -> 422 'Invalid request.\\n\\n"sha"
  wasn't supplied.'; wrong sha, or any sha for a new path -> 409 "<path> does not
  match <sha>"; unknown branch -> 404 "Branch X not found"; unknown ``ref`` on GET ->
  404 "No commit found for the ref X" (PyGithub raises plain GithubException(404)).
* Collaborator permission: ``permission`` is the legacy role (maintain->write,
  triage->read), ``role_name`` the real one; a known non-collaborator gets "none"
  (even on public repos), an unknown login 404.
* Assignable = repo owner, collaborators with write or more, and ``add_assignable``.
  Issue create/PATCH with an unassignable login -> 422; POST .../assignees drops it.
* No authorization beyond a valid token: any token may write (only private repos
  are hidden from non-collaborators).  Anonymous reads work, anonymous writes 401.
  A token added with ``permissions`` (``{"issues": "write", "contents": "none"}``,
  like a workflow's ``GITHUB_TOKEN``) is held to them: a write, or a read on a
  private repository, beyond its grant answers 403 "Resource not accessible by
  integration"; reads of a public repository need no grant.
* Labels unknown to the repo are created (colour ``ededed``) when applied to an issue.
* ``x-ratelimit-*`` headers on every answer; each request spends one unit except
  ``GET /rate_limit``; past zero the fake answers 403 "API rate limit exceeded".

Only the standard library is used so the fake can run anywhere the tests run.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import http
import itertools
import json
import math
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

__all__ = ["ApiError", "Fault", "FakeGitHub", "LoggedRequest", "PERMISSIONS", "blob_sha"]

HTML_BASE = "https://github.com"
DOCS = "https://docs.github.com/rest"

#: Repository roles, weakest first (GitHub's fine-grained ``role_name`` values).
PERMISSIONS: tuple[str, ...] = ("none", "read", "triage", "write", "maintain", "admin")

# The ``permission`` field of the collaborator-permission endpoint only knows the
# legacy base roles; GitHub folds maintain->write and triage->read there and puts the
# precise role in ``role_name``.  Code that checks for "maintain" must read role_name.
_LEGACY_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
    "none": "none",
}

_REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")

# Labels GitHub seeds into new repositories (only used with add_repo(default_labels=True)).
_DEFAULT_LABELS = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)

# Suffixes of the many *_url fields of a full repository object.
_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def blob_sha(data: bytes) -> str:
    """Git blob object id of ``data`` (what GitHub reports as a file's ``sha``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            # Naive datetimes in seed helpers mean UTC; GitHub has no local time.
            return value.replace(tzinfo=UTC)
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0{kind}{ident}".encode()).decode().rstrip("=")


class LoggedRequest(NamedTuple):
    """One request as the fake saw it.

    ``path`` is the raw (still percent-encoded) path without the query string, so it
    can be matched against OpenAPI templates; ``status`` is 0 when a ``reset`` fault
    dropped the connection without an answer.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


class ApiError(Exception):
    """Raised by handlers to answer with a GitHub-style error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        doc: str = DOCS,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.doc = doc
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "documentation_url": self.doc}
        if self.errors is not None:
            out["errors"] = self.errors
        # Current GitHub error bodies repeat the status as a string.
        out["status"] = str(self.status)
        return out


def _not_found() -> ApiError:
    return ApiError(404, "Not Found")


def _validation(resource: str, field_name: str, code: str, **extra: Any) -> ApiError:
    return ApiError(
        422,
        "Validation Failed",
        errors=[{"resource": resource, "field": field_name, "code": code, **extra}],
    )


@dataclass
class Fault:
    """A pending injected failure; see ``FakeGitHub.fault``."""

    method: str | None
    pattern: re.Pattern[str]
    status: int | None
    headers: dict[str, str]
    body: Any
    times: int | None
    after_success: bool
    reset: bool
    delay: float
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method not in (None, "*") and self.method.upper() != method:
            return False
        return self.pattern.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


# ---------------------------------------------------------------------------
# Internal state records
# ---------------------------------------------------------------------------


@dataclass
class _User:
    login: str
    id: int
    type: str = "User"
    name: str | None = None
    email: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime(2020, 1, 1, tzinfo=UTC))


@dataclass
class _Label:
    id: int
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass
class _Reaction:
    id: int
    user: str
    content: str
    created_at: datetime


@dataclass
class _Issue:
    number: int
    id: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    label_ids: list[int] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    is_pull: bool = False
    deleted: bool = False
    locked: bool = False
    active_lock_reason: str | None = None
    author_association: str | None = None  # None: computed from current permissions
    reactions: list[_Reaction] = field(default_factory=list)


@dataclass
class _Comment:
    id: int
    issue_number: int
    body: str
    user: str
    created_at: datetime
    updated_at: datetime
    seq: int
    author_association: str | None = None
    reactions: list[_Reaction] = field(default_factory=list)


@dataclass
class _Event:
    id: int
    issue_number: int
    event: str
    actor: str
    created_at: datetime
    seq: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Commit:
    sha: str
    tree_sha: str
    message: str
    parent: str | None
    author: dict[str, str]
    committer: dict[str, str]
    files: dict[str, bytes]
    path: str | None
    action: str


@dataclass
class _Branch:
    name: str
    commits: list[_Commit] = field(default_factory=list)
    protected: bool = False

    @property
    def files(self) -> dict[str, bytes]:
        return self.commits[-1].files if self.commits else {}


@dataclass
class _Repo:
    owner: str
    name: str
    id: int
    private: bool
    default_branch: str
    description: str | None
    created_at: datetime
    issues: dict[int, _Issue] = field(default_factory=dict)
    labels: dict[int, _Label] = field(default_factory=dict)
    collaborators: dict[str, str] = field(default_factory=dict)
    assignable: set[str] = field(default_factory=set)
    branches: dict[str, _Branch] = field(default_factory=dict)
    comments: dict[int, _Comment] = field(default_factory=dict)
    events: list[_Event] = field(default_factory=list)
    next_number: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def label_by_name(self, name: str) -> _Label | None:
        # GitHub label names are matched case-insensitively.
        wanted = name.casefold()
        for label in self.labels.values():
            if label.name.casefold() == wanted:
                return label
        return None


@dataclass
class _Ctx:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    actor: str | None
    repo: _Repo | None


@dataclass
class _Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    delay: float = 0.0
    raw: bytes | None = None  # non-JSON payload (markdown, raw file)
    content_type: str = "application/json; charset=utf-8"


Handler = Callable[[_Ctx], _Response]


# ---------------------------------------------------------------------------
# HTTP front end
# ---------------------------------------------------------------------------


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 so requests' connection pool keeps connections alive like against
    # api.github.com; every response therefore carries an explicit Content-Length.
    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY, keep-alive responses written as header + body segments hit
    # Nagle vs. delayed ACK and every request costs ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # Silence the default stderr access log; the fake keeps its own log.
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        response = self.server.fake._dispatch(self.command, self.path, dict(self.headers), raw)
        if response.delay:
            time.sleep(response.delay)
        if response.reset:
            # Abort with RST (linger 0) and no answer, like a proxy dropping the line.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        payload = b""
        if response.raw is not None:
            payload = response.raw
        elif response.body is not None or response.status not in (204, 304):
            payload = json.dumps(response.body).encode()
        phrase = self.responses.get(response.status, ("",))[0]
        lines = [
            f"{self.protocol_version} {response.status} {phrase}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {response.content_type}",
            *(f"{name}: {value}" for name, value in response.headers.items()),
        ]
        if response.status not in (204, 304):
            lines.append(f"Content-Length: {len(payload)}")
        # Head and body in one write, so no small segment waits for a delayed ACK.
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + (payload if self.command != "HEAD" else b""))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


# ---------------------------------------------------------------------------
# The fake
# ---------------------------------------------------------------------------


class FakeGitHub:
    """In-memory GitHub REST API served on ``http://127.0.0.1:PORT``.

    Use as a context manager (or ``start()``/``stop()``).  The port is bound at
    construction, so ``base_url`` and the seed helpers work before ``start()``.
    """

    def __init__(
        self,
        *,
        token: str | None = "t",
        login: str = "octocat",
        rate_limit: int = 5000,
    ) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._users: dict[str, _User] = {}
        self._tokens: dict[str, str] = {}
        self._token_permissions: dict[str, dict[str, str]] = {}
        self._repos: dict[str, _Repo] = {}
        self._now: datetime | None = None
        self._log: list[LoggedRequest] = []
        self._exchanges: list[tuple[LoggedRequest, Any]] = []
        self._faults: list[Fault] = []
        self.rate_limit = rate_limit
        self.rate_remaining = rate_limit
        self.rate_reset = int(time.time()) + 3600
        self.default_login = login
        # Bind now (port 0: the OS picks) so base_url is known while seeding.
        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.fake = self
        self._thread: threading.Thread | None = None
        self._routes = self._build_routes()
        self.add_user(login)
        if token is not None:
            self.add_token(token, login)

    # -- lifecycle ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeGitHub:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fakegithub",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- clock -------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """Current fake time (UTC, whole seconds).

        Real time until a test assigns ``fake.now = datetime(...)``; then frozen at
        that value until reassigned, ``advance()``-d, or set back to ``None``.
        """
        if self._now is not None:
            return self._now
        return datetime.now(UTC).replace(microsecond=0)

    @now.setter
    def now(self, value: datetime | str | None) -> None:
        self._now = _parse_time(value)

    def advance(self, **delta: float) -> datetime:
        """Move the (then frozen) clock forward, e.g. ``advance(minutes=5)``."""
        self._now = self.now + timedelta(**delta)
        return self._now

    # -- request log -------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def exchanges(self) -> list[tuple[LoggedRequest, Any]]:
        """Each logged request with the JSON body the fake answered (for schema checks)."""
        with self._lock:
            return list(self._exchanges)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Number of logged requests, optionally filtered by method and path regex."""
        return len(self._filter(method, path))

    def writes(self) -> list[LoggedRequest]:
        """Logged non-GET requests (what changed or tried to change state)."""
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._exchanges.clear()

    def _filter(self, method: str | None, path: str | None) -> list[LoggedRequest]:
        rx = re.compile(path) if path else None
        return [
            r
            for r in self.requests
            if (method is None or r.method == method.upper()) and (rx is None or rx.search(r.path))
        ]

    # -- fault injection ---------------------------------------------------

    def fault(
        self,
        method: str | None,
        path_regex: str,
        status: int | None = 500,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int | None = 1,
        after_success: bool = False,
        reset: bool = False,
        delay: float = 0.0,
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: forever).

        ``method`` None or "*" matches any method; ``path_regex`` is searched in the
        raw request path (no query string).  ``after_success`` applies the request to
        state first and then answers the fault (a 502 after a successful POST);
        ``reset`` drops the connection without an answer; ``delay`` sleeps before
        answering (``status=None`` with a delay answers normally, just late).
        Faults are consumed in registration order.
        """
        fault = Fault(
            method=method,
            pattern=re.compile(path_regex),
            status=status,
            headers=dict(headers or {}),
            body=body,
            times=times,
            after_success=after_success,
            reset=reset,
            delay=delay,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- seeding: users, tokens, repos ------------------------------------

    def add_user(
        self, login: str, *, type: str = "User", name: str | None = None, email: str | None = None
    ) -> dict[str, Any]:
        """Create (or return the existing) user; ``type`` is User, Bot or Organization."""
        with self._lock:
            user = self._users.get(login.casefold())
            if user is None:
                user = _User(login=login, id=next(self._ids), type=type, name=name, email=email)
                self._users[login.casefold()] = user
            return self._user_json(user)

    def add_token(self, token: str, login: str, permissions: dict[str, str] | None = None) -> None:
        """Let ``Authorization: token <token>`` (or Bearer) act as ``login``; with ``permissions``
        (resource -> none/read/write; resources: issues, contents) only within them."""
        with self._lock:
            self.add_user(login)
            self._tokens[token] = login
            if permissions is None:
                self._token_permissions.pop(token, None)
            else:
                self._token_permissions[token] = dict(permissions)

    def add_repo(
        self,
        full_name: str,
        *,
        private: bool = False,
        default_branch: str = "main",
        description: str | None = None,
        owner_type: str = "User",
        default_labels: bool = False,
    ) -> dict[str, Any]:
        """Create a repository with one initial (empty) commit on ``default_branch``."""
        owner, name = full_name.split("/", 1)
        with self._lock:
            if full_name.casefold() in self._repos:
                raise ValueError(f"repo {full_name} exists")
            self.add_user(owner, type=owner_type)
            repo = _Repo(
                owner=owner,
                name=name,
                id=next(self._ids),
                private=private,
                default_branch=default_branch,
                description=description,
                created_at=self.now,
            )
            self._repos[full_name.casefold()] = repo
            branch = _Branch(default_branch)
            repo.branches[default_branch] = branch
            self._commit(repo, branch, {}, "Initial commit", None, "init", self.default_login)
            if default_labels:
                for label_name, color, desc in _DEFAULT_LABELS:
                    label = _Label(next(self._ids), label_name, color, desc, default=True)
                    repo.labels[label.id] = label
            return self._repo_json(repo, None)

    def set_permission(self, repo: str, login: str, permission: str) -> None:
        """Make ``login`` a collaborator with ``permission`` ("none" removes them)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {PERMISSIONS}")
        with self._lock:
            r = self._repo(repo)
            self.add_user(login)
            if permission == "none":
                r.collaborators.pop(login.casefold(), None)
            else:
                r.collaborators[login.casefold()] = permission

    def add_assignable(self, repo: str, login: str) -> None:
        """Allow assigning ``login`` without a write role (e.g. an org member)."""
        with self._lock:
            self.add_user(login)
            self._repo(repo).assignable.add(login.casefold())

    def add_branch(self, repo: str, name: str, *, from_branch: str | None = None) -> None:
        with self._lock:
            r = self._repo(repo)
            source = r.branches[from_branch or r.default_branch]
            r.branches[name] = _Branch(name, commits=list(source.commits))

    def protect_branch(self, repo: str, branch: str | None = None, protected: bool = True) -> None:
        """Mark a branch protected: contents writes answer 409 "Repository rule violations found"."""
        with self._lock:
            r = self._repo(repo)
            r.branches[branch or r.default_branch].protected = protected

    def put_file(
        self,
        repo: str,
        path: str,
        content: bytes | str,
        *,
        branch: str | None = None,
        message: str = "seed",
    ) -> str:
        """Seed a file with a commit (bypasses protection); returns the blob sha."""
        data = content.encode() if isinstance(content, str) else content
        with self._lock:
            r = self._repo(repo)
            b = r.branches[branch or r.default_branch]
            files = dict(b.files)
            action = "update" if path in files else "create"
            files[path.strip("/")] = data
            self._commit(r, b, files, message, path.strip("/"), action, self.default_login)
            return blob_sha(data)

    # -- seeding: issues, comments, labels, events -------------------------

    def add_label(self, repo: str, name: str, color: str = "ededed", description: str | None = None) -> dict[str, Any]:
        with self._lock:
            r = self._repo(repo)
            existing = r.label_by_name(name)
            if existing is not None:
                return self._label_json(r, existing)
            label = _Label(next(self._ids), name, color.lstrip("#").lower(), description)
            r.labels[label.id] = label
            return self._label_json(r, label)

    def create_issue(
        self,
        repo: str,
        title: str,
        body: str | None = None,
        *,
        user: str | None = None,
        labels: Iterable[str] = (),
        assignees: Iterable[str] = (),
        state: str = "open",
        state_reason: str | None = None,
        created_at: datetime | str | None = None,
        updated_at: datetime | str | None = None,
        closed_at: datetime | str | None = None,
        pull_request: bool = False,
        author_association: str | None = None,
    ) -> dict[str, Any]:
        """Seed an issue (or a PR stub with ``pull_request=True``); records labeled/assigned events."""
        with self._lock:
            r = self._repo(repo)
            login = user or self.default_login
            self.add_user(login)
            for a in assignees:
                self.add_user(a)
            created = _parse_time(created_at) or self.now
            issue = self._new_issue(r, title, body, login, created)
            issue.updated_at = _parse_time(updated_at) or created
            issue.is_pull = pull_request
            issue.author_association = author_association
            self._apply_labels(r, issue, [self._ensure_label(r, n).id for n in labels], login, created)
            self._apply_assignees(r, issue, list(assignees), login, created)
            if state == "closed":
                issue.state = "closed"
                issue.state_reason = state_reason or "completed"
                issue.closed_at = _parse_time(closed_at) or issue.updated_at
                issue.closed_by = login
                self._event(r, issue, "closed", login, issue.closed_at, state_reason=issue.state_reason)
            return self._issue_json(r, issue)

    def delete_issue(self, repo: str, number: int) -> None:
        """Mark an issue deleted: the API then answers 410 Gone for it."""
        with self._lock:
            self._repo(repo).issues[number].deleted = True

    def add_comment(
        self,
        repo: str,
        number: int,
        body: str,
        *,
        user: str | None = None,
        created_at: datetime | str | None = None,
        author_association: str | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            r = self._repo(repo)
            login = user or self.default_login
            self.add_user(login)
            when = _parse_time(created_at) or self.now
            comment = self._new_comment(r, r.issues[number], body, login, when)
            comment.author_association = author_association
            return self._comment_json(r, comment)

    def add_event(
        self,
        repo: str,
        number: int,
        event: str,
        *,
        actor: str | None = None,
        created_at: datetime | str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Inject an issue event, e.g. ``add_event(r, 1, "labeled", label={"name": "x", "color": "fff"})``.

        ``assignee=``/``assigner=`` may be logins; they are expanded to user objects.
        """
        with self._lock:
            r = self._repo(repo)
            login = actor or self.default_login
            self.add_user(login)
            when = _parse_time(created_at) or self.now
            ev = self._event(r, r.issues[number], event, login, when, **extra)
            return self._event_json(r, ev)

    # -- reading state -----------------------------------------------------

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        """The issue as ``GET .../issues/{n}`` would return it (even if deleted)."""
        with self._lock:
            r = self._repo(repo)
            return self._issue_json(r, r.issues[number])

    def issues(self, repo: str) -> list[dict[str, Any]]:
        """All issues and PR stubs of ``repo`` in number order, deleted ones excluded."""
        with self._lock:
            r = self._repo(repo)
            return [self._issue_json(r, i) for i in sorted(r.issues.values(), key=lambda i: i.number) if not i.deleted]

    def label_names(self, repo: str, number: int) -> list[str]:
        with self._lock:
            r = self._repo(repo)
            return [r.labels[i].name for i in r.issues[number].label_ids]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self._lock:
            r = self._repo(repo)
            return [self._comment_json(r, c) for c in self._issue_comments(r, number)]

    def events(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self._lock:
            r = self._repo(repo)
            return [self._event_json(r, e) for e in r.events if e.issue_number == number]

    def labels(self, repo: str) -> list[dict[str, Any]]:
        with self._lock:
            r = self._repo(repo)
            return [self._label_json(r, label) for label in r.labels.values()]

    def file(self, repo: str, path: str, branch: str | None = None) -> bytes | None:
        """Current bytes of ``path`` on ``branch`` (default branch), or None."""
        with self._lock:
            r = self._repo(repo)
            return r.branches[branch or r.default_branch].files.get(path.strip("/"))

    def commits(self, repo: str, branch: str | None = None) -> list[dict[str, Any]]:
        """Commits of a branch, oldest first (the first is the repo's initial commit)."""
        with self._lock:
            r = self._repo(repo)
            return [
                {
                    "sha": c.sha,
                    "message": c.message,
                    "path": c.path,
                    "action": c.action,
                    "author": dict(c.author),
                    "committer": dict(c.committer),
                }
                for c in r.branches[branch or r.default_branch].commits
            ]

    # ======================================================================
    # Internals: state changes shared by seed helpers and HTTP handlers
    # ======================================================================

    def _repo(self, full_name: str) -> _Repo:
        try:
            return self._repos[full_name.casefold()]
        except KeyError:
            raise KeyError(f"unknown repo {full_name}; call add_repo first") from None

    def _user(self, login: str) -> _User:
        return self._users[login.casefold()]

    def _new_issue(self, r: _Repo, title: str, body: str | None, login: str, when: datetime) -> _Issue:
        issue = _Issue(
            number=r.next_number,
            id=next(self._ids),
            title=title,
            body=body,
            user=self._user(login).login,
            created_at=when,
            updated_at=when,
        )
        r.next_number += 1
        r.issues[issue.number] = issue
        return issue

    def _new_comment(self, r: _Repo, issue: _Issue, body: str, login: str, when: datetime) -> _Comment:
        comment = _Comment(
            id=next(self._ids),
            issue_number=issue.number,
            body=body,
            user=self._user(login).login,
            created_at=when,
            updated_at=when,
            seq=next(self._seq),
        )
        r.comments[comment.id] = comment
        # Commenting bumps the issue's updated_at on GitHub (``since`` filters rely on it).
        issue.updated_at = max(issue.updated_at, when)
        return comment

    def _issue_comments(self, r: _Repo, number: int) -> list[_Comment]:
        return sorted((c for c in r.comments.values() if c.issue_number == number), key=lambda c: c.seq)

    def _event(self, r: _Repo, issue: _Issue, event: str, actor: str, when: datetime, **extra: Any) -> _Event:
        ev = _Event(next(self._ids), issue.number, event, self._user(actor).login, when, next(self._seq), extra)
        r.events.append(ev)
        return ev

    def _ensure_label(self, r: _Repo, name: str) -> _Label:
        # Applying an unknown label to an issue creates it (GitHub's default grey).
        label = r.label_by_name(name)
        if label is None:
            label = _Label(next(self._ids), name, "ededed", None)
            r.labels[label.id] = label
        return label

    def _apply_labels(self, r: _Repo, issue: _Issue, wanted: list[int], actor: str, when: datetime) -> bool:
        """Set the issue's labels to ``wanted`` (ids), recording labeled/unlabeled events."""
        wanted = list(dict.fromkeys(wanted))
        changed = False
        for lid in [i for i in issue.label_ids if i not in wanted]:
            issue.label_ids.remove(lid)
            label = r.labels[lid]
            self._event(r, issue, "unlabeled", actor, when, label={"name": label.name, "color": label.color})
            changed = True
        for lid in wanted:
            if lid not in issue.label_ids:
                issue.label_ids.append(lid)
                label = r.labels[lid]
                self._event(r, issue, "labeled", actor, when, label={"name": label.name, "color": label.color})
                changed = True
        return changed

    def _apply_assignees(self, r: _Repo, issue: _Issue, wanted: list[str], actor: str, when: datetime) -> bool:
        wanted_logins = [self._user(a).login for a in dict.fromkeys(a.casefold() for a in wanted)]
        changed = False
        for login in [a for a in issue.assignees if a not in wanted_logins]:
            issue.assignees.remove(login)
            self._event(r, issue, "unassigned", actor, when, assignee=login, assigner=actor)
            changed = True
        for login in wanted_logins:
            if login not in issue.assignees:
                issue.assignees.append(login)
                self._event(r, issue, "assigned", actor, when, assignee=login, assigner=actor)
                changed = True
        return changed

    def _permission(self, r: _Repo, login: str | None) -> str:
        if login is None:
            return "none"
        if login.casefold() == r.owner.casefold():
            return "admin"
        return r.collaborators.get(login.casefold(), "none")

    def _can_assign(self, r: _Repo, login: str) -> bool:
        # GitHub: anyone with write access (plus org members / commenters, which the
        # fake models only through add_assignable) can be assigned.
        if login.casefold() not in self._users:
            return False
        if self._user(login).type == "Organization":
            return False
        if login.casefold() in r.assignable:
            return True
        return PERMISSIONS.index(self._permission(r, login)) >= PERMISSIONS.index("write")

    def _association(self, r: _Repo, login: str, override: str | None) -> str:
        if override:
            return override
        if login.casefold() == r.owner.casefold():
            return "OWNER"
        if login.casefold() in r.collaborators:
            return "COLLABORATOR"
        return "NONE"

    def _commit(
        self,
        r: _Repo,
        b: _Branch,
        files: dict[str, bytes],
        message: str,
        path: str | None,
        action: str,
        actor: str,
        author: dict[str, str] | None = None,
        committer: dict[str, str] | None = None,
    ) -> _Commit:
        user = self._user(actor)
        date = _ts(self.now) or ""
        default = {
            "name": user.name or user.login,
            "email": f"{user.id}+{user.login}@users.noreply.github.com",
        }
        committer_d = {**default, **(committer or {}), "date": (committer or {}).get("date", date)}
        author_d = {**committer_d, **(author or {})}
        author_d.setdefault("date", date)
        tree = hashlib.sha1(repr(sorted((p, blob_sha(d)) for p, d in files.items())).encode()).hexdigest()
        parent = b.commits[-1].sha if b.commits else None
        sha = hashlib.sha1(f"{tree}{parent}{message}{next(self._ids)}".encode()).hexdigest()
        commit = _Commit(sha, tree, message, parent, author_d, committer_d, files, path, action)
        b.commits.append(commit)
        return commit

    # ======================================================================
    # JSON rendering (all URLs point back at this server)
    # ======================================================================

    def _api(self, r: _Repo) -> str:
        return f"{self.base_url}/repos/{r.full_name}"

    def _maybe_user_json(self, user: str | None) -> dict[str, Any] | None:
        return None if user is None else self._user_json(user)

    def _user_json(self, user: _User | str) -> dict[str, Any]:
        if isinstance(user, str):
            user = self._user(user)
        u = f"{self.base_url}/users/{quote(user.login)}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": _node_id("4:User", user.id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": u,
            "html_url": f"{HTML_BASE}/{quote(user.login)}",
            "followers_url": f"{u}/followers",
            "following_url": f"{u}/following{{/other_user}}",
            "gists_url": f"{u}/gists{{/gist_id}}",
            "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{u}/subscriptions",
            "organizations_url": f"{u}/orgs",
            "repos_url": f"{u}/repos",
            "events_url": f"{u}/events{{/privacy}}",
            "received_events_url": f"{u}/received_events",
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def _full_user_json(self, user: _User, private: bool) -> dict[str, Any]:
        out = self._user_json(user)
        out.update(
            name=user.name,
            company=None,
            blog="",
            location=None,
            email=user.email,
            hireable=None,
            bio=None,
            twitter_username=None,
            public_repos=sum(1 for r in self._repos.values() if r.owner == user.login and not r.private),
            public_gists=0,
            followers=0,
            following=0,
            created_at=_ts(user.created_at),
            updated_at=_ts(user.created_at),
        )
        if private:
            out.update(
                private_gists=0,
                total_private_repos=0,
                owned_private_repos=0,
                disk_usage=0,
                collaborators=0,
                two_factor_authentication=True,
            )
        return out

    def _role_permissions(self, role: str) -> dict[str, bool]:
        level = PERMISSIONS.index(role)
        return {
            "admin": level >= PERMISSIONS.index("admin"),
            "maintain": level >= PERMISSIONS.index("maintain"),
            "push": level >= PERMISSIONS.index("write"),
            "triage": level >= PERMISSIONS.index("triage"),
            "pull": level >= PERMISSIONS.index("read"),
        }

    def _repo_json(self, r: _Repo, actor: str | None) -> dict[str, Any]:
        api = self._api(r)
        html_url = f"{HTML_BASE}/{r.full_name}"
        head = r.branches[r.default_branch].commits
        pushed = r.created_at
        out: dict[str, Any] = {
            "id": r.id,
            "node_id": _node_id("10:Repository", r.id),
            "name": r.name,
            "full_name": r.full_name,
            "owner": self._user_json(r.owner),
            "private": r.private,
            "html_url": html_url,
            "description": r.description,
            "fork": False,
            "url": api,
            **{key: api + suffix for key, suffix in _REPO_URLS.items()},
            "git_url": f"git://github.com/{r.full_name}.git",
            "ssh_url": f"git@github.com:{r.full_name}.git",
            "clone_url": f"{html_url}.git",
            "svn_url": html_url,
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": sum(len(d) for d in (head[-1].files.values() if head else [])) // 1024,
            "default_branch": r.default_branch,
            "open_issues_count": sum(1 for i in r.issues.values() if i.state == "open" and not i.deleted),
            "open_issues": sum(1 for i in r.issues.values() if i.state == "open" and not i.deleted),
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private" if r.private else "public",
            "pushed_at": _ts(pushed),
            "created_at": _ts(r.created_at),
            "updated_at": _ts(r.created_at),
            "allow_forking": True,
            "web_commit_signoff_required": False,
            "license": None,
            "network_count": 0,
            "subscribers_count": 0,
        }
        if actor is not None:
            out["permissions"] = self._role_permissions(self._permission(r, actor))
        return out

    def _label_json(self, r: _Repo, label: _Label) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": _node_id("5:Label", label.id),
            "url": f"{self._api(r)}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "description": label.description,
            "default": label.default,
        }

    def _reaction_rollup(self, url: str, reactions: list[_Reaction]) -> dict[str, Any]:
        out: dict[str, Any] = {"url": url, "total_count": len(reactions)}
        for content in _REACTIONS:
            out[content] = sum(1 for x in reactions if x.content == content)
        return out

    def _issue_json(self, r: _Repo, issue: _Issue) -> dict[str, Any]:
        api = self._api(r)
        url = f"{api}/issues/{issue.number}"
        kind = "pull" if issue.is_pull else "issues"
        out: dict[str, Any] = {
            "url": url,
            "repository_url": api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{HTML_BASE}/{r.full_name}/{kind}/{issue.number}",
            "id": issue.id,
            "node_id": _node_id("5:Issue", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self._user_json(issue.user),
            "labels": [self._label_json(r, r.labels[i]) for i in issue.label_ids],
            "state": issue.state,
            "locked": issue.locked,
            "assignee": self._user_json(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self._user_json(a) for a in issue.assignees],
            "milestone": None,
            "comments": sum(1 for c in r.comments.values() if c.issue_number == issue.number),
            "created_at": _ts(issue.created_at),
            "updated_at": _ts(issue.updated_at),
            "closed_at": _ts(issue.closed_at),
            "author_association": self._association(r, issue.user, issue.author_association),
            "active_lock_reason": issue.active_lock_reason,
            "body": issue.body,
            "closed_by": self._maybe_user_json(issue.closed_by),
            "reactions": self._reaction_rollup(f"{url}/reactions", issue.reactions),
            "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None,
            "state_reason": issue.state_reason,
        }
        if issue.is_pull:
            # The presence of this key is how clients tell PRs apart in issue lists.
            pulls = f"{api}/pulls/{issue.number}"
            html_pr = f"{HTML_BASE}/{r.full_name}/pull/{issue.number}"
            out["pull_request"] = {
                "url": pulls,
                "html_url": html_pr,
                "diff_url": f"{html_pr}.diff",
                "patch_url": f"{html_pr}.patch",
                "merged_at": None,
            }
            out["draft"] = False
        return out

    def _comment_json(self, r: _Repo, c: _Comment) -> dict[str, Any]:
        api = self._api(r)
        url = f"{api}/issues/comments/{c.id}"
        return {
            "url": url,
            "html_url": f"{HTML_BASE}/{r.full_name}/issues/{c.issue_number}#issuecomment-{c.id}",
            "issue_url": f"{api}/issues/{c.issue_number}",
            "id": c.id,
            "node_id": _node_id("12:IssueComment", c.id),
            "user": self._user_json(c.user),
            "created_at": _ts(c.created_at),
            "updated_at": _ts(c.updated_at),
            "author_association": self._association(r, c.user, c.author_association),
            "body": c.body,
            "reactions": self._reaction_rollup(f"{url}/reactions", c.reactions),
            "performed_via_github_app": None,
        }

    def _event_json(self, r: _Repo, e: _Event) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": e.id,
            "node_id": _node_id("10:IssueEvent", e.id),
            "url": f"{self._api(r)}/issues/events/{e.id}",
            "actor": self._user_json(e.actor),
            "event": e.event,
            "commit_id": None,
            "commit_url": None,
            "created_at": _ts(e.created_at),
            "performed_via_github_app": None,
        }
        for key, value in e.extra.items():
            if key in ("assignee", "assigner") and isinstance(value, str):
                self.add_user(value)
                value = self._user_json(value)
            out[key] = value
        return out

    def _reaction_json(self, x: _Reaction) -> dict[str, Any]:
        return {
            "id": x.id,
            "node_id": _node_id("8:Reaction", x.id),
            "user": self._user_json(x.user),
            "content": x.content,
            "created_at": _ts(x.created_at),
        }

    def _content_urls(self, r: _Repo, path: str, ref: str, sha: str, kind: str) -> dict[str, Any]:
        api = self._api(r)
        self_url = f"{api}/contents/{quote(path)}?ref={quote(ref, safe='')}"
        git_url = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}"
        html_url = f"{HTML_BASE}/{r.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
        return {
            "url": self_url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": f"{self.base_url}/_raw/{r.full_name}/{quote(ref, safe='')}/{quote(path)}"
            if kind == "file"
            else None,
            "_links": {"self": self_url, "git": git_url, "html": html_url},
        }

    def _file_json(self, r: _Repo, path: str, ref: str, data: bytes, with_content: bool) -> dict[str, Any]:
        sha = blob_sha(data)
        out: dict[str, Any] = {
            "type": "file",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            **self._content_urls(r, path, ref, sha, "file"),
        }
        if with_content:
            # GitHub wraps base64 at 60 characters with a trailing newline per line.
            b64 = base64.b64encode(data).decode()
            out["content"] = "".join(b64[i : i + 60] + "\n" for i in range(0, len(b64), 60))
            out["encoding"] = "base64"
        return out

    def _commit_json(self, r: _Repo, c: _Commit) -> dict[str, Any]:
        api = self._api(r)
        parents = []
        if c.parent:
            parents.append(
                {
                    "url": f"{api}/git/commits/{c.parent}",
                    "html_url": f"{HTML_BASE}/{r.full_name}/commit/{c.parent}",
                    "sha": c.parent,
                }
            )
        return {
            "sha": c.sha,
            "node_id": _node_id("6:Commit", int(c.sha[:8], 16)),
            "url": f"{api}/git/commits/{c.sha}",
            "html_url": f"{HTML_BASE}/{r.full_name}/commit/{c.sha}",
            "author": dict(c.author),
            "committer": dict(c.committer),
            "message": c.message,
            "tree": {"url": f"{api}/git/trees/{c.tree_sha}", "sha": c.tree_sha},
            "parents": parents,
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }

    # ======================================================================
    # Dispatch
    # ======================================================================

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(max(self.rate_remaining, 0)),
            "x-ratelimit-reset": str(self.rate_reset),
            "x-ratelimit-used": str(self.rate_limit - max(self.rate_remaining, 0)),
            "x-ratelimit-resource": "core",
        }

    def _dispatch(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> _Response:
        split = urlsplit(target)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True
        with self._lock:
            fault = next((f for f in self._faults if f.matches(method, path)), None)
            if fault is not None:
                fault.hits += 1
                if fault.exhausted:
                    self._faults.remove(fault)
            # GET /rate_limit is free on GitHub; everything else spends one unit.
            if not (method == "GET" and path == "/rate_limit"):
                self.rate_remaining -= 1
            if fault is not None and not fault.after_success and (fault.status is not None or fault.reset):
                response = self._fault_response(fault)
            else:
                response = self._handle(method, path, query, headers, body, bad_json)
                if fault is not None:
                    if fault.after_success and (fault.status is not None or fault.reset):
                        response = self._fault_response(fault)
                    else:
                        response.delay = fault.delay
            if not response.reset:
                response.headers = {**self._rate_headers(), **response.headers}
                response.headers.setdefault("x-github-request-id", f"FAKE:{next(self._ids)}")
                response.headers.setdefault("x-github-api-version-selected", "2022-11-28")
            entry = LoggedRequest(method, path, query, body, 0 if response.reset else response.status)
            self._log.append(entry)
            self._exchanges.append((entry, response.body))
            return response

    def _fault_response(self, fault: Fault) -> _Response:
        if fault.reset:
            return _Response(status=0, reset=True, delay=fault.delay)
        assert fault.status is not None
        body = fault.body
        if body is None:
            try:
                phrase = http.HTTPStatus(fault.status).phrase
            except ValueError:
                phrase = "Error"
            body = {"message": phrase, "documentation_url": DOCS, "status": str(fault.status)}
        return _Response(status=fault.status, body=body, headers=dict(fault.headers), delay=fault.delay)

    def _handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        bad_json: bool,
    ) -> _Response:
        try:
            actor = self._authenticate(headers)
            if self.rate_remaining < 0:
                self.rate_remaining = 0
                raise ApiError(
                    403,
                    f"API rate limit exceeded for user ID {self._user(actor).id if actor else 0}.",
                    doc=f"{DOCS}/overview/rate-limits-for-the-rest-api",
                )
            if bad_json:
                raise ApiError(400, "Problems parsing JSON")
            for route_method, rx, handler in self._routes:
                m = rx.fullmatch(path)
                if m is None or route_method != method:
                    continue
                params = {k: unquote(v) for k, v in m.groupdict(default="").items()}
                repo = None
                if "owner" in params:
                    repo = self._repos.get(f"{params['owner']}/{params['repo']}".casefold())
                    # Private repositories are invisible (404, not 403) to outsiders.
                    if repo is None or (repo.private and self._permission(repo, actor) == "none"):
                        raise _not_found()
                if method not in ("GET", "HEAD") and actor is None:
                    raise ApiError(401, "Requires authentication")
                if repo is not None:
                    self._check_grant(headers, method, path, repo)
                return handler(_Ctx(method, path, params, query, body, actor, repo))
            raise _not_found()
        except ApiError as err:
            return _Response(err.status, err.body(), dict(err.headers))

    def _check_grant(self, headers: dict[str, str], method: str, path: str, repo: _Repo) -> None:
        """A token with job permissions may do only what they grant (GitHub Apps' 403)."""
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        grants = self._token_permissions.get(value.partition(" ")[2].strip())
        if grants is None:
            return
        resource = "contents" if "/contents" in path else "issues" if re.search(r"/(issues|labels)", path) else ""
        if not resource:
            return  # metadata (the repository, collaborators): always readable
        reading = method in ("GET", "HEAD")
        if reading and not repo.private:
            return
        have = grants.get(resource, "none")
        if have == "write" or (reading and have == "read"):
            return
        raise ApiError(
            403,
            "Resource not accessible by integration",
            doc=f"{DOCS}/{'repos/contents' if resource == 'contents' else 'issues/issues'}",
        )

    def _authenticate(self, headers: dict[str, str]) -> str | None:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        if value is None:
            return None
        scheme, _, credential = value.partition(" ")
        if scheme.lower() not in ("token", "bearer") or credential.strip() not in self._tokens:
            raise ApiError(401, "Bad credentials")
        return self._tokens[credential.strip()]

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        spec: list[tuple[str, str, Handler]] = [
            ("GET", "/user", self._h_get_user),
            ("GET", "/users/{username}", self._h_get_named_user),
            ("GET", "/rate_limit", self._h_rate_limit),
            ("POST", "/markdown", self._h_markdown),
            ("GET", "/_raw/{owner}/{repo}/{ref}/{+path}", self._h_raw),
            ("GET", "/repos/{owner}/{repo}", self._h_get_repo),
            ("GET", "/repos/{owner}/{repo}/issues", self._h_list_issues),
            ("POST", "/repos/{owner}/{repo}/issues", self._h_create_issue),
            ("GET", "/repos/{owner}/{repo}/issues/comments", self._h_list_repo_comments),
            ("GET", "/repos/{owner}/{repo}/issues/comments/{#comment_id}", self._h_get_comment),
            ("PATCH", "/repos/{owner}/{repo}/issues/comments/{#comment_id}", self._h_edit_comment),
            ("DELETE", "/repos/{owner}/{repo}/issues/comments/{#comment_id}", self._h_delete_comment),
            ("GET", "/repos/{owner}/{repo}/issues/comments/{#comment_id}/reactions", self._h_list_reactions),
            ("POST", "/repos/{owner}/{repo}/issues/comments/{#comment_id}/reactions", self._h_add_reaction),
            ("GET", "/repos/{owner}/{repo}/issues/{#issue_number}", self._h_get_issue),
            ("PATCH", "/repos/{owner}/{repo}/issues/{#issue_number}", self._h_edit_issue),
            ("GET", "/repos/{owner}/{repo}/issues/{#issue_number}/comments", self._h_list_comments),
            ("POST", "/repos/{owner}/{repo}/issues/{#issue_number}/comments", self._h_create_comment),
            ("GET", "/repos/{owner}/{repo}/issues/{#issue_number}/labels", self._h_issue_labels),
            ("POST", "/repos/{owner}/{repo}/issues/{#issue_number}/labels", self._h_add_labels),
            ("PUT", "/repos/{owner}/{repo}/issues/{#issue_number}/labels", self._h_set_labels),
            ("DELETE", "/repos/{owner}/{repo}/issues/{#issue_number}/labels", self._h_clear_labels),
            ("DELETE", "/repos/{owner}/{repo}/issues/{#issue_number}/labels/{name}", self._h_remove_label),
            ("POST", "/repos/{owner}/{repo}/issues/{#issue_number}/assignees", self._h_add_assignees),
            ("DELETE", "/repos/{owner}/{repo}/issues/{#issue_number}/assignees", self._h_remove_assignees),
            ("GET", "/repos/{owner}/{repo}/issues/{#issue_number}/events", self._h_issue_events),
            ("GET", "/repos/{owner}/{repo}/issues/{#issue_number}/timeline", self._h_timeline),
            ("PUT", "/repos/{owner}/{repo}/issues/{#issue_number}/lock", self._h_lock),
            ("DELETE", "/repos/{owner}/{repo}/issues/{#issue_number}/lock", self._h_unlock),
            ("GET", "/repos/{owner}/{repo}/issues/{#issue_number}/reactions", self._h_list_reactions),
            ("POST", "/repos/{owner}/{repo}/issues/{#issue_number}/reactions", self._h_add_reaction),
            ("GET", "/repos/{owner}/{repo}/labels", self._h_list_labels),
            ("POST", "/repos/{owner}/{repo}/labels", self._h_create_label),
            ("GET", "/repos/{owner}/{repo}/labels/{name}", self._h_get_label),
            ("PATCH", "/repos/{owner}/{repo}/labels/{name}", self._h_edit_label),
            ("DELETE", "/repos/{owner}/{repo}/labels/{name}", self._h_delete_label),
            ("GET", "/repos/{owner}/{repo}/assignees", self._h_list_assignees),
            ("GET", "/repos/{owner}/{repo}/assignees/{assignee}", self._h_check_assignee),
            ("GET", "/repos/{owner}/{repo}/collaborators/{username}", self._h_check_collaborator),
            ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", self._h_permission),
            ("GET", "/repos/{owner}/{repo}/commits", self._h_list_commits),
            ("GET", "/repos/{owner}/{repo}/contents", self._h_get_contents),
            ("GET", "/repos/{owner}/{repo}/contents/{+path}", self._h_get_contents),
            ("PUT", "/repos/{owner}/{repo}/contents/{+path}", self._h_put_contents),
            ("DELETE", "/repos/{owner}/{repo}/contents/{+path}", self._h_delete_contents),
        ]
        routes = []
        for method, template, handler in spec:

            def repl(m: re.Match[str]) -> str:
                name = m.group(1)
                if name.startswith("+"):
                    return f"(?P<{name[1:]}>.*)"
                if name.startswith("#"):
                    return f"(?P<{name[1:]}>[0-9]+)"
                return f"(?P<{name}>[^/]+)"

            rx = re.compile(re.sub(r"\{([+#]?\w+)\}", repl, template) + "/?")
            routes.append((method, rx, handler))
        return routes

    # -- pagination ----------------------------------------------------------

    def _paginate(self, ctx: _Ctx, items: list[Any]) -> _Response:
        """Slice ``items`` per ``per_page``/``page`` and emit GitHub's RFC 5988 Link header."""

        def as_int(name: str, default: int) -> int:
            try:
                return int(ctx.query.get(name, default))
            except ValueError:
                return default

        per_page = as_int("per_page", 30)
        per_page = 30 if per_page < 1 else min(per_page, 100)
        page = max(as_int("page", 1), 1)
        last = max(math.ceil(len(items) / per_page), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        headers: dict[str, str] = {}
        if len(items) > per_page or page > 1:

            def link(n: int) -> str:
                q = dict(ctx.query)
                q["page"] = str(n)
                return f"{self.base_url}{ctx.path}?{urlencode(q)}"

            rels = []
            if page > 1:
                rels += [(min(page - 1, last), "prev"), (1, "first")]
            if page < last:
                rels += [(page + 1, "next"), (last, "last")]
            if rels:
                # GitHub orders them prev, next, last, first.
                order = {"prev": 0, "next": 1, "last": 2, "first": 3}
                rels.sort(key=lambda x: order[x[1]])
                headers["Link"] = ", ".join(f'<{link(n)}>; rel="{rel}"' for n, rel in rels)
        return _Response(200, chunk, headers)

    # -- helpers for handlers -----------------------------------------------

    def _issue_for(self, ctx: _Ctx) -> _Issue:
        assert ctx.repo is not None
        issue = ctx.repo.issues.get(int(ctx.params["issue_number"]))
        if issue is None:
            raise _not_found()
        if issue.deleted:
            raise ApiError(410, "This issue was deleted")
        return issue

    def _comment_for(self, ctx: _Ctx) -> _Comment:
        assert ctx.repo is not None
        comment = ctx.repo.comments.get(int(ctx.params["comment_id"]))
        if comment is None:
            raise _not_found()
        return comment

    @staticmethod
    def _label_names_from(body: Any, *, allow_empty: bool) -> list[str]:
        # The label endpoints accept {"labels": [...]}, a bare array, or a bare string,
        # and each item may be a name or {"name": ...}.
        if isinstance(body, dict):
            if "labels" not in body:
                raise _validation("Label", "labels", "missing_field")
            items = body["labels"]
        elif body is None:
            items = []
        else:
            items = body
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list):
            raise _validation("Label", "labels", "invalid")
        names: list[str] = []
        for item in items:
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str) or not name.strip():
                raise _validation("Label", "name", "invalid")
            names.append(name)
        if not names and not allow_empty:
            raise _validation("Label", "labels", "missing_field")
        return names

    def _check_assignees(self, r: _Repo, logins: list[str], resource: str = "Issue") -> None:
        # Issue create/update reject unassignable users with 422; only the dedicated
        # assignees endpoint ignores them silently.
        for login in logins:
            if not isinstance(login, str) or not self._can_assign(r, login):
                raise _validation(resource, "assignees", "invalid", value=login)

    # -- users / meta ----------------------------------------------------------

    def _h_get_user(self, ctx: _Ctx) -> _Response:
        if ctx.actor is None:
            raise ApiError(401, "Requires authentication")
        return _Response(200, self._full_user_json(self._user(ctx.actor), private=True))

    def _h_get_named_user(self, ctx: _Ctx) -> _Response:
        user = self._users.get(ctx.params["username"].casefold())
        if user is None:
            raise _not_found()
        return _Response(200, self._full_user_json(user, private=False))

    def _h_rate_limit(self, ctx: _Ctx) -> _Response:
        core = {
            "limit": self.rate_limit,
            "used": self.rate_limit - self.rate_remaining,
            "remaining": self.rate_remaining,
            "reset": self.rate_reset,
        }
        other = {"limit": 5000, "used": 0, "remaining": 5000, "reset": self.rate_reset}
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": self.rate_reset}
        return _Response(
            200,
            {
                "resources": {"core": core, "search": search, "graphql": dict(other)},
                "rate": dict(core),
            },
        )

    def _h_markdown(self, ctx: _Ctx) -> _Response:
        # Not a renderer: enough for code that only posts and displays the result.
        text = ctx.body.get("text", "") if isinstance(ctx.body, dict) else ""
        if not isinstance(text, str):
            raise _validation("Markdown", "text", "invalid")
        rendered = "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n\n") if p)
        return _Response(200, None, raw=rendered.encode(), content_type="text/html;charset=utf-8")

    def _h_raw(self, ctx: _Ctx) -> _Response:
        repo = self._repos.get(f"{ctx.params['owner']}/{ctx.params['repo']}".casefold())
        if repo is None:
            raise _not_found()
        _, files = self._resolve_ref(repo, ctx.params["ref"])
        data = files.get(ctx.params["path"])
        if data is None:
            raise _not_found()
        return _Response(200, None, raw=data, content_type="text/plain; charset=utf-8")

    # -- repos -------------------------------------------------------------------

    def _h_get_repo(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None
        return _Response(200, self._repo_json(ctx.repo, ctx.actor))

    # -- issues ------------------------------------------------------------------

    def _h_list_issues(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        q = ctx.query
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise _validation("Issue", "state", "invalid")
        sort = q.get("sort", "created")
        direction = q.get("direction", "desc")
        if sort not in ("created", "updated", "comments") or direction not in ("asc", "desc"):
            raise _validation("Issue", "sort", "invalid")
        wanted_labels = [n.strip().casefold() for n in q.get("labels", "").split(",") if n.strip()]
        since = None
        if "since" in q:
            try:
                since = _parse_time(q["since"])
            except ValueError:
                raise _validation("Issue", "since", "invalid") from None
        items = []
        for issue in r.issues.values():
            if issue.deleted or (state != "all" and issue.state != state):
                continue
            names = {r.labels[i].name.casefold() for i in issue.label_ids}
            if any(n not in names for n in wanted_labels):
                continue
            if since is not None and issue.updated_at < since:
                continue
            if "creator" in q and issue.user.casefold() != q["creator"].casefold():
                continue
            assignee = q.get("assignee")
            if assignee == "none" and issue.assignees:
                continue
            if assignee == "*" and not issue.assignees:
                continue
            if assignee not in (None, "none", "*") and assignee.casefold() not in (
                a.casefold() for a in issue.assignees
            ):
                continue
            milestone = q.get("milestone")
            if milestone not in (None, "none", "*", ""):
                continue  # the fake has no milestones, so a specific one matches nothing
            if milestone == "*":
                continue
            items.append(issue)

        def key(i: _Issue) -> tuple[Any, int]:
            if sort == "updated":
                return (i.updated_at, i.number)
            if sort == "comments":
                return (sum(1 for c in r.comments.values() if c.issue_number == i.number), i.number)
            return (i.created_at, i.number)

        items.sort(key=key, reverse=direction == "desc")
        response = self._paginate(ctx, items)
        response.body = [self._issue_json(r, i) for i in response.body]
        return response

    def _h_create_issue(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        title = body.get("title")
        if isinstance(title, int) and not isinstance(title, bool):
            title = str(title)
        if not isinstance(title, str) or not title.strip():
            raise _validation("Issue", "title", "missing_field")
        text = body.get("body")
        if text is not None and not isinstance(text, str):
            raise _validation("Issue", "body", "invalid")
        assignees = list(body.get("assignees") or [])
        if body.get("assignee"):
            assignees.append(body["assignee"])
        self._check_assignees(r, assignees)
        label_names = self._label_names_from(body.get("labels") or [], allow_empty=True)
        now = self.now
        issue = self._new_issue(r, title, text, ctx.actor, now)
        self._apply_labels(r, issue, [self._ensure_label(r, n).id for n in label_names], ctx.actor, now)
        self._apply_assignees(r, issue, assignees, ctx.actor, now)
        data = self._issue_json(r, issue)
        return _Response(201, data, {"Location": data["url"]})

    def _h_get_issue(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None
        return _Response(200, self._issue_json(ctx.repo, self._issue_for(ctx)))

    def _h_edit_issue(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        now = self.now
        changed = False
        if "title" in body and body["title"] is not None:
            title = str(body["title"])
            if not title.strip():
                raise _validation("Issue", "title", "missing_field")
            if title != issue.title:
                self._event(r, issue, "renamed", ctx.actor, now, rename={"from": issue.title, "to": title})
                issue.title = title
                changed = True
        if "body" in body and body["body"] != issue.body:
            if body["body"] is not None and not isinstance(body["body"], str):
                raise _validation("Issue", "body", "invalid")
            issue.body = body["body"]
            changed = True
        reason = body.get("state_reason")
        if reason not in (None, "completed", "not_planned", "duplicate", "reopened"):
            raise _validation("Issue", "state_reason", "invalid")
        if "state" in body:
            state = body["state"]
            if state not in ("open", "closed"):
                raise _validation("Issue", "state", "invalid")
            if state == "closed" and issue.state == "open":
                issue.state = "closed"
                issue.state_reason = reason if reason not in (None, "reopened") else "completed"
                issue.closed_at = now
                issue.closed_by = ctx.actor
                self._event(r, issue, "closed", ctx.actor, now, state_reason=issue.state_reason)
                changed = True
            elif state == "closed" and reason not in (None, "reopened") and reason != issue.state_reason:
                issue.state_reason = reason  # re-close with a different reason
                changed = True
            elif state == "open" and issue.state == "closed":
                issue.state = "open"
                issue.state_reason = "reopened"
                issue.closed_at = None
                issue.closed_by = None
                self._event(r, issue, "reopened", ctx.actor, now, state_reason="reopened")
                changed = True
        if "labels" in body and body["labels"] is not None:
            names = self._label_names_from(body["labels"], allow_empty=True)
            changed |= self._apply_labels(r, issue, [self._ensure_label(r, n).id for n in names], ctx.actor, now)
        if "assignees" in body or "assignee" in body:
            if "assignees" in body:
                wanted = list(body["assignees"] or [])
            else:
                wanted = [body["assignee"]] if body["assignee"] else []
            self._check_assignees(r, wanted)
            changed |= self._apply_assignees(r, issue, wanted, ctx.actor, now)
        if changed:
            issue.updated_at = now
        return _Response(200, self._issue_json(r, issue))

    def _h_lock(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        reason = ctx.body.get("lock_reason") if isinstance(ctx.body, dict) else None
        if reason not in (None, "off-topic", "too heated", "resolved", "spam"):
            raise _validation("Issue", "lock_reason", "invalid")
        if not issue.locked:
            issue.locked, issue.active_lock_reason = True, reason
            self._event(ctx.repo, issue, "locked", ctx.actor, self.now, lock_reason=reason)
        return _Response(204)

    def _h_unlock(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        if not issue.locked:
            raise _not_found()
        issue.locked, issue.active_lock_reason = False, None
        self._event(ctx.repo, issue, "unlocked", ctx.actor, self.now)
        return _Response(204)

    # -- comments ----------------------------------------------------------------

    def _h_list_comments(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        issue = self._issue_for(ctx)
        comments = self._issue_comments(r, issue.number)
        if "since" in ctx.query:
            try:
                since = _parse_time(ctx.query["since"])
            except ValueError:
                raise _validation("IssueComment", "since", "invalid") from None
            assert since is not None
            comments = [c for c in comments if c.updated_at >= since]
        response = self._paginate(ctx, comments)
        response.body = [self._comment_json(r, c) for c in response.body]
        return response

    def _h_list_repo_comments(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        comments = sorted(r.comments.values(), key=lambda c: c.seq)
        if ctx.query.get("direction") == "desc":
            comments.reverse()
        response = self._paginate(ctx, comments)
        response.body = [self._comment_json(r, c) for c in response.body]
        return response

    def _h_create_comment(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        text = ctx.body.get("body") if isinstance(ctx.body, dict) else None
        if not isinstance(text, str) or not text:
            raise _validation("IssueComment", "body", "missing_field")
        if issue.locked and PERMISSIONS.index(self._permission(r, ctx.actor)) < PERMISSIONS.index("write"):
            raise ApiError(403, "Unable to create comment because issue is locked.")
        comment = self._new_comment(r, issue, text, ctx.actor, self.now)
        data = self._comment_json(r, comment)
        return _Response(201, data, {"Location": data["url"]})

    def _h_get_comment(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None
        return _Response(200, self._comment_json(ctx.repo, self._comment_for(ctx)))

    def _h_edit_comment(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None
        comment = self._comment_for(ctx)
        text = ctx.body.get("body") if isinstance(ctx.body, dict) else None
        if not isinstance(text, str) or not text:
            raise _validation("IssueComment", "body", "missing_field")
        if text != comment.body:
            comment.body = text
            comment.updated_at = self.now
        return _Response(200, self._comment_json(ctx.repo, comment))

    def _h_delete_comment(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None
        comment = self._comment_for(ctx)
        del ctx.repo.comments[comment.id]
        return _Response(204)

    # -- reactions ---------------------------------------------------------------

    def _reaction_target(self, ctx: _Ctx) -> tuple[list[_Reaction], str]:
        if "comment_id" in ctx.params:
            return self._comment_for(ctx).reactions, "comment_id"
        return self._issue_for(ctx).reactions, "issue_number"

    def _h_list_reactions(self, ctx: _Ctx) -> _Response:
        reactions, _ = self._reaction_target(ctx)
        content = ctx.query.get("content")
        items = [x for x in reactions if content is None or x.content == content]
        response = self._paginate(ctx, items)
        response.body = [self._reaction_json(x) for x in response.body]
        return response

    def _h_add_reaction(self, ctx: _Ctx) -> _Response:
        assert ctx.actor is not None
        reactions, _ = self._reaction_target(ctx)
        content = ctx.body.get("content") if isinstance(ctx.body, dict) else None
        if content not in _REACTIONS:
            raise _validation("Reaction", "content", "invalid")
        for x in reactions:
            if x.user == self._user(ctx.actor).login and x.content == content:
                return _Response(200, self._reaction_json(x))  # idempotent: 200, not 201
        reaction = _Reaction(next(self._ids), self._user(ctx.actor).login, content, self.now)
        reactions.append(reaction)
        return _Response(201, self._reaction_json(reaction))

    # -- labels --------------------------------------------------------------------

    def _labels_response(self, r: _Repo, issue: _Issue) -> _Response:
        return _Response(200, [self._label_json(r, r.labels[i]) for i in issue.label_ids])

    def _h_issue_labels(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        issue = self._issue_for(ctx)
        response = self._paginate(ctx, [r.labels[i] for i in issue.label_ids])
        response.body = [self._label_json(r, label) for label in response.body]
        return response

    def _h_add_labels(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        names = self._label_names_from(ctx.body, allow_empty=True)
        wanted = issue.label_ids + [self._ensure_label(r, n).id for n in names]
        if self._apply_labels(r, issue, wanted, ctx.actor, self.now):
            issue.updated_at = self.now
        return self._labels_response(r, issue)

    def _h_set_labels(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        names = self._label_names_from(ctx.body, allow_empty=True)
        if self._apply_labels(r, issue, [self._ensure_label(r, n).id for n in names], ctx.actor, self.now):
            issue.updated_at = self.now
        return self._labels_response(r, issue)

    def _h_clear_labels(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        if self._apply_labels(r, issue, [], ctx.actor, self.now):
            issue.updated_at = self.now
        return _Response(204)

    def _h_remove_label(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        label = r.label_by_name(ctx.params["name"])
        if label is None or label.id not in issue.label_ids:
            # GitHub's exact wording; PyGithub turns it into a plain GithubException(404).
            raise ApiError(404, "Label does not exist")
        self._apply_labels(r, issue, [i for i in issue.label_ids if i != label.id], ctx.actor, self.now)
        issue.updated_at = self.now
        return self._labels_response(r, issue)

    def _h_list_labels(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        response = self._paginate(ctx, list(r.labels.values()))
        response.body = [self._label_json(r, label) for label in response.body]
        return response

    @staticmethod
    def _valid_color(color: Any) -> str:
        if not isinstance(color, str) or not re.fullmatch(r"#?[0-9a-fA-F]{6}", color):
            raise _validation("Label", "color", "invalid")
        return color.lstrip("#").lower()

    def _h_create_label(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _validation("Label", "name", "missing_field")
        if r.label_by_name(name) is not None:
            raise _validation("Label", "name", "already_exists")
        color = self._valid_color(body.get("color", "ededed"))
        description = body.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 100):
            raise _validation("Label", "description", "invalid")
        label = _Label(next(self._ids), name, color, description)
        r.labels[label.id] = label
        data = self._label_json(r, label)
        return _Response(201, data, {"Location": data["url"]})

    def _label_for(self, ctx: _Ctx) -> _Label:
        assert ctx.repo is not None
        label = ctx.repo.label_by_name(ctx.params["name"])
        if label is None:
            raise _not_found()
        return label

    def _h_get_label(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None
        return _Response(200, self._label_json(ctx.repo, self._label_for(ctx)))

    def _h_edit_label(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        label = self._label_for(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        new_name = body.get("new_name")
        if new_name is not None:
            other = r.label_by_name(new_name)
            if other is not None and other.id != label.id:
                raise _validation("Label", "name", "already_exists")
            label.name = new_name
        if "color" in body:
            label.color = self._valid_color(body["color"])
        if "description" in body:
            label.description = body["description"]
        return _Response(200, self._label_json(r, label))

    def _h_delete_label(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        label = self._label_for(ctx)
        for issue in r.issues.values():
            if label.id in issue.label_ids:
                issue.label_ids.remove(label.id)
        del r.labels[label.id]
        return _Response(204)

    # -- assignees / collaborators -------------------------------------------------

    def _h_add_assignees(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        wanted = ctx.body.get("assignees") if isinstance(ctx.body, dict) else None
        wanted = [wanted] if isinstance(wanted, str) else list(wanted or [])
        # Unassignable users are silently dropped here (unlike issue create/update).
        ok = [a for a in wanted if isinstance(a, str) and self._can_assign(r, a)]
        ok_folded = {a.casefold() for a in issue.assignees}
        new = issue.assignees + [a for a in ok if a.casefold() not in ok_folded]
        if len(new) > 10:
            raise _validation("Issue", "assignees", "invalid")
        if self._apply_assignees(r, issue, new, ctx.actor, self.now):
            issue.updated_at = self.now
        return _Response(201, self._issue_json(r, issue))

    def _h_remove_assignees(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        issue = self._issue_for(ctx)
        drop = ctx.body.get("assignees") if isinstance(ctx.body, dict) else None
        drop = [drop] if isinstance(drop, str) else list(drop or [])
        drop_folded = {a.casefold() for a in drop if isinstance(a, str)}
        keep = [a for a in issue.assignees if a.casefold() not in drop_folded]
        if self._apply_assignees(r, issue, keep, ctx.actor, self.now):
            issue.updated_at = self.now
        return _Response(200, self._issue_json(r, issue))

    def _h_list_assignees(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        users = sorted((u for u in self._users.values() if self._can_assign(r, u.login)), key=lambda u: u.id)
        response = self._paginate(ctx, users)
        response.body = [self._user_json(u) for u in response.body]
        return response

    def _h_check_assignee(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None
        if self._can_assign(ctx.repo, ctx.params["assignee"]):
            return _Response(204)
        raise _not_found()

    def _h_check_collaborator(self, ctx: _Ctx) -> _Response:
        assert ctx.repo is not None
        login = ctx.params["username"]
        if login.casefold() in self._users and self._permission(ctx.repo, login) != "none":
            return _Response(204)
        raise _not_found()

    def _h_permission(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        login = ctx.params["username"]
        if login.casefold() not in self._users:
            raise _not_found()
        role = self._permission(r, login)
        user = self._user_json(login)
        user["permissions"] = self._role_permissions(role)
        user["role_name"] = role
        return _Response(200, {"permission": _LEGACY_PERMISSION[role], "role_name": role, "user": user})

    # -- contents -------------------------------------------------------------------

    def _resolve_ref(self, r: _Repo, ref: str | None) -> tuple[str, dict[str, bytes]]:
        """Files at ``ref`` (branch name, ``heads/x``/``refs/heads/x``, or a commit sha)."""
        name = ref or r.default_branch
        for prefix in ("refs/heads/", "heads/"):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        if name in r.branches:
            return name, r.branches[name].files
        for branch in r.branches.values():
            for commit in branch.commits:
                if len(name) >= 7 and commit.sha.startswith(name):
                    return name, commit.files
        raise ApiError(404, f"No commit found for the ref {ref}")

    def _h_list_commits(self, ctx: _Ctx) -> _Response:
        """GET /repos/{o}/{r}/commits: newest first; ``sha`` (a branch), ``path`` (a file or a folder:
        commits that changed something there) and ``since`` (committed at or after) filter."""
        r = ctx.repo
        assert r is not None
        name = ctx.query.get("sha") or r.default_branch
        branch = r.branches.get(name)
        if branch is None:
            raise ApiError(404, f"No commit found for SHA: {name}")
        since = _parse_time(ctx.query.get("since")) if ctx.query.get("since") else None
        path = (ctx.query.get("path") or "").strip("/")
        listed: list[tuple[_Commit, _Commit | None]] = []
        for index in range(len(branch.commits) - 1, -1, -1):
            commit = branch.commits[index]
            parent = branch.commits[index - 1] if index else None
            when = _parse_time(commit.committer.get("date"))
            if since is not None and when is not None and when < since:
                continue
            if path:
                before = parent.files if parent else {}
                changed = {p for p in set(before) | set(commit.files) if before.get(p) != commit.files.get(p)}
                if not any(p == path or p.startswith(path + "/") for p in changed):
                    continue
            listed.append((commit, parent))
        response = self._paginate(ctx, listed)
        response.body = [self._commit_list_json(r, c, parent) for c, parent in response.body]
        return response

    def _commit_list_json(self, r: _Repo, c: _Commit, parent: _Commit | None) -> dict[str, Any]:
        api = self._api(r)
        git = self._commit_json(r, c)
        login = c.committer.get("email", "").split("@", 1)[0].split("+", 1)[-1]
        user = self._user_json(login) if login and login.casefold() in self._users else None
        return {
            "url": f"{api}/commits/{c.sha}",
            "sha": c.sha,
            "node_id": git["node_id"],
            "html_url": git["html_url"],
            "comments_url": f"{api}/commits/{c.sha}/comments",
            "commit": {
                "url": git["url"],
                "author": git["author"],
                "committer": git["committer"],
                "message": c.message,
                "comment_count": 0,
                "tree": git["tree"],
                "verification": git["verification"],
            },
            "author": user,
            "committer": user,
            "parents": [
                {
                    "sha": parent.sha,
                    "url": f"{api}/commits/{parent.sha}",
                    "html_url": f"{HTML_BASE}/{r.full_name}/commit/{parent.sha}",
                }
            ]
            if parent
            else [],
        }

    def _h_get_contents(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        ref, files = self._resolve_ref(r, ctx.query.get("ref"))
        path = ctx.params.get("path", "").strip("/")
        if path in files:
            return _Response(200, self._file_json(r, path, ref, files[path], with_content=True))
        prefix = f"{path}/" if path else ""
        entries: dict[str, dict[str, Any]] = {}
        for file_path, data in sorted(files.items()):
            if not file_path.startswith(prefix):
                continue
            child, _, rest = file_path[len(prefix) :].partition("/")
            child_path = prefix + child
            if rest:
                if child_path not in entries:
                    sha = hashlib.sha1(f"tree:{child_path}:{ref}".encode()).hexdigest()
                    entries[child_path] = {
                        "type": "dir",
                        "size": 0,
                        "name": child,
                        "path": child_path,
                        "sha": sha,
                        **self._content_urls(r, child_path, ref, sha, "dir"),
                    }
            else:
                entries[child_path] = self._file_json(r, child_path, ref, data, with_content=False)
        if not entries:
            # An empty repository root is 404 "This repository is empty." on GitHub.
            raise ApiError(404, "This repository is empty." if not files and not path else "Not Found")
        return _Response(200, list(entries.values()))

    def _write_target(self, ctx: _Ctx, body: dict[str, Any]) -> tuple[_Branch, str]:
        r = ctx.repo
        assert r is not None
        branch_name = body.get("branch") or r.default_branch
        branch = r.branches.get(branch_name)
        if branch is None:
            raise ApiError(404, f"Branch {branch_name} not found")
        if branch.protected:
            # GitHub answers rule/protection violations on the contents API with 409.
            raise ApiError(
                409,
                "Repository rule violations found\n\nChanges must be made through a pull request.\n\n",
                doc="https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository",
            )
        return branch, ctx.params.get("path", "").strip("/")

    @staticmethod
    def _person(body: dict[str, Any], key: str) -> dict[str, str] | None:
        value = body.get(key)
        if value is None:
            return None
        if not isinstance(value, dict) or not value.get("name") or not value.get("email"):
            raise _validation("Commit", key, "invalid")
        return {k: str(v) for k, v in value.items() if k in ("name", "email", "date")}

    def _h_put_contents(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        for required in ("message", "content"):
            if not isinstance(body.get(required), str):
                raise ApiError(422, f'Invalid request.\n\n"{required}" wasn\'t supplied.')
        try:
            data = base64.b64decode(body["content"], validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(422, "content is not valid Base64") from None
        branch, path = self._write_target(ctx, body)
        if not path:
            raise _not_found()
        files = dict(branch.files)
        current = files.get(path)
        sha = body.get("sha")
        if current is not None and not sha:
            raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if sha and (current is None or blob_sha(current) != sha):
            # Stale (or, for a new path, any) sha: the caller's view is out of date.
            raise ApiError(409, f"{path} does not match {sha}")
        if any(p.startswith(path + "/") for p in files) or any(path.startswith(p + "/") for p in files):
            raise ApiError(422, "path conflicts with an existing file or directory")
        files[path] = data
        commit = self._commit(
            r,
            branch,
            files,
            body["message"],
            path,
            "update" if current is not None else "create",
            ctx.actor,
            author=self._person(body, "author"),
            committer=self._person(body, "committer"),
        )
        content = self._file_json(r, path, branch.name, data, with_content=False)
        return _Response(
            200 if current is not None else 201,
            {"content": content, "commit": self._commit_json(r, commit)},
        )

    def _h_delete_contents(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None and ctx.actor is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        for required in ("message", "sha"):
            if not isinstance(body.get(required), str):
                raise ApiError(422, f'Invalid request.\n\n"{required}" wasn\'t supplied.')
        branch, path = self._write_target(ctx, body)
        files = dict(branch.files)
        current = files.get(path)
        if current is None:
            raise _not_found()
        if blob_sha(current) != body["sha"]:
            raise ApiError(409, f"{path} does not match {body['sha']}")
        del files[path]
        commit = self._commit(
            r,
            branch,
            files,
            body["message"],
            path,
            "delete",
            ctx.actor,
            author=self._person(body, "author"),
            committer=self._person(body, "committer"),
        )
        return _Response(200, {"content": None, "commit": self._commit_json(r, commit)})

    # -- events / timeline ------------------------------------------------------------

    def _h_issue_events(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        issue = self._issue_for(ctx)
        events = [e for e in r.events if e.issue_number == issue.number]
        response = self._paginate(ctx, events)
        response.body = [self._event_json(r, e) for e in response.body]
        return response

    def _h_timeline(self, ctx: _Ctx) -> _Response:
        r = ctx.repo
        assert r is not None
        issue = self._issue_for(ctx)
        items: list[tuple[datetime, int, dict[str, Any]]] = []
        for e in r.events:
            if e.issue_number == issue.number:
                items.append((e.created_at, e.seq, self._event_json(r, e)))
        for c in self._issue_comments(r, issue.number):
            data = self._comment_json(r, c)
            data["event"] = "commented"
            data["actor"] = self._user_json(c.user)
            items.append((c.created_at, c.seq, data))
        items.sort(key=lambda x: (x[0], x[1]))
        response = self._paginate(ctx, [x[2] for x in items])
        return response
