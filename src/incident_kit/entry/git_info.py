"""What a git checkout of incident-kit says about itself: its HEAD commit, its branch, and whether it is a release.

``incident-kit install`` pins the workflows it writes to a commit and writes a comment beside
it. Dependabot and Renovate read ``# vX.Y.Z`` as the release of the pinned commit, so that
form is written only for a real release: HEAD carries the tag ``v<version>``, the version is a
final one (no ``.dev``, ``rc``, local part) and CHANGELOG.md has its ``## [X.Y.Z]`` section.
Anything else (a clone of main, a branch, a dev build) is said to be unreleased:
``# main@1a2b3c4 (unreleased)``.

Standard library only, importing nothing of incident_kit: ``hatch_build.py`` loads this file by
path when it builds the wheel and the sdist, and a source checkout asks the same questions when
it runs, so both decide alike.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{40}$")
_FINAL = re.compile(r"^\d+\.\d+\.\d+$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,100}$")


def _git(root: Path, *args: str) -> str | None:
    if not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def head_commit(root: Path) -> str | None:
    """HEAD of the checkout at ``root``, or None outside a git checkout (or without git)."""
    out = _git(root, "rev-parse", "--verify", "HEAD^{commit}")
    return out if out and _SHA.match(out) else None


def branch(root: Path) -> str:
    """The branch checked out at ``root``; "" when HEAD is detached or unknown."""
    out = _git(root, "rev-parse", "--abbrev-ref", "HEAD") or ""
    return out if out != "HEAD" and _BRANCH.match(out) else ""


def changelog_has(root: Path, version: str) -> bool:
    """Whether CHANGELOG.md has a ``## [version]`` section (a missing CHANGELOG says nothing against it)."""
    try:
        text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    except OSError:
        return True
    return re.search(rf"^## \[{re.escape(version)}\]", text, re.MULTILINE) is not None


def release_tag(root: Path, version: str) -> str:
    """``v<version>`` when HEAD at ``root`` is that release, else "" (see the module's docstring)."""
    if not _FINAL.match(version) or not changelog_has(root, version):
        return ""
    tags = (_git(root, "tag", "--points-at", "HEAD") or "").split()
    return f"v{version}" if f"v{version}" in tags else ""


def pin_comment(commit: str, release: str, branch_name: str) -> str:
    """The comment beside a pinned ``uses:``: the release tag, or what the unreleased commit is."""
    if release:
        return release
    return f"{branch_name}@{commit[:7]} (unreleased)" if branch_name else f"{commit[:7]} (unreleased)"
