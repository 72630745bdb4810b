"""Build hook: the wheel and the sdist record the git commit they were built from.

``incident-kit install`` pins every ``uses:`` it writes to that commit, so the
workflows a team installs run exactly the code of the package it installed.
The hook writes ``incident_kit/_build_info.py`` into the artifact (never into
the source tree). Built from an sdist, where there is no git, the file the
sdist already carries is used as it is. With neither, nothing is recorded and
``install`` asks for ``--pin``: a guessed commit would be worse than none.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

INFO = "src/incident_kit/_build_info.py"


def git_commit(root: str) -> str | None:
    """HEAD of the checkout at ``root``, or None outside a git checkout (or without git)."""
    if not (Path(root) / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--verify", "HEAD^{commit}"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out if re.fullmatch(r"[0-9a-f]{40}", out) else None


class CommitHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "incident-kit-commit"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # an editable install reads the checkout's HEAD when it runs (entry/build_info.py)
        commit = git_commit(self.root)
        if commit is None:
            # From an unpacked sdist: it carries the file. Named here because the sdist's
            # .gitignore would otherwise leave it out of the wheel.
            if (Path(self.root) / INFO).is_file() and self.target_name == "wheel":
                build_data["force_include"][str(Path(self.root) / INFO)] = "incident_kit/_build_info.py"
            return
        handle, name = tempfile.mkstemp(prefix="incident-kit-build-info-", suffix=".py")
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(
                '"""Written by hatch_build.py when this package was built: the incident-kit commit it holds."""\n\n'
                f'COMMIT = "{commit}"\n'
            )
        target = INFO if self.target_name == "sdist" else "incident_kit/_build_info.py"
        build_data["force_include"][name] = target
        self._written = name

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        written = getattr(self, "_written", None)
        if written:
            Path(written).unlink(missing_ok=True)
