"""The GitHub backend: :class:`incident_kit.github.port.Repository` on PyGithub and the REST API.

PyGithub is built once with the API URL passed in (it does not read
``GITHUB_API_URL`` itself), pages of 100, no pause between requests, and its
own retry turned off: retries are decided here (see ``retry``), because
GithubRetry neither retries a 429 without ``retry-after`` nor knows that a POST
which failed may have succeeded. A comment POST that fails that way is checked
for before it is sent again, so a retry never duplicates the status comment.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException
from github.Issue import Issue
from github.Repository import Repository as GhRepository

from incident_kit.basics import markers
from incident_kit.basics.limits import PAGE_MAX
from incident_kit.basics.markers import STATUS as MARKER
from incident_kit.basics.times import format_iso, parse_iso, to_utc
from incident_kit.github.port import (
    BodyChanged,
    BranchRefused,
    CommentData,
    CommitData,
    CommitResult,
    Conflict,
    EventData,
    FileData,
    Forbidden,
    IssueData,
    NotFound,
    PortError,
    RateLimit,
    RequestStats,
    TooManyRetries,
)
from incident_kit.github.retry import RetryLimits, backoff, give_up, is_rate_limited, rate_limit_wait

T = TypeVar("T")

PERMISSION_HELP = (
    "The workflow's token lacks a permission: add `permissions: issues: write` (and `contents: write` "
    "for the invite and the report) to the job that runs incident-kit."
)


class GitHubRepository:
    """Implements :class:`incident_kit.github.port.Repository` against GitHub's REST API."""

    def __init__(
        self,
        full_name: str,
        token: str,
        *,
        api_url: str = "https://api.github.com",
        bot_login: str = "github-actions[bot]",
        max_wait: float = 300.0,
        limits: RetryLimits | None = None,
        timeout: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.full_name = full_name
        self.bot_login = bot_login
        self.stats = RequestStats()
        self._limits = limits or RetryLimits(wait=max_wait)
        self._sleep = sleep
        self._gh = Github(
            base_url=api_url.rstrip("/"),
            auth=Auth.Token(token) if token else None,
            per_page=PAGE_MAX,
            retry=None,  # retries are ours: see the module docstring
            timeout=int(timeout),
            seconds_between_requests=None,
            seconds_between_writes=None,
            # Lazy objects: no GET of the repository before the first real request. Reads that
            # must happen now go through _complete() inside the retry loop.
            lazy=True,
        )
        self._repo: GhRepository = self._gh.get_repo(full_name)
        self._issues: dict[int, Issue] = {}
        self._permissions: dict[str, str] = {}  # login (lower case) -> permission, asked once per run
        self._assignable: dict[str, bool] = {}

    # ------------------------------------------------------------------ the retry loop
    def _call(
        self,
        what: str,
        fn: Callable[[], T],
        *,
        write: bool = False,
        recover: Callable[[], T | None] | None = None,
    ) -> T:
        attempt = 0
        while True:
            try:
                if write:
                    self.stats.writes += 1
                else:
                    self.stats.reads += 1
                result = fn()
                self._note_rate()
                return result
            except GithubException as exc:
                status = exc.status
                message = _message(exc)
                headers = dict(exc.headers or {})
                if status in (404, 410):
                    raise NotFound(f"{what}: {message or 'not found'} ({status})") from None
                if is_rate_limited(status, headers, message):
                    wait = rate_limit_wait(headers, time.time(), attempt)
                elif status == 403:
                    raise Forbidden(f"{what}: {message} (403). {PERMISSION_HELP}") from None
                elif status in (409, 422) and _refused(message):
                    raise BranchRefused(
                        f"{what}: the branch refused the commit ({message}). Set `report.branch` in "
                        ".github/incident-kit.yml to a branch incident-kit may commit to, or allow it to push."
                    ) from None
                elif status == 409:
                    raise Conflict(f"{what}: {message} (409)") from None
                elif status >= 500:
                    wait = backoff(attempt)
                else:
                    raise PortError(f"{what}: {message} ({status})") from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                wait = backoff(attempt)
                message = type(exc).__name__
            if recover is not None:
                # The failed write may have reached GitHub before the answer was lost.
                found = recover()
                if found is not None:
                    return found
            stop = give_up(
                self._limits,
                attempt=attempt,
                run_retries=self.stats.retries,
                waited=self.stats.waited_seconds,
                wait=wait,
            )
            if stop is not None:
                raise TooManyRetries(
                    f"{what}: GitHub kept failing ({message}); {stop}. Re-run the workflow later; "
                    "what was done is kept and the next run carries on from there."
                )
            self.stats.notes.append(f"{what}: {message}; retrying in {wait:.1f} s")
            self._sleep(wait)
            self.stats.waited_seconds += wait
            self.stats.retries += 1
            attempt += 1

    def _note_rate(self) -> None:
        remaining, limit = self._gh.rate_limiting
        if remaining >= 0:
            self.stats.rate_remaining, self.stats.rate_limit = remaining, limit

    # ------------------------------------------------------------------ reads
    def get_issue(self, number: int) -> IssueData:
        issue = self._call(f"read issue #{number}", lambda: _complete(self._repo.get_issue(number)))
        self._issues[number] = issue
        raw = issue.raw_data
        return IssueData(
            number=issue.number,
            title=raw.get("title") or "",
            body=raw.get("body") or "",
            state=raw.get("state") or "open",
            state_reason=raw.get("state_reason"),
            labels=tuple(label["name"] for label in raw.get("labels") or []),
            assignees=tuple(a["login"] for a in raw.get("assignees") or []),
            author=(raw.get("user") or {}).get("login", ""),
            created_at=to_utc(issue.created_at) or datetime.now(UTC),
            closed_at=to_utc(issue.closed_at),
            html_url=raw.get("html_url") or "",
            # raw_data, not issue.pull_request: the attribute costs a GET on incomplete objects.
            is_pull_request=bool(raw.get("pull_request")),
            updated_at=to_utc(issue.updated_at),
        )

    def _issue(self, number: int) -> Issue:
        if number not in self._issues:
            self.get_issue(number)
        return self._issues[number]

    def list_comments(self, number: int, since: datetime | None = None) -> list[CommentData]:
        def fetch() -> list[CommentData]:
            issue = self._issue(number)
            # PyGithub writes the time as given with a "Z": hand it UTC.
            listing = issue.get_comments(since=since.astimezone(UTC)) if since is not None else issue.get_comments()
            return [
                CommentData(
                    id=c.id,
                    author=c.user.login if c.user else "",
                    body=c.body or "",
                    created_at=to_utc(c.created_at) or datetime.now(UTC),
                    html_url=c.html_url,
                    updated_at=to_utc(c.updated_at),
                )
                for c in listing
            ]

        return self._call(f"read the comments of #{number}", fetch)

    def permission(self, login: str) -> str:
        # One backend lives for one run: a login's permission is asked at most once per run (the
        # weekly check and an issue's run ask about the same people for many issues).
        key = login.lower()
        if key in self._permissions:
            return self._permissions[key]

        def fetch() -> str:
            # role_name, not permission: the legacy field reports triage as read and maintain as write.
            return str(self._repo.get_collaborator_role_name(login))

        try:
            found = self._call(f"read @{login}'s permission", fetch)
        except NotFound:
            found = "none"
        self._permissions[key] = found
        return found

    def can_assign(self, login: str) -> bool:
        key = login.lower()
        if key not in self._assignable:
            self._assignable[key] = self._call(
                f"check whether @{login} can be assigned", lambda: self._repo.has_in_assignees(login)
            )
        return self._assignable[key]

    def label_exists(self, name: str) -> bool:
        try:
            self._call(f"read label '{name}'", lambda: _complete(self._repo.get_label(name)))
            return True
        except NotFound:
            return False

    def list_events(self, number: int) -> list[EventData]:
        """Raw pages through the requester: PyGithub's listed events complete themselves one GET
        each when read. At most 5 pages (500 events), which covers any incident's life."""
        out: list[EventData] = []
        for page in range(1, 6):

            def fetch(page: int = page) -> list[dict[str, Any]]:
                _, data = self._gh.requester.requestJsonAndCheck(
                    "GET", f"{self._repo.url}/issues/{number}/events", parameters={"per_page": PAGE_MAX, "page": page}
                )
                return list(data) if isinstance(data, list) else []

            rows = self._call(f"read the events of #{number}", fetch)
            for raw in rows:
                subject = (raw.get("label") or {}).get("name") or (raw.get("assignee") or {}).get("login") or ""
                actor = (raw.get("actor") or {}).get("login")
                when = parse_iso(raw.get("created_at")) or datetime.now(UTC)
                out.append(EventData(str(raw.get("event", "")), actor, when, str(subject)))
            if len(rows) < PAGE_MAX:
                break
        return out

    def default_branch(self) -> str:
        return str(self._call("read the repository", lambda: self._repo.default_branch))

    def get_file(self, path: str, branch: str | None = None) -> FileData | None:
        def fetch() -> FileData:
            # No ref means the default branch: one request, no GET of the repository first.
            content = self._repo.get_contents(path, ref=branch) if branch else self._repo.get_contents(path)
            if isinstance(content, list):
                raise PortError(f"{path} is a folder, not a file")
            return FileData(path, content.decoded_content, content.sha, content.html_url or "")

        try:
            return self._call(f"read {path}", fetch)
        except NotFound:
            return None

    # ------------------------------------------------------------------ writes
    def create_label(self, name: str, color: str, description: str) -> None:
        try:
            self._call(
                f"create label '{name}'",
                lambda: self._repo.create_label(name, color, description),
                write=True,
            )
        except PortError as exc:
            if "already_exists" not in str(exc) and "already exists" not in str(exc):
                raise

    def add_labels(self, number: int, names: list[str]) -> None:
        self._call(f"label #{number}", lambda: self._issue(number).add_to_labels(*names), write=True)

    def remove_label(self, number: int, name: str) -> None:
        self._call(f"unlabel #{number}", lambda: self._issue(number).remove_from_labels(name), write=True)

    def add_assignees(self, number: int, logins: list[str]) -> tuple[str, ...]:
        issue = self._issue(number)
        self._call(f"assign #{number}", lambda: issue.add_to_assignees(*logins), write=True)
        return tuple(a.login for a in issue.assignees)

    def create_comment(self, number: int, body: str) -> CommentData:
        def post() -> CommentData:
            c = self._issue(number).create_comment(body)
            return CommentData(
                c.id,
                c.user.login if c.user else "",
                c.body or "",
                to_utc(c.created_at) or datetime.now(UTC),
                c.html_url,
            )

        # A comment the bot recognises again by its marker: the status comment (one per issue) and
        # any comment whose first line is a marker (a weekly reminder carries its ISO week there).
        first_line = body.split("\n", 1)[0]
        marked = first_line if first_line.startswith(markers.PREFIX) and first_line != MARKER else None

        def already_posted() -> CommentData | None:
            if MARKER not in body and marked is None:
                return None
            try:
                comments = self.list_comments(number)
            except PortError:
                return None
            for c in comments:
                if c.author != self.bot_login:
                    continue
                if (marked is not None and c.body.split("\n", 1)[0] == marked) or (marked is None and MARKER in c.body):
                    return c
            return None

        return self._call(f"comment on #{number}", post, write=True, recover=already_posted)

    def edit_comment(self, comment_id: int, body: str) -> CommentData:
        def patch() -> CommentData:
            comment = self._comment(comment_id)
            comment.edit(body)
            return CommentData(
                comment.id,
                comment.user.login if comment.user else "",
                body,
                to_utc(comment.created_at) or datetime.now(UTC),
                comment.html_url,
            )

        return self._call(f"edit comment {comment_id}", patch, write=True)

    def _comment(self, comment_id: int) -> Any:
        from github.IssueComment import IssueComment

        url = f"{self._repo.url}/issues/comments/{comment_id}"
        # A lazy comment object: PATCH without a GET first (one request, not two).
        return IssueComment(self._gh.requester, url=url)

    def edit_body(self, number: int, body: str, expected: str | None = None) -> None:
        def landed_or_changed() -> bool | None:
            # Before a PATCH is sent again (a 502 may follow a successful write), read the body:
            # ours means it landed; neither ours nor the one ours was made from means a person
            # edited it in between, and sending ours again would erase their edit.
            current = self.get_issue(number).body
            if current == body:
                return True
            if current != expected:
                raise BodyChanged(
                    f"the body of #{number} changed while incident-kit was writing it; not written again "
                    "(the person's edit is kept, and the next run works from it)"
                )
            return None

        def patch() -> bool:
            self._issue(number).edit(body=body)
            return True

        self._call(
            f"edit the body of #{number}",
            patch,
            write=True,
            recover=landed_or_changed if expected is not None else None,
        )

    def close_issue(self, number: int, reason: str) -> None:
        self._call(
            f"close #{number}",
            lambda: self._issue(number).edit(state="closed", state_reason=reason),
            write=True,
        )

    def put_file(self, path: str, content: bytes, message: str, branch: str | None, sha: str | None) -> CommitResult:
        def put() -> CommitResult:
            # No branch: the contents API commits to the default branch.
            extra: dict[str, Any] = {"branch": branch} if branch else {}
            if sha is None:
                result = self._repo.create_file(path, message, content, **extra)
            else:
                result = self._repo.update_file(path, message, content, sha, **extra)
            file = result["content"]
            commit = result["commit"]
            return CommitResult(path, file.sha, file.html_url or "", commit.sha)

        def landed() -> CommitResult | None:
            current = self.get_file(path, branch)
            if current is not None and current.content == content:
                return CommitResult(path, current.sha, current.html_url)
            return None

        return self._call(f"commit {path}", put, write=True, recover=landed)

    # ---- weekly (issue #6): listing issues in pages, opening follow-up issues, the rate limit
    def list_issues(
        self,
        labels: tuple[str, ...],
        state: str = "open",
        since: datetime | None = None,
        *,
        sort: str = "created",
        direction: str = "asc",
    ) -> Iterator[IssueData]:
        # Raw pages through the requester, one retried request per page: the list answer holds
        # every field IssueData needs, whereas PyGithub's Issue objects from a list are incomplete,
        # and reading a field they lack (``pull_request`` on a plain issue) costs a GET per issue.
        first: dict[str, Any] = {"state": state, "sort": sort, "direction": direction, "per_page": PAGE_MAX}
        if labels:
            first["labels"] = ",".join(labels)
        if since is not None:
            first["since"] = format_iso(since)
        params: dict[str, Any] | None = first
        url: str | None = f"{self._repo.url}/issues"
        what = f"list {state} issues" + (f" labeled {', '.join(labels)}" if labels else "")
        page = 0
        while url is not None:
            page += 1
            headers, data = self._call(f"{what} (page {page})", _page_fetcher(self._gh, url, params))
            for raw in data if isinstance(data, list) else []:
                if not isinstance(raw, dict) or not isinstance(raw.get("number"), int):
                    continue
                if not raw.get("pull_request"):
                    # Kept (complete, so it never fetches itself) for a later comment or close on
                    # this issue: those then cost one request, not a GET of the issue first.
                    self._issues[raw["number"]] = Issue(self._gh.requester, headers={}, attributes=raw, completed=True)
                yield _issue_from_raw(raw)
            # The next page's URL carries every parameter (GitHub's Link header, rel="next").
            url, params = _next_page(headers), None

    def create_issue(self, title: str, body: str, labels: list[str], assignees: list[str]) -> IssueData:
        def post() -> IssueData:
            issue = self._repo.create_issue(title=title, body=body, labels=labels, assignees=assignees)
            self._issues[issue.number] = issue
            return _issue_from_raw(issue.raw_data)

        first_line = body.split("\n", 1)[0]
        marker = first_line if first_line.startswith(markers.PREFIX) else None

        def already_opened() -> IssueData | None:
            # The POST may have created the issue before its answer was lost: look among the newest
            # issues (one page) for the bot's own with the same marker, before posting again.
            try:
                newest = self.list_issues(tuple(labels[:1]), "all", sort="created", direction="desc")
                for found in itertools.islice(newest, PAGE_MAX):
                    same = found.body == body or (marker is not None and found.body.startswith(marker))
                    if found.author == self.bot_login and same:
                        return found
            except PortError:
                return None
            return None

        return self._call(f"open the issue '{title[:60]}'", post, write=True, recover=already_opened)

    def last_commit_touching(self, path: str, since: datetime) -> CommitData | None:
        def fetch() -> CommitData | None:
            # One page of GET /repos/{o}/{r}/commits?path=...&since=..., newest first; only its first
            # entry is read, and a listed commit's fields are all there (no completing GET).
            for commit in self._repo.get_commits(path=path, since=since):
                git = commit.commit
                when = to_utc(git.committer.date) if git.committer is not None else None
                login = commit.author.login if commit.author is not None else None
                return CommitData(commit.sha, commit.html_url, git.message.split("\n", 1)[0], when, login)
            return None

        return self._call(f"read the commits that changed {path}", fetch)

    def rate_limit(self) -> RateLimit | None:
        # GET /rate_limit costs no quota; it is logged, not retried, and not counted as a read.
        try:
            _, data = self._gh.requester.requestJsonAndCheck("GET", "/rate_limit")
        except (GithubException, requests.RequestException):
            return None  # GitHub Enterprise without rate limiting answers 404
        core = (data.get("resources") or {}).get("core") if isinstance(data, dict) else None
        if not isinstance(core, dict):
            return None
        reset = core.get("reset")
        return RateLimit(
            remaining=int(core.get("remaining", 0)),
            limit=int(core.get("limit", 0)),
            used=int(core.get("used", 0)),
            reset=datetime.fromtimestamp(int(reset), UTC) if isinstance(reset, int) else None,
        )

    # ---- end weekly


# ---- weekly (issue #6): helpers of list_issues
def _page_fetcher(gh: Github, url: str, params: dict[str, Any] | None) -> Callable[[], tuple[dict[str, Any], Any]]:
    def fetch() -> tuple[dict[str, Any], Any]:
        return gh.requester.requestJsonAndCheck("GET", url, parameters=params)

    return fetch


def _next_page(headers: dict[str, Any]) -> str | None:
    link = next((str(v) for k, v in headers.items() if k.lower() == "link"), "")
    for part in link.split(","):
        url, _, rel = part.partition(";")
        if rel.strip().replace(" ", "") == 'rel="next"':
            return url.strip().strip("<>")
    return None


def _issue_from_raw(raw: dict[str, Any]) -> IssueData:
    """IssueData from the REST JSON of an issue, as a list or a POST answers it."""
    return IssueData(
        number=int(raw["number"]),
        title=raw.get("title") or "",
        body=raw.get("body") or "",
        state=raw.get("state") or "open",
        state_reason=raw.get("state_reason"),
        labels=tuple(label["name"] for label in raw.get("labels") or [] if isinstance(label, dict)),
        assignees=tuple(a["login"] for a in raw.get("assignees") or [] if isinstance(a, dict)),
        author=(raw.get("user") or {}).get("login", ""),
        created_at=parse_iso(raw.get("created_at")) or datetime.now(UTC),
        closed_at=parse_iso(raw.get("closed_at")),
        html_url=raw.get("html_url") or "",
        is_pull_request=bool(raw.get("pull_request")),
        updated_at=parse_iso(raw.get("updated_at")),
    )


# ---- end weekly


def _refused(message: str) -> bool:
    lowered = message.lower()
    return "protected branch" in lowered or "rule violation" in lowered


def _complete(obj: T) -> T:
    """Make a lazy PyGithub object fetch itself now (inside the retry loop), and return it."""
    _ = obj.raw_data  # type: ignore[attr-defined]
    return obj


def _message(exc: GithubException) -> str:
    data: Any = exc.data
    if isinstance(data, dict):
        text = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            details = "; ".join(
                str(e.get("code") or e.get("message") or e) if isinstance(e, dict) else str(e) for e in errors
            )
            text = f"{text} ({details})" if text else details
        return text
    return str(data or "")
