"""Reading the team's settings file for a run: the workspace's copy, else the default branch's, else defaults.

Only a file that is not there means the defaults. A file that is there but
cannot be read (a token without ``contents: read`` on a private repository,
GitHub failing, bytes that are not UTF-8 text) stops the run with a
:class:`ConfigError` that says what to do: running on the defaults instead
would change the labels and the video rule without a word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from incident_kit.github.port import Forbidden, PortError, Repository
from incident_kit.settings.config import Config, ConfigError, decode_settings, parse_config


class SettingsPlace(Protocol):
    """Where a run looks for the settings: the checked-out workspace and the file's path in it."""

    @property
    def workspace(self) -> str: ...

    @property
    def config(self) -> str: ...


NOT_DEFAULTS = "incident-kit stopped rather than run with the default settings"


def load_settings(env: SettingsPlace, repo: Repository) -> Config:
    """The workspace's copy when the repository is checked out, else the default branch's, else defaults."""
    local = Path(env.workspace) / env.config
    if local.is_file():
        try:
            data = local.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{env.config}: cannot be read in the workspace ({exc.strerror or exc})") from None
        return parse_config(decode_settings(data, env.config), env.config)
    try:
        remote = repo.get_file(env.config)
    except Forbidden:
        raise ConfigError(
            f"{env.config}: the workflow's token may not read the settings file (403). Add `contents: read` "
            f"to the job's `permissions:` (a private repository needs it), or check the repository out with "
            f"actions/checkout before incident-kit runs; {NOT_DEFAULTS}."
        ) from None
    except PortError as exc:
        raise ConfigError(
            f"{env.config}: the settings file could not be read from GitHub; {NOT_DEFAULTS}. {exc}"
        ) from None
    if remote is None:
        return Config()
    return parse_config(decode_settings(remote.content, env.config), env.config)
