"""Tests of the GitHub fake itself, driven through real PyGithub over loopback HTTP.

These pin down the behaviours other tests rely on (shapes, status codes, pagination,
events, contents commits, faults, rate limits) and check the traffic against GitHub's
OpenAPI description when ``shared/`` is present beside the repository.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# conftest.py normally puts tests/ on sys.path; this keeps the file runnable alone.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

import pytest  # noqa: E402
import requests  # noqa: E402
from fakegithub import FakeGitHub, blob_sha  # noqa: E402
from fakegithub.openapi_check import (  # noqa: E402
    DEFAULT_SPEC,
    check_requests,
    check_responses,
    spec_available,
)
from github import Auth, Github, GithubException  # noqa: E402
from github.GithubException import (  # noqa: E402
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)

REPO = "acme/incidents"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.add_repo(REPO)
        server.set_permission(REPO, "octocat", "write")
        yield server


def make_client(fake: FakeGitHub, token: str = "t", per_page: int = 30) -> Github:
    return Github(
        base_url=fake.base_url,
        auth=Auth.Token(token),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
        per_page=per_page,
    )


@pytest.fixture
def gh(fake: FakeGitHub) -> Github:
    return make_client(fake)


def raw_get(
    fake: FakeGitHub, path: str, token: str | None = "t", scheme: str = "token"
) -> tuple[int, dict[str, str], Any]:
    """Plain HTTP GET (no PyGithub) for asserting on headers and raw bodies."""
    req = urllib.request.Request(fake.base_url + path)
    if token is not None:
        req.add_header("Authorization", f"{scheme} {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return (
                resp.status,
                {k.lower(): v for k, v in resp.headers.items()},
                json.loads(resp.read() or b"null"),
            )
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, json.loads(err.read() or b"null")


def parse_link(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(", "):
        url, rel = part.split("; ")
        out[rel[5:-1]] = url[1:-1]
    return out


# --- identity, repos, URLs ------------------------------------------------------


def test_base_url_is_loopback_with_os_port(fake: FakeGitHub) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert int(fake.base_url.rsplit(":", 1)[1]) > 0


def test_authenticated_user_and_bad_token(fake: FakeGitHub, gh: Github) -> None:
    fake.add_token("bot-token", "incident-bot")
    assert gh.get_user().login == "octocat"
    assert make_client(fake, "bot-token").get_user().login == "incident-bot"
    status, _, body = raw_get(fake, "/user", "bot-token", scheme="Bearer")
    assert (status, body["login"]) == (200, "incident-bot")
    with pytest.raises(BadCredentialsException):
        make_client(fake, "nope").get_user().login  # noqa: B018
    assert raw_get(fake, "/user", token=None)[0] == 401


def test_repo_urls_point_at_fake(fake: FakeGitHub, gh: Github) -> None:
    repo = gh.get_repo(REPO)
    assert repo.default_branch == "main"
    assert repo.private is False
    assert repo.url == f"{fake.base_url}/repos/{REPO}"
    assert repo.html_url == f"https://github.com/{REPO}"
    assert repo.permissions.push is True and repo.permissions.admin is False
    issue = repo.create_issue("x")
    assert issue.url == f"{fake.base_url}/repos/{REPO}/issues/1"
    assert issue.comments_url == f"{issue.url}/comments"
    assert issue.html_url == f"https://github.com/{REPO}/issues/1"
    with pytest.raises(UnknownObjectException):
        gh.get_repo("acme/missing")


def test_private_repo_hidden_from_outsiders(fake: FakeGitHub) -> None:
    fake.add_repo("acme/secret", private=True)
    assert raw_get(fake, "/repos/acme/secret")[0] == 404
    fake.set_permission("acme/secret", "octocat", "read")
    assert raw_get(fake, "/repos/acme/secret")[2]["visibility"] == "private"


# --- issues ------------------------------------------------------------------------


def test_issue_crud_and_events(fake: FakeGitHub, gh: Github) -> None:
    fake.now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    fake.set_permission(REPO, "alice", "triage")
    fake.add_assignable(REPO, "alice")
    repo = gh.get_repo(REPO)
    issue = repo.create_issue("Outage", body="db down", labels=["sev1"], assignees=["alice"])
    assert issue.number == 1 and issue.state == "open"
    assert [label.name for label in issue.labels] == ["sev1"]
    assert issue.created_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert issue.user.login == "octocat" and issue.author_association == "COLLABORATOR"
    assert fake.labels(REPO)[0]["color"] == "ededed"  # auto-created like GitHub

    fake.advance(minutes=5)
    issue.edit(title="Outage: db", state="closed", state_reason="not_planned", labels=["sev2"])
    stored = fake.issue(REPO, 1)
    assert stored["title"] == "Outage: db"
    assert (stored["state"], stored["state_reason"]) == ("closed", "not_planned")
    assert stored["closed_at"] == "2024-05-01T12:05:00Z"
    assert stored["closed_by"]["login"] == "octocat"
    assert fake.label_names(REPO, 1) == ["sev2"]

    issue.edit(state="open")
    assert fake.issue(REPO, 1)["state_reason"] == "reopened"
    assert fake.issue(REPO, 1)["closed_at"] is None

    events = [(e.event, e.actor.login) for e in issue.get_events()]
    assert events == [
        ("labeled", "octocat"),
        ("assigned", "octocat"),
        ("renamed", "octocat"),
        ("closed", "octocat"),
        ("unlabeled", "octocat"),
        ("labeled", "octocat"),
        ("reopened", "octocat"),
    ]
    closed = [e for e in fake.events(REPO, 1) if e["event"] == "closed"][0]
    assert closed["created_at"] == "2024-05-01T12:05:00Z"
    assert closed["state_reason"] == "not_planned"

    assert gh.get_repo(REPO).get_issue(1).title == "Outage: db"
    with pytest.raises(UnknownObjectException):
        repo.get_issue(99)
    fake.delete_issue(REPO, 1)
    with pytest.raises(GithubException) as gone:
        repo.get_issue(1)
    assert gone.value.status == 410


def test_issue_validation_errors(fake: FakeGitHub, gh: Github) -> None:
    repo = gh.get_repo(REPO)
    with pytest.raises(GithubException) as bad_assignee:
        repo.create_issue("x", assignees=["stranger"])
    assert bad_assignee.value.status == 422
    issue = repo.create_issue("x")
    with pytest.raises(GithubException) as bad_state:
        issue.edit(state="weird")
    assert bad_state.value.status == 422


def test_injected_event_and_timeline(fake: FakeGitHub, gh: Github) -> None:
    fake.create_issue(REPO, "seeded", user="reporter", created_at="2024-01-01T00:00:00Z")
    fake.add_event(
        REPO,
        1,
        "labeled",
        actor="alice",
        created_at="2024-01-01T00:01:00Z",
        label={"name": "x", "color": "ededed"},
    )
    fake.add_comment(REPO, 1, "looking", user="bob", created_at="2024-01-01T00:02:00Z")
    fake.add_event(
        REPO,
        1,
        "assigned",
        actor="alice",
        created_at="2024-01-01T00:03:00Z",
        assignee="bob",
        assigner="alice",
    )
    issue = gh.get_repo(REPO).get_issue(1)
    assert issue.user.login == "reporter" and issue.author_association == "NONE"
    events = list(issue.get_events())
    assert [(e.event, e.actor.login) for e in events] == [("labeled", "alice"), ("assigned", "alice")]
    assert events[1].assignee.login == "bob"
    timeline = [t.event for t in issue.get_timeline()]
    assert timeline == ["labeled", "commented", "assigned"]


# --- comments ------------------------------------------------------------------------


def test_comment_crud(fake: FakeGitHub, gh: Github) -> None:
    fake.now = datetime(2024, 2, 2, 8, 0, tzinfo=UTC)
    fake.create_issue(REPO, "Incident")
    issue = gh.get_repo(REPO).get_issue(1)
    comment = issue.create_comment("first")
    assert comment.created_at == datetime(2024, 2, 2, 8, 0, tzinfo=UTC)
    assert comment.html_url.startswith(f"https://github.com/{REPO}/issues/1#issuecomment-")
    fake.advance(hours=1)
    comment.edit("first (edited)")
    assert comment.body == "first (edited)"
    assert fake.comments(REPO, 1)[0]["updated_at"] == "2024-02-02T09:00:00Z"
    same = gh.get_repo(REPO).get_issue(1).get_comment(comment.id)
    assert same.body == "first (edited)"
    assert gh.get_repo(REPO).get_issue(1).comments == 1
    comment.delete()
    assert fake.comments(REPO, 1) == []
    with pytest.raises(UnknownObjectException):
        issue.get_comment(comment.id)


def test_comments_paginate_and_since(fake: FakeGitHub) -> None:
    fake.create_issue(REPO, "Incident")
    for n in range(45):
        fake.add_comment(REPO, 1, f"c{n}", created_at=datetime(2024, 1, 1, 0, n, tzinfo=UTC))
    issue = make_client(fake, per_page=20).get_repo(REPO).get_issue(1)
    assert [c.body for c in issue.get_comments()] == [f"c{n}" for n in range(45)]
    assert fake.count("GET", r"/issues/1/comments$") == 3
    recent = issue.get_comments(since=datetime(2024, 1, 1, 0, 40, tzinfo=UTC))
    assert [c.body for c in recent] == [f"c{n}" for n in range(40, 45)]


# --- labels ------------------------------------------------------------------------


def test_issue_labels(fake: FakeGitHub, gh: Github) -> None:
    fake.add_label(REPO, "sev1", "b60205", "Severity 1")
    fake.create_issue(REPO, "Incident", labels=["sev1"])
    issue = gh.get_repo(REPO).get_issue(1)
    issue.add_to_labels("status: investigating", "SEV1")  # case-insensitive, no duplicate
    assert fake.label_names(REPO, 1) == ["sev1", "status: investigating"]
    issue.remove_from_labels("status: investigating")  # name with a space and colon
    assert fake.label_names(REPO, 1) == ["sev1"]
    with pytest.raises(GithubException) as missing:
        issue.remove_from_labels("not-there")
    assert missing.value.status == 404
    issue.set_labels("a", "b")
    assert [label.name for label in issue.get_labels()] == ["a", "b"]
    issue.delete_labels()
    assert fake.label_names(REPO, 1) == []
    assert [e["event"] for e in fake.events(REPO, 1)].count("unlabeled") == 4


def test_repo_labels(fake: FakeGitHub, gh: Github) -> None:
    repo = gh.get_repo(REPO)
    label = repo.create_label("sev1", "b60205", "Severity 1")
    assert (label.name, label.color, label.description) == ("sev1", "b60205", "Severity 1")
    assert label.url == f"{fake.base_url}/repos/{REPO}/labels/sev1"
    with pytest.raises(GithubException) as dup:
        repo.create_label("SEV1", "000000")
    assert dup.value.status == 422
    assert dup.value.data["errors"][0]["code"] == "already_exists"
    assert repo.get_label("Sev1").name == "sev1"
    label.edit("sev-1", "ff0000", "renamed")
    assert [x.name for x in repo.get_labels()] == ["sev-1"]
    with pytest.raises(UnknownObjectException):
        repo.get_label("sev1")
    fake.add_label(REPO, "a/b")
    assert repo.get_label("a/b").name == "a/b"  # slash percent-encoded in the path


# --- assignees, collaborators --------------------------------------------------------


def test_assignees(fake: FakeGitHub, gh: Github) -> None:
    fake.set_permission(REPO, "alice", "write")
    fake.add_user("stranger")
    fake.create_issue(REPO, "Incident")
    repo = gh.get_repo(REPO)
    issue = repo.get_issue(1)
    issue.add_to_assignees("alice", "stranger", "ghost")  # non-assignable silently ignored
    assert [a.login for a in issue.assignees] == ["alice"]
    assert repo.has_in_assignees("alice") and not repo.has_in_assignees("stranger")
    assert {u.login for u in repo.get_assignees()} == {"acme", "octocat", "alice"}
    issue.remove_from_assignees("alice")
    assert fake.issue(REPO, 1)["assignees"] == []
    assert [e["event"] for e in fake.events(REPO, 1)] == ["assigned", "unassigned"]


def test_collaborator_permission(fake: FakeGitHub, gh: Github) -> None:
    repo = gh.get_repo(REPO)
    for role, legacy in [
        ("admin", "admin"),
        ("maintain", "write"),
        ("write", "write"),
        ("triage", "read"),
        ("read", "read"),
    ]:
        fake.set_permission(REPO, "u", role)
        assert repo.get_collaborator_permission("u") == legacy
        assert repo.get_collaborator_role_name("u") == role
    fake.set_permission(REPO, "u", "none")
    assert repo.get_collaborator_permission("u") == "none"
    assert repo.get_collaborator_permission("acme") == "admin"  # the owner
    assert repo.has_in_collaborators("octocat") and not repo.has_in_collaborators("u")
    with pytest.raises(UnknownObjectException):
        repo.get_collaborator_permission("no-such-user")


# --- listing and pagination -----------------------------------------------------------


def test_issue_list_pagination_over_250(fake: FakeGitHub) -> None:
    for n in range(1, 251):
        fake.create_issue(
            REPO,
            f"issue {n}",
            labels=["incident"] + (["sev1"] if n % 10 == 0 else []),
            created_at=datetime(2024, 1, 1, tzinfo=UTC).replace(hour=n // 60, minute=n % 60),
            state="closed" if n % 5 == 0 else "open",
            pull_request=n == 7,
        )
    gh = make_client(fake, per_page=100)
    repo = gh.get_repo(REPO)
    fake.reset_log()
    everything = repo.get_issues(state="all")
    numbers = [i.number for i in everything]
    assert numbers == list(range(250, 0, -1))  # default sort=created, direction=desc
    pages = [r for r in fake.requests if r.path.endswith("/issues")]
    assert [r.query.get("page") for r in pages] == [None, "2", "3"]
    assert all(r.query["per_page"] == "100" for r in pages)
    # totalCount asks for per_page=1 and reads the page number of rel="last".  (On a
    # list that was already iterated PyGithub drops the filters for that request.)
    assert repo.get_issues(state="all").totalCount == 250

    # The Link header, exactly as a client sees it.
    status, headers, body = raw_get(fake, f"/repos/{REPO}/issues?state=all&per_page=100&page=2")
    links = parse_link(headers["link"])
    assert set(links) == {"prev", "next", "last", "first"}
    assert all(url.startswith(fake.base_url + f"/repos/{REPO}/issues?") for url in links.values())
    assert "page=3" in links["next"] and "page=3" in links["last"] and "state=all" in links["next"]
    _, last_headers, last_body = raw_get(fake, links["last"][len(fake.base_url) :])
    assert len(last_body) == 50  # short last page
    assert set(parse_link(last_headers["link"])) == {"prev", "first"}

    open_sev1 = repo.get_issues(state="open", labels=["incident", "SEV1"])  # AND, case-insensitive
    assert [i.number for i in open_sev1] == []  # every 10th is also every 5th -> closed
    closed_sev1 = list(repo.get_issues(state="closed", labels=["incident", "sev1"], direction="asc"))
    assert [i.number for i in closed_sev1] == list(range(10, 251, 10))
    # PRs are in the list, flagged by a "pull_request" key.  (Reading Issue.pull_request
    # in PyGithub costs one GET per non-PR issue, because a missing key means "incomplete".)
    _, _, first_page = raw_get(fake, f"/repos/{REPO}/issues?state=all&per_page=100&page=3")
    assert [i["number"] for i in first_page if "pull_request" in i] == [7]

    _, empty_headers, empty = raw_get(fake, f"/repos/{REPO}/issues?labels=nothing")
    assert empty == [] and "link" not in empty_headers
    assert list(repo.get_issues(labels=["nothing"])) == []


def test_issue_list_since_and_sort(fake: FakeGitHub, gh: Github) -> None:
    fake.create_issue(REPO, "old", created_at="2024-01-01T00:00:00Z")
    fake.create_issue(REPO, "new", created_at="2024-01-03T00:00:00Z")
    fake.add_comment(REPO, 1, "bump", created_at="2024-01-05T00:00:00Z")
    repo = gh.get_repo(REPO)
    since = datetime(2024, 1, 4, tzinfo=UTC)
    assert [i.title for i in repo.get_issues(since=since)] == ["old"]
    assert [i.title for i in repo.get_issues(sort="updated")] == ["old", "new"]
    assert [i.title for i in repo.get_issues(sort="created", direction="asc")] == ["old", "new"]


# --- contents ------------------------------------------------------------------------------


def test_contents_create_update_conflicts(fake: FakeGitHub, gh: Github) -> None:
    repo = gh.get_repo(REPO)
    fake.reset_log()
    created = repo.create_file("incidents/2024-001.md", "Add postmortem", "# Outage\n")
    assert fake.requests[-1].status == 201
    assert created["content"].sha == blob_sha(b"# Outage\n")
    assert created["commit"].sha == fake.commits(REPO)[-1]["sha"]
    assert fake.file(REPO, "incidents/2024-001.md") == b"# Outage\n"

    got = repo.get_contents("incidents/2024-001.md")
    assert not isinstance(got, list)
    assert got.decoded_content == b"# Outage\n" and got.sha == blob_sha(b"# Outage\n")
    assert got.url.startswith(fake.base_url)

    updated = repo.update_file(got.path, "Update", "# Outage v2\n", got.sha)
    assert fake.requests[-1].status == 200
    assert updated["content"].sha == blob_sha(b"# Outage v2\n")
    assert [c["action"] for c in fake.commits(REPO)] == ["init", "create", "update"]

    with pytest.raises(GithubException) as stale:
        repo.update_file(got.path, "Stale", "x", got.sha)
    assert stale.value.status == 409
    with pytest.raises(GithubException) as no_sha:
        repo.create_file(got.path, "Again", "x")
    assert no_sha.value.status == 422
    assert '"sha" wasn\'t supplied.' in no_sha.value.data["message"]
    with pytest.raises(UnknownObjectException):
        repo.create_file("x.md", "m", "x", branch="nope")
    assert len(fake.commits(REPO)) == 3  # failed writes made no commits

    # Old content stays reachable by commit sha; directories list their entries.
    old = repo.get_contents("incidents/2024-001.md", ref=created["commit"].sha)
    assert not isinstance(old, list) and old.decoded_content == b"# Outage\n"
    listing = repo.get_contents("incidents")
    assert isinstance(listing, list) and [c.name for c in listing] == ["2024-001.md"]
    root = repo.get_contents("")
    assert isinstance(root, list) and [(c.name, c.type) for c in root] == [("incidents", "dir")]
    with pytest.raises(UnknownObjectException):
        repo.get_contents("missing.md")

    repo.delete_file(got.path, "Remove", blob_sha(b"# Outage v2\n"))
    assert fake.file(REPO, got.path) is None


def test_contents_branches_and_protection(fake: FakeGitHub, gh: Github) -> None:
    fake.put_file(REPO, "README.md", "hello")
    fake.add_branch(REPO, "reports")
    repo = gh.get_repo(REPO)
    repo.create_file("r.md", "on branch", "r", branch="reports")
    assert fake.file(REPO, "r.md", branch="reports") == b"r"
    assert fake.file(REPO, "r.md") is None
    assert repo.get_contents("README.md", ref="reports").decoded_content == b"hello"  # type: ignore[union-attr]
    fake.protect_branch(REPO)
    with pytest.raises(GithubException) as protected:
        repo.create_file("blocked.md", "m", "x")
    assert protected.value.status == 409
    assert protected.value.data["message"].startswith("Repository rule violations found")
    with pytest.raises(GithubException) as no_ref:
        repo.get_contents("README.md", ref="no-such-branch")
    # GitHub's wording, which PyGithub does not map to UnknownObjectException.
    assert no_ref.value.status == 404 and "No commit found" in no_ref.value.data["message"]


# --- faults ------------------------------------------------------------------------


def test_fault_after_success_is_applied(fake: FakeGitHub, gh: Github) -> None:
    fake.create_issue(REPO, "Incident")
    issue = gh.get_repo(REPO).get_issue(1)
    fake.fault("POST", r"/issues/1/comments$", status=502, after_success=True)
    with pytest.raises(GithubException) as err:
        issue.create_comment("timeline entry")
    assert err.value.status == 502
    assert [c["body"] for c in fake.comments(REPO, 1)] == ["timeline entry"]  # applied anyway
    issue.create_comment("second")  # fault consumed
    assert len(fake.comments(REPO, 1)) == 2
    assert [r.status for r in fake.writes()] == [502, 201]


def test_fault_429_with_retry_after(fake: FakeGitHub, gh: Github) -> None:
    fake.create_issue(REPO, "Incident")
    repo = gh.get_repo(REPO)
    fake.fault("GET", r"/issues/1$", status=429, headers={"Retry-After": "7"}, times=2)
    for _ in range(2):
        with pytest.raises(GithubException) as err:
            repo.get_issue(1)
        assert err.value.status == 429
        assert err.value.headers is not None and err.value.headers["retry-after"] == "7"
    assert repo.get_issue(1).title == "Incident"


def test_fault_not_applied_and_reset(fake: FakeGitHub, gh: Github) -> None:
    fake.create_issue(REPO, "Incident")
    issue = gh.get_repo(REPO).get_issue(1)
    fake.fault("PATCH", r"/issues/1$", status=500, body={"message": "boom"})
    with pytest.raises(GithubException) as err:
        issue.edit(title="changed")
    assert err.value.status == 500 and err.value.data["message"] == "boom"
    assert fake.issue(REPO, 1)["title"] == "Incident"  # plain fault: nothing applied

    fake.fault(None, r"/issues/1/comments$", reset=True, after_success=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        issue.create_comment("lost answer")
    assert [c["body"] for c in fake.comments(REPO, 1)] == ["lost answer"]
    assert fake.requests[-1].status == 0
    issue.create_comment("next one works")  # a fresh connection is opened


def test_fault_delay(fake: FakeGitHub, gh: Github) -> None:
    fake.fault("GET", r"^/rate_limit$", status=None, delay=0.2)
    started = datetime.now(UTC)
    gh.get_rate_limit()
    assert (datetime.now(UTC) - started).total_seconds() >= 0.2


# --- rate limit and request log -------------------------------------------------------------


def test_rate_limit_headers_decrement(fake: FakeGitHub, gh: Github) -> None:
    _, first, _ = raw_get(fake, f"/repos/{REPO}")
    _, second, _ = raw_get(fake, f"/repos/{REPO}/issues")
    for name in (
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-ratelimit-resource",
    ):
        assert name in first
    assert int(second["x-ratelimit-remaining"]) == int(first["x-ratelimit-remaining"]) - 1
    assert int(second["x-ratelimit-used"]) == int(first["x-ratelimit-used"]) + 1
    gh.get_repo(REPO)
    remaining, limit = gh.rate_limiting
    assert (limit, remaining) == (5000, 4997)
    assert gh.get_rate_limit().rate.remaining == 4997  # /rate_limit itself is free

    fake.rate_remaining = 1
    gh.get_repo(REPO)
    with pytest.raises(RateLimitExceededException):
        gh.get_repo(REPO)


def test_request_log_helpers_and_concurrency(fake: FakeGitHub) -> None:
    fake.create_issue(REPO, "Incident")

    def worker() -> None:
        client = make_client(fake)
        issue = client.get_repo(REPO).get_issue(1)
        for n in range(5):
            issue.create_comment(f"c{n}")

    fake.reset_log()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.comments(REPO, 1)) == 20
    assert fake.count("POST") == 20 and len(fake.writes()) == 20
    assert fake.count() == 28 and fake.count("GET") == 8  # get_repo + get_issue per worker
    method, path, query, body, status = fake.requests[-1]
    assert (method, path, query, status) == ("POST", f"/repos/{REPO}/issues/1/comments", {}, 201)
    assert body["body"].startswith("c")
    fake.reset_log()
    assert fake.requests == []


# --- contract check against GitHub's OpenAPI description -------------------------------------


needs_spec = pytest.mark.skipif(not spec_available(), reason=f"OpenAPI description not found at {DEFAULT_SPEC}")


@needs_spec
def test_session_traffic_matches_openapi(fake: FakeGitHub, gh: Github) -> None:
    fake.set_permission(REPO, "alice", "maintain")
    fake.create_issue(REPO, "PR", pull_request=True)
    gh.get_user().login  # noqa: B018
    gh.get_rate_limit()
    repo = gh.get_repo(REPO)
    issue = repo.create_issue("Outage", body="x", labels=["sev1"], assignees=["alice"])
    issue.edit(title="Outage!", body="y", state="closed", state_reason="completed", labels=["sev2"], assignees=[])
    issue.edit(state="open")
    issue.add_to_labels("a", "b")
    issue.remove_from_labels("a")
    issue.set_labels("c")
    issue.set_labels()
    issue.delete_labels()
    issue.add_to_assignees("alice")
    issue.remove_from_assignees("alice")
    comment = issue.create_comment("note")
    comment.edit("note!")
    issue.get_comment(comment.id)
    list(issue.get_comments())
    list(issue.get_events())
    list(issue.get_timeline())
    issue.create_reaction("eyes")
    comment.create_reaction("+1")
    list(issue.get_reactions())
    issue.lock("resolved")
    issue.unlock()
    comment.delete()
    list(repo.get_issues(state="all", labels=["sev2"], sort="updated", direction="asc"))
    list(make_client(fake, per_page=1).get_repo(REPO).get_issues(state="all"))
    repo.create_label("sev3", "ffaa00", "Severity 3")
    repo.get_label("sev3").edit("sev-3", "ffaa00")
    list(repo.get_labels())
    list(repo.get_assignees())
    repo.has_in_assignees("alice")
    repo.has_in_collaborators("alice")
    repo.get_collaborator_permission("alice")
    created = repo.create_file("docs/a.md", "add", "hello")
    repo.get_contents("docs/a.md")
    repo.get_contents("docs")
    repo.update_file("docs/a.md", "edit", "bye", created["content"].sha)
    repo.delete_file("docs/a.md", "rm", blob_sha(b"bye"))
    # The weekly check's one look at the template's commits (issue #17): newest first, by path and time.
    touched = list(repo.get_commits(path="docs/a.md", since=datetime(2000, 1, 1, tzinfo=UTC)))
    assert [c.commit.message for c in touched] == ["rm", "edit", "add"]
    assert list(repo.get_commits(path="docs/b.md")) == []

    assert check_requests(fake.requests) == []
    assert check_responses(fake.exchanges) == []


@needs_spec
def test_openapi_check_flags_bad_traffic(fake: FakeGitHub) -> None:
    bad = [
        ("PATCH", f"/repos/{REPO}/issues/1", {}, {"state": "shut"}, 422),
        ("GET", f"/repos/{REPO}/nonsense", {}, None, 404),
        ("GET", f"/repos/{REPO}/issues", {"per_pages": "100"}, None, 200),
        ("POST", f"/repos/{REPO}/issues", {}, {"body": "no title"}, 422),
    ]
    problems = check_requests(bad)
    assert len(problems) == 4, problems
    assert "state" in problems[0] and "no such path" in problems[1]
    assert "per_pages" in problems[2] and "title" in problems[3]
    assert check_responses([(("POST", f"/repos/{REPO}/issues", {}, {}, 200), {"id": 1})]) != []
