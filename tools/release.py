#!/usr/bin/env python3
"""Release checks and notes, for .github/workflows/release.yml (plain Python, no dependencies).

    python3 tools/release.py notes v0.2.0 --commit SHA > release-notes.md

Fails (exit 1, one line saying what to fix) unless the tag is ``v`` + the package's version
(``src/incident_kit/__init__.py``) and CHANGELOG.md has a section ``## [0.2.0]`` with something
in it. Prints that section, then how to pin the release (the commit the tag points at).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_version(root: Path = ROOT) -> str:
    text = (root / "src" / "incident_kit" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if match is None:
        raise ValueError("src/incident_kit/__init__.py has no __version__ line")
    return match.group(1)


def changelog_section(text: str, version: str) -> str:
    """The body of ``## [version]`` (up to the next ``## ``), stripped; "" when there is none."""
    heading = re.compile(rf"^## \[{re.escape(version)}\][^\n]*\n", re.MULTILINE)
    found = heading.search(text)
    if found is None:
        return ""
    rest = text[found.end() :]
    following = re.search(r"^## ", rest, re.MULTILINE)
    return (rest[: following.start()] if following else rest).strip()


def notes(tag: str, commit: str, root: Path = ROOT) -> str:
    version = package_version(root)
    if tag != f"v{version}":
        raise ValueError(f"the tag {tag} is not v{version}, the version in src/incident_kit/__init__.py")
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise ValueError(f"--commit {commit!r} is not a full commit SHA")
    section = changelog_section((root / "CHANGELOG.md").read_text(encoding="utf-8"), version)
    if not section:
        raise ValueError(f"CHANGELOG.md has no section '## [{version}] - YYYY-MM-DD' with the changes of {tag}")
    return (
        f"{section}\n\n"
        "## Install\n\n"
        f"```sh\npipx install incident-kit=={version}   # or: uvx incident-kit@{version} install\n"
        "incident-kit install\n```\n\n"
        f"The workflows it writes use this release pinned by commit:\n\n"
        f"```yaml\nuses: incident-kit/incident-kit@{commit} # {tag}\n```\n\n"
        f"Without Python: copy `.github/` from `incident-kit-files-{tag}.tar.gz` below into your repository.\n"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] != "notes" or argv[2] != "--commit":
        print(__doc__, file=sys.stderr)
        return 2
    try:
        sys.stdout.write(notes(argv[1], argv[3]))
    except ValueError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
