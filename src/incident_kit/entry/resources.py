"""Files shipped with incident-kit, and the commit they were built from.

The issue template, the workflows to install and the starter settings file. In a
wheel they live in ``incident_kit/_data/`` (see ``[tool.hatch...force-include]`` in
pyproject.toml); in a source checkout or an editable install they are the
repository's own ``ISSUE_TEMPLATE/``, ``workflows/`` and ``starter/`` folders, so
there is one copy of each file in the repository.

The commit: a wheel or sdist built from a git checkout carries
``incident_kit/_build_info.py`` (written by ``hatch_build.py``). A source checkout
(an editable install) has no such file; there the checkout's ``git rev-parse HEAD``
is the commit, since the code that runs is that checkout's. Anything else knows
no commit, and ``install`` then asks for ``--pin`` rather than guess. Whether the commit is
a release (and so gets ``# vX.Y.Z`` beside the pin) is decided by :mod:`git_info` for both.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from incident_kit.entry import git_info

SOURCE_ROOT = Path(__file__).resolve().parents[3]


def data_dir(name: str) -> Traversable:
    """The shipped folder ``name`` ("ISSUE_TEMPLATE", "workflows" or "starter")."""
    packaged = resources.files("incident_kit") / "_data" / name
    if packaged.is_dir():
        return packaged
    source = SOURCE_ROOT / name
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


@dataclass(frozen=True)
class BuiltFrom:
    commit: str  # full 40-hex SHA
    source: str  # how it is known, said to the user: "the installed package" or "the source checkout /path"
    release: str = ""  # "vX.Y.Z" when the commit is that release (git_info.release_tag), else ""
    branch: str = ""  # the branch it was built from, "" when unknown

    @property
    def comment(self) -> str:
        """What ``install`` writes beside the pin: ``v0.2.0``, or ``main@1a2b3c4 (unreleased)``."""
        return git_info.pin_comment(self.commit, self.release, self.branch)


_SHA = re.compile(r"^[0-9a-f]{40}$")


def built_from() -> BuiltFrom | None:
    """The incident-kit commit this code is, or None when it cannot be known."""
    from incident_kit import __version__

    try:
        info = importlib.import_module("incident_kit._build_info")
    except ImportError:
        info = None
    commit = str(getattr(info, "COMMIT", ""))
    if _SHA.match(commit):
        # A package built before the release record existed says nothing about it: unreleased.
        release = str(getattr(info, "RELEASE", ""))
        return BuiltFrom(
            commit,
            "the installed package",
            release if release == f"v{__version__}" else "",
            str(getattr(info, "BRANCH", "")),
        )
    if not (SOURCE_ROOT / "workflows").is_dir():
        return None
    head = git_info.head_commit(SOURCE_ROOT)
    if head is None:
        return None
    return BuiltFrom(
        head,
        f"the source checkout {SOURCE_ROOT}",
        git_info.release_tag(SOURCE_ROOT, __version__),
        git_info.branch(SOURCE_ROOT),
    )
