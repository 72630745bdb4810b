"""Reading the team's settings file for a run: the workspace's copy, else the default branch's, else defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from incident_kit.github.port import PortError, Repository
from incident_kit.settings.config import Config, parse_config


class SettingsPlace(Protocol):
    """Where a run looks for the settings: the checked-out workspace and the file's path in it."""

    @property
    def workspace(self) -> str: ...

    @property
    def config(self) -> str: ...


def load_settings(env: SettingsPlace, repo: Repository) -> Config:
    """The workspace's copy when the repository is checked out, else the default branch's, else defaults."""
    local = Path(env.workspace) / env.config
    if local.is_file():
        return parse_config(local.read_text(encoding="utf-8"), env.config)
    try:
        remote = repo.get_file(env.config)
    except PortError:
        remote = None
    if remote is None:
        return Config()
    return parse_config(remote.content.decode("utf-8", "replace"), env.config)
