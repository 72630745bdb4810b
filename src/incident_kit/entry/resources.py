"""Files shipped with incident-kit: the issue template and the workflows to install.

In a wheel they live in ``incident_kit/_data/`` (see ``[tool.hatch...force-include]``
in pyproject.toml); in a source checkout or an editable install they are the
repository's own ``ISSUE_TEMPLATE/`` and ``workflows/`` folders, so there is one
copy of each file in the repository.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def data_dir(name: str) -> Traversable:
    """The shipped folder ``name`` ("ISSUE_TEMPLATE" or "workflows")."""
    packaged = resources.files("incident_kit") / "_data" / name
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[3] / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"incident-kit is installed without its {name}/ folder; reinstall it")


def files(name: str) -> dict[str, bytes]:
    """Every file of a shipped folder, by name, sorted (no sub-folders)."""
    folder = data_dir(name)
    return {
        entry.name: entry.read_bytes()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.is_file() and not entry.name.startswith(".")
    }


def template_text() -> str:
    return files("ISSUE_TEMPLATE")["incident.md"].decode("utf-8")
