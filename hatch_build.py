"""Build hook: the wheel and the sdist record the git commit they were built from.

``incident-kit install`` pins every ``uses:`` it writes to that commit, so the
workflows a team installs run exactly the code of the package it installed.
The hook writes ``incident_kit/_build_info.py`` into the artifact (never into
the source tree). Built from an sdist, where there is no git, the file the
sdist already carries is used as it is. With neither, nothing is recorded and
``install`` asks for ``--pin``: a guessed commit would be worse than none.
The record also says whether the commit is a release (tag ``v<version>`` at HEAD and
its CHANGELOG section) and the branch, so ``install`` writes ``# vX.Y.Z`` only for a
real release (``src/incident_kit/entry/git_info.py`` decides, here and in a checkout).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

INFO = "src/incident_kit/_build_info.py"


def _git_info(root: str) -> ModuleType:
    """src/incident_kit/entry/git_info.py, loaded by path: the same decisions the source checkout makes
    when it runs (which commit, which branch, whether it is a release), without importing the package."""
    path = Path(root) / "src" / "incident_kit" / "entry" / "git_info.py"
    spec = importlib.util.spec_from_file_location("_incident_kit_git_info", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def git_commit(root: str) -> str | None:
    """HEAD of the checkout at ``root``, or None outside a git checkout (or without git)."""
    commit: str | None = _git_info(root).head_commit(Path(root))
    return commit


class CommitHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "incident-kit-commit"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # an editable install reads the checkout's HEAD when it runs (entry/resources.py)
        commit = git_commit(self.root)
        if commit is None:
            # From an unpacked sdist: it carries the file. Named here because the sdist's
            # .gitignore would otherwise leave it out of the wheel.
            if (Path(self.root) / INFO).is_file() and self.target_name == "wheel":
                build_data["force_include"][str(Path(self.root) / INFO)] = "incident_kit/_build_info.py"
            return
        info = _git_info(self.root)
        root = Path(self.root)
        release = info.release_tag(root, self.metadata.version)
        handle, name = tempfile.mkstemp(prefix="incident-kit-build-info-", suffix=".py")
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(
                '"""Written by hatch_build.py when this package was built: the incident-kit commit it holds,\n'
                'the release it is ("" when unreleased) and the branch it was built from."""\n\n'
                f'COMMIT = "{commit}"\nRELEASE = "{release}"\nBRANCH = "{info.branch(root)}"\n'
            )
        target = INFO if self.target_name == "sdist" else "incident_kit/_build_info.py"
        build_data["force_include"][name] = target
        self._written = name

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        written = getattr(self, "_written", None)
        if written:
            Path(written).unlink(missing_ok=True)
