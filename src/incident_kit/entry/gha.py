"""Everything about the GitHub Actions runner: its environment, outputs, summary and log commands.

This is the only module that reads ``GITHUB_*``/``INCIDENT_KIT_*`` variables or
writes the ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` files; the rest of the
code takes plain arguments. Inputs arrive as ``INCIDENT_KIT_<INPUT>`` variables
(composite actions get no ``INPUT_*``), and each is parsed strictly: a value
that is not understood is an error, never a silent default.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # notify (issue #8)
    from incident_kit.plan.messages import NotifySecrets

PARTS = ("all", "validate", "video", "labels", "invite", "report", "weekly", "notify")


class InputError(ValueError):
    """An input or runner variable is wrong; the message says which and what to write."""


@dataclass(frozen=True)
class ActionEnv:
    event_name: str
    event_path: str
    repository: str
    api_url: str
    server_url: str
    workspace: str
    output_path: str
    summary_path: str
    token: str
    config: str
    dry_run: bool
    max_writes: int
    bot_login: str
    issue_number: int | None
    part: str
    runner_temp: str = ""


def _bool_input(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise InputError(f"input '{name}' must be true or false, not {value!r}")


_WHOLE = re.compile(r"[0-9]{1,9}")


def whole_number(text: str) -> int | None:
    """``text`` as a whole number when it is 1-9 ASCII digits, else None.

    Not ``str.isdigit``: that accepts ``²`` and ``①``, which ``int()`` then refuses with a
    traceback (and full-width digits, which a reader of the log would not recognise).
    """
    return int(text) if _WHOLE.fullmatch(text) else None


def read_env(environ: Mapping[str, str] | None = None) -> ActionEnv:
    env = os.environ if environ is None else environ

    def get(name: str, default: str = "") -> str:
        return env.get(name, default) or default

    repository = get("GITHUB_REPOSITORY")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        raise InputError("GITHUB_REPOSITORY is not set to owner/name: run incident-kit inside a GitHub Actions job")
    max_writes_text = get("INCIDENT_KIT_MAX_WRITES", "50").strip()
    if whole_number(max_writes_text) is None:
        raise InputError(
            f"input 'max-writes' must be a whole number (0 or more) in the digits 0-9, not {max_writes_text!r}"
        )
    number_text = get("INCIDENT_KIT_ISSUE_NUMBER").strip().lstrip("#")
    if number_text and whole_number(number_text) is None:
        raise InputError(
            f"input 'issue-number' must be an issue number in the digits 0-9 such as 12, not {number_text!r}"
        )
    part = get("INCIDENT_KIT_PART", "all").strip()
    if part not in PARTS:
        raise InputError(f"INCIDENT_KIT_PART must be one of {', '.join(PARTS)}, not {part!r}")
    return ActionEnv(
        event_name=get("GITHUB_EVENT_NAME"),
        event_path=get("GITHUB_EVENT_PATH"),
        repository=repository,
        api_url=get("GITHUB_API_URL", "https://api.github.com"),
        server_url=get("GITHUB_SERVER_URL", "https://github.com"),
        workspace=get("GITHUB_WORKSPACE", "."),
        output_path=get("GITHUB_OUTPUT"),
        summary_path=get("GITHUB_STEP_SUMMARY"),
        token=get("INCIDENT_KIT_TOKEN"),
        config=get("INCIDENT_KIT_CONFIG", ".github/incident-kit.yml").strip(),
        dry_run=_bool_input("dry-run", get("INCIDENT_KIT_DRY_RUN", "false")),
        max_writes=int(max_writes_text),  # checked above: ASCII digits only
        bot_login=get("INCIDENT_KIT_BOT_LOGIN", "github-actions[bot]").strip(),
        issue_number=int(number_text) if number_text else None,
        part=part,
        runner_temp=get("RUNNER_TEMP"),
    )


# ---- notify (issue #8)


def notify_secrets(environ: Mapping[str, str] | None = None) -> NotifySecrets:
    """The Slack webhook and the SMTP login, from the inputs slack-webhook, smtp-user and
    smtp-password. Errors name the input, never the value: these are secrets."""
    from incident_kit.apply.deliver import webhook_problem
    from incident_kit.plan.messages import NotifySecrets

    env = os.environ if environ is None else environ
    secrets = NotifySecrets(
        slack_webhook=(env.get("INCIDENT_KIT_SLACK_WEBHOOK") or "").strip(),
        smtp_user=(env.get("INCIDENT_KIT_SMTP_USER") or "").strip(),
        smtp_password=env.get("INCIDENT_KIT_SMTP_PASSWORD") or "",
    )
    problem = webhook_problem(secrets.slack_webhook) if secrets.slack_webhook else None
    if problem:
        raise InputError(f"input 'slack-webhook': {problem}")
    if secrets.smtp_password and not secrets.smtp_user:
        raise InputError("input 'smtp-password' is set but 'smtp-user' is not: pass both, or neither")
    return secrets


# ---- end notify


def load_event(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the event payload {path}: {exc}") from None
    return data if isinstance(data, dict) else {}


def set_outputs(path: str, values: Mapping[str, str]) -> None:
    """Append outputs with a random heredoc delimiter each, so no value can end its own block."""
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            fh.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def append_summary(path: str, markdown: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown.rstrip("\n") + "\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, title: str, message: str, *, line: int | None = None, out: TextIO | None = None) -> None:
    """Print ``::error title=...::message`` (escaped, so the message is one line of data)."""
    props = f"title={_escape_property(title)}"
    if line:
        props += f",line={line}"
    print(f"::{level} {props}::{_escape_data(message)}", file=out or sys.stdout, flush=True)


def print_untrusted(text: str, out: TextIO | None = None) -> None:
    """Print text that may hold workflow commands (``::error``, ``::add-mask::``) as plain text."""
    stream = out or sys.stdout
    token = secrets.token_hex(16)
    print(f"::stop-commands::{token}", file=stream)
    print(text, file=stream)
    print(f"::{token}::", file=stream, flush=True)
