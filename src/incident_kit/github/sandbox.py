"""A sandbox repository in a directory: the built-in backend for the demo and offline use.

The whole repository (issues, comments, labels, people, files on branches and
their commits) is one JSON document, ``repo.json``, rewritten atomically on
every change, plus the committed files written out under ``files/<branch>/`` so
a person can open them. It behaves like GitHub where the core can tell: blob
shas, compare-and-swap on files, labels created on first use, assignees that
silently drop people without access.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from incident_kit.basics.limits import BODY_MAX, BODY_TOO_LONG, PAGE_MAX
from incident_kit.basics.times import format_iso, parse_iso
from incident_kit.github.port import (
    BodyChanged,
    CommentData,
    CommitData,
    CommitResult,
    Conflict,
    EventData,
    FileData,
    IssueData,
    NotFound,
    PortError,
    RateLimit,
    RequestStats,
)


def _fit(body: str) -> str:
    """``body``, or GitHub's 422 for one over its length limit: the sandbox refuses what GitHub refuses."""
    if len(body) > BODY_MAX:
        raise PortError(BODY_TOO_LONG)
    return body


def blob_sha(content: bytes) -> str:
    """Git's blob id, as GitHub's contents API reports it."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


class LocalRepository:
    """Implements :class:`incident_kit.github.port.Repository` on a directory."""

    bot_login = "incident-kit[bot]"  # the author of everything the bot writes here

    def __init__(self, root: Path, full_name: str = "demo/incidents", clock: Any = None) -> None:
        self.root = root
        self.full_name = full_name
        self.stats = RequestStats()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.root.mkdir(parents=True, exist_ok=True)
        if not (self.root / "repo.json").exists():
            self._save(
                {
                    "full_name": full_name,
                    "default_branch": "main",
                    "issues": {},
                    "comments": [],
                    "labels": {},
                    "permissions": {},
                    "files": {"main": {}},
                    "commits": [],
                    "next_comment_id": 1,
                }
            )

    # ------------------------------------------------------------------ storage
    def _load(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / "repo.json").read_text(encoding="utf-8"))
        return data

    def _save(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".repo-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False, sort_keys=True)
        os.replace(tmp, self.root / "repo.json")

    def _url(self, kind: str, number: int | str) -> str:
        return f"https://github.com/{self.full_name}/{kind}/{number}"

    # ------------------------------------------------------------------ seeding (the demo's people)
    def open_issue(
        self, title: str, body: str, author: str, labels: tuple[str, ...] = (), number: int | None = None
    ) -> int:
        data = self._load()
        if number is not None and str(number) in data["issues"]:
            raise ValueError(f"issue #{number} already exists in the sandbox")
        number = number if number is not None else len(data["issues"]) + 1
        now = format_iso(self._clock())
        data["issues"][str(number)] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "state_reason": None,
            "labels": list(labels),
            "assignees": [],
            "author": author,
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
        }
        for label in labels:
            data["labels"].setdefault(label, {"color": "ededed", "description": ""})
        self._save(data)
        return number

    def set_permission(self, login: str, permission: str) -> None:
        data = self._load()
        data["permissions"][login] = permission
        self._save(data)

    def human_edit(self, number: int, body: str) -> None:
        data = self._load()
        issue = data["issues"][str(number)]
        issue["body"] = body
        issue["updated_at"] = format_iso(self._clock())
        self._save(data)

    def human_commit(self, path: str, content: bytes, message: str, author: str) -> str:
        """A person's commit on the default branch (the team updating its issue template); its sha."""
        current = self.get_file(path)
        result = self.put_file(path, content, message, None, current.sha if current else None)
        self.stats.writes -= 1  # a person's write, not the bot's
        data = self._load()
        data["commits"][-1]["author"] = author
        self._save(data)
        return result.commit_sha

    def human_close(self, number: int, reason: str = "completed") -> None:
        self.close_issue(number, reason)

    def human_comment(self, number: int, author: str, body: str, at: datetime | None = None) -> CommentData:
        return self._comment(number, author, body, at)

    # ------------------------------------------------------------------ reads
    def get_issue(self, number: int) -> IssueData:
        self.stats.reads += 1
        raw = self._load()["issues"].get(str(number))
        if raw is None:
            raise NotFound(f"issue #{number} does not exist in {self.full_name}")
        return self._listed(raw)

    def list_comments(self, number: int, since: datetime | None = None) -> list[CommentData]:
        self.stats.reads += 1
        comments = [self._comment_data(c) for c in self._load()["comments"] if c["issue"] == number]
        if since is None:
            return comments
        return [c for c in comments if (c.updated_at or c.created_at) >= since]

    def _comment_data(self, c: dict[str, Any]) -> CommentData:
        return CommentData(
            id=c["id"],
            author=c["author"],
            body=c["body"],
            created_at=parse_iso(c["created_at"]) or self._clock(),
            html_url=f"{self._url('issues', c['issue'])}#issuecomment-{c['id']}",
            updated_at=parse_iso(c["updated_at"]),
        )

    def permission(self, login: str) -> str:
        self.stats.reads += 1
        return str(self._load()["permissions"].get(login, "none"))

    def can_assign(self, login: str) -> bool:
        self.stats.reads += 1
        return bool(self._load()["permissions"].get(login, "none") != "none")

    def label_exists(self, name: str) -> bool:
        self.stats.reads += 1
        return name in self._load()["labels"]

    def list_events(self, number: int) -> list[EventData]:
        # The sandbox keeps no event log: nothing to attribute (the recorder then names no one).
        self.stats.reads += 1
        return []

    def default_branch(self) -> str:
        return str(self._load()["default_branch"])

    def _branch(self, data: dict[str, Any], branch: str | None) -> tuple[str, dict[str, Any]]:
        """The branch's name (the default when None) and its files; NotFound, as GitHub answers, when it is missing."""
        name = branch or str(data["default_branch"])
        files = data["files"].get(name)
        if files is None:
            raise NotFound(f"branch '{name}' does not exist in {self.full_name}")
        return name, files

    def get_file(self, path: str, branch: str | None = None) -> FileData | None:
        self.stats.reads += 1
        data = self._load()
        branch, files = self._branch(data, branch)
        entry = files.get(path)
        if entry is None:
            return None
        content = base64.b64decode(entry["content"])
        return FileData(path, content, entry["sha"], f"https://github.com/{self.full_name}/blob/{branch}/{path}")

    # ------------------------------------------------------------------ writes
    def _issue_raw(self, data: dict[str, Any], number: int) -> dict[str, Any]:
        raw = data["issues"].get(str(number))
        if raw is None:
            raise NotFound(f"issue #{number} does not exist in {self.full_name}")
        return dict(raw)

    def create_label(self, name: str, color: str, description: str) -> None:
        self.stats.writes += 1
        data = self._load()
        data["labels"].setdefault(name, {"color": color, "description": description})
        self._save(data)

    def add_labels(self, number: int, names: list[str]) -> None:
        self.stats.writes += 1
        data = self._load()
        issue = self._issue_raw(data, number)
        for name in names:
            data["labels"].setdefault(name, {"color": "ededed", "description": ""})
            if name not in issue["labels"]:
                issue["labels"].append(name)
        data["issues"][str(number)] = issue
        self._save(data)

    def remove_label(self, number: int, name: str) -> None:
        self.stats.writes += 1
        data = self._load()
        issue = self._issue_raw(data, number)
        if name not in issue["labels"]:
            raise NotFound(f"label '{name}' is not on issue #{number}")
        issue["labels"] = [label for label in issue["labels"] if label != name]
        data["issues"][str(number)] = issue
        self._save(data)

    def add_assignees(self, number: int, logins: list[str]) -> tuple[str, ...]:
        self.stats.writes += 1
        data = self._load()
        issue = self._issue_raw(data, number)
        for login in logins:
            # GitHub silently drops people who cannot be assigned.
            if data["permissions"].get(login, "none") != "none" and login not in issue["assignees"]:
                issue["assignees"].append(login)
        data["issues"][str(number)] = issue
        self._save(data)
        return tuple(issue["assignees"])

    def _comment(self, number: int, author: str, body: str, at: datetime | None = None) -> CommentData:
        data = self._load()
        self._issue_raw(data, number)
        now = format_iso(at or self._clock())
        comment = {
            "id": data["next_comment_id"],
            "issue": number,
            "author": author,
            "body": body,
            "created_at": now,
            "updated_at": now,
        }
        data["next_comment_id"] += 1
        data["comments"].append(comment)
        self._save(data)
        return self._comment_data(comment)

    def create_comment(self, number: int, body: str) -> CommentData:
        self.stats.writes += 1
        return self._comment(number, self.bot_login, _fit(body))

    def edit_comment(self, comment_id: int, body: str) -> CommentData:
        self.stats.writes += 1
        data = self._load()
        for comment in data["comments"]:
            if comment["id"] == comment_id:
                comment["body"] = _fit(body)
                comment["updated_at"] = format_iso(self._clock())
                self._save(data)
                return self._comment_data(comment)
        raise NotFound(f"comment {comment_id} does not exist")

    def edit_body(self, number: int, body: str, expected: str | None = None) -> None:
        self.stats.writes += 1
        # The same guarantee as the REST backend's retry: never over a body that is not ``expected``.
        if expected is not None and self._issue_raw(self._load(), number).get("body", "") not in (expected, body):
            raise BodyChanged(f"the body of #{number} changed while incident-kit worked; not written")
        self.human_edit(number, body)

    def close_issue(self, number: int, reason: str) -> None:
        self.stats.writes += 1
        data = self._load()
        issue = self._issue_raw(data, number)
        issue.update(state="closed", state_reason=reason, closed_at=format_iso(self._clock()))
        data["issues"][str(number)] = issue
        self._save(data)

    def reopen_issue(self, number: int) -> None:
        """A person reopens the issue (the demo and tests act as people)."""
        data = self._load()
        issue = self._issue_raw(data, number)
        issue.update(state="open", state_reason="reopened", closed_at=None)
        data["issues"][str(number)] = issue
        self._save(data)

    def put_file(self, path: str, content: bytes, message: str, branch: str | None, sha: str | None) -> CommitResult:
        self.stats.writes += 1
        data = self._load()
        branch, files = self._branch(data, branch)
        current = files.get(path)
        if current is not None and sha is None:
            raise PortError(f'"sha" wasn\'t supplied for {path}')
        if current is not None and current["sha"] != sha:
            raise Conflict(f"{path} changed on {branch} since it was read")
        new_sha = blob_sha(content)
        files[path] = {"content": base64.b64encode(content).decode(), "sha": new_sha}
        commit = hashlib.sha1(f"{branch}:{path}:{new_sha}:{len(data['commits'])}".encode()).hexdigest()
        data["commits"].append(
            {"branch": branch, "path": path, "message": message, "sha": commit, "at": format_iso(self._clock())}
        )
        self._save(data)
        target = self.root / "files" / branch / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return CommitResult(path, new_sha, f"https://github.com/{self.full_name}/blob/{branch}/{path}", commit)

    # ---- weekly (issue #6): listing issues, opening follow-up issues, the (absent) rate limit
    def list_issues(
        self,
        labels: tuple[str, ...],
        state: str = "open",
        since: datetime | None = None,
        *,
        sort: str = "created",
        direction: str = "asc",
    ) -> Iterator[IssueData]:
        wanted = {label.casefold() for label in labels}
        found: list[IssueData] = []
        for raw in self._load()["issues"].values():
            if state != "all" and raw["state"] != state:
                continue
            if not wanted <= {label.casefold() for label in raw["labels"]}:
                continue
            # Closing an issue updates it on GitHub, and ``since`` compares with that time.
            touched = max(t for t in (parse_iso(raw["updated_at"]), parse_iso(raw.get("closed_at"))) if t is not None)
            if since is not None and touched < since:
                continue
            found.append(self._listed(raw))
        key = {"updated": lambda i: (i.updated_at or i.created_at, i.number)}.get(
            sort, lambda i: (i.created_at, i.number)
        )
        found.sort(key=key, reverse=direction == "desc")
        for start in range(0, max(len(found), 1), PAGE_MAX):
            self.stats.reads += 1  # one request per page, as GitHub answers ``per_page=100``
            yield from found[start : start + PAGE_MAX]

    def _listed(self, raw: dict[str, Any]) -> IssueData:
        # One load of repo.json for the whole listing (get_issue would load it once per issue).
        return IssueData(
            number=raw["number"],
            title=raw["title"],
            body=raw["body"],
            state=raw["state"],
            state_reason=raw["state_reason"],
            labels=tuple(raw["labels"]),
            assignees=tuple(raw["assignees"]),
            author=raw["author"],
            created_at=parse_iso(raw["created_at"]) or self._clock(),
            closed_at=parse_iso(raw["closed_at"]),
            html_url=self._url("issues", raw["number"]),
            updated_at=parse_iso(raw["updated_at"]),
        )

    def create_issue(self, title: str, body: str, labels: list[str], assignees: list[str]) -> IssueData:
        self.stats.writes += 1
        data = self._load()
        _fit(body)
        for login in assignees:
            # GitHub refuses (422) an issue whose assignee cannot be assigned.
            if data["permissions"].get(login, "none") == "none":
                raise PortError(f"Validation Failed: @{login} cannot be assigned to issues here (422)")
        number = self.open_issue(title, body, self.bot_login, labels=tuple(labels))
        data = self._load()
        data["issues"][str(number)]["assignees"] = list(dict.fromkeys(assignees))
        self._save(data)
        return self._listed(data["issues"][str(number)])

    def last_commit_touching(self, path: str, since: datetime) -> CommitData | None:
        self.stats.reads += 1
        data = self._load()
        prefix = path.strip("/")
        for c in reversed(data["commits"]):
            at = parse_iso(c.get("at"))
            touched = c["path"] == prefix or str(c["path"]).startswith(prefix + "/")
            if c["branch"] != data["default_branch"] or not touched or at is None or at < since:
                continue
            url = f"https://github.com/{self.full_name}/commit/{c['sha']}"
            return CommitData(c["sha"], url, str(c["message"]).split("\n", 1)[0], at, c.get("author"))
        return None

    def rate_limit(self) -> RateLimit | None:
        return None  # a directory has no quota

    # ---- end weekly
