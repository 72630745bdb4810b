"""A GitHub Actions job environment for tests: event payload, output and summary files, inputs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = "octo/app"
BOT = "github-actions[bot]"
TOKEN = "ghs_test_token"


@dataclass
class Job:
    env: dict[str, str]
    output: Path
    summary: Path

    def outputs(self) -> dict[str, str]:
        return parse_output_file(self.output.read_text(encoding="utf-8"))


def parse_output_file(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT file (``name=value`` and ``name<<DELIM`` heredoc blocks); last write wins."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^([\w-]+)<<(.+)$", line)
        if m:
            name, delim = m.groups()
            value: list[str] = []
            i += 1
            while lines[i] != delim:
                value.append(lines[i])
                i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            out[name] = value_text
        i += 1
    return out


def job(
    tmp: Path,
    api_url: str,
    *,
    event: str = "issues",
    payload: dict[str, Any] | None = None,
    inputs: dict[str, str] | None = None,
    repo: str = REPO,
) -> Job:
    tmp.mkdir(parents=True, exist_ok=True)
    event_path = tmp / "event.json"
    event_path.write_text(json.dumps(payload or {}), encoding="utf-8")
    output = tmp / "output.txt"
    summary = tmp / "summary.md"
    output.write_text("")
    summary.write_text("")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": repo,
        "GITHUB_API_URL": api_url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_WORKSPACE": str(tmp / "workspace"),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "INCIDENT_KIT_TOKEN": TOKEN,
        "INCIDENT_KIT_CONFIG": ".github/incident-kit.yml",
        "INCIDENT_KIT_DRY_RUN": "false",
        "INCIDENT_KIT_MAX_WRITES": "50",
        "INCIDENT_KIT_BOT_LOGIN": BOT,
        "INCIDENT_KIT_ISSUE_NUMBER": "",
        "INCIDENT_KIT_PART": "all",
    }
    for name, value in (inputs or {}).items():
        env["INCIDENT_KIT_" + name.upper().replace("-", "_")] = value
    return Job(env, output, summary)


def issue_payload(number: int, sender: str, action: str = "edited", **extra: Any) -> dict[str, Any]:
    """A minimal issues-event payload: only what incident-kit reads (number, sender, changes)."""
    return {"action": action, "issue": {"number": number}, "sender": {"login": sender}, **extra}


@contextmanager
def team_repo(
    team: tuple[str, ...] = ("alice", "bob", "carol", "dave"), outsiders: tuple[str, ...] = ()
) -> Iterator[Any]:
    """A started fake GitHub with REPO, the bot's token, write access for ``team``, and users
    without access (``outsiders``)."""
    from fakegithub import FakeGitHub

    with FakeGitHub() as gh:
        gh.add_token(TOKEN, BOT)
        gh.add_repo(REPO)
        for login in team:
            gh.set_permission(REPO, login, "write")
        for login in outsiders:
            gh.add_user(login)
        yield gh


def edit_as(fake: Any, login: str, number: int, body: str) -> None:
    """A person saves the issue's body through the API with their own token (real PyGithub)."""
    import github

    fake.add_token(f"{login}-token", login)
    gh = github.Github(base_url=fake.base_url, auth=github.Auth.Token(f"{login}-token"), retry=None)
    gh.get_repo(REPO).get_issue(number).edit(body=body)
