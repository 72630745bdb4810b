"""``incident-kit install``: put the workflows, the issue template and a starter config into a repository.

Every ``uses:`` of incident-kit in the workflows it writes is pinned to one commit
(the one this package was built from, or ``--pin``) with the release in a comment
(``# v0.2.0``; ``# main@1a2b3c4 (unreleased)`` for a commit that is no release).
Installing is reconciling: a file that is missing is created; a workflow the team
edited keeps every edit and only has its incident-kit ``uses:`` lines re-pinned in
place; a workflow with no incident-kit ``uses:`` left was replaced by the team and
is left alone (``--force`` replaces it); the issue template follows the same rule
without pins; the settings file is never overwritten. Installing twice changes nothing.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from incident_kit.entry import resources

DEFAULT_ACTION = "incident-kit/incident-kit"
# The shipped workflows pin incident-kit to this; install always writes a real commit instead.
PLACEHOLDER_SHA = "0" * 40
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,60}$")

# One `uses:` line: the lead (indent, "- ", "uses:"), an optional quote, OWNER/REPO, an optional
# path inside it, the ref, and what follows (a comment). Only block style; flow style `{uses: x}`
# is not what incident-kit writes.
_USES = re.compile(
    r"""^(?P<lead>\s*(?:-\s+)?uses:\s*)(?P<q>["']?)(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)"""
    r"""(?P<sub>(?:/[A-Za-z0-9_.-]+)*)@(?P<ref>[^\s"'#]+)(?P=q)(?P<tail>\s*(?:#.*)?)$"""
)
# A trailing comment incident-kit wrote (or a version comment like it): replaced when re-pinning.
# "main@1a2b3c4 (unreleased)" is what install writes for a commit that is no release.
_VERSION_COMMENT = re.compile(
    r"^\s*(?:#\s*(?:v?\d[\w.+-]*|release\S*|pinned\b.*|(?:[\w./-]+@)?[0-9a-f]{7,40} \(unreleased\)))?\s*$"
)


@dataclass(frozen=True)
class Pin:
    """What every incident-kit ``uses:`` should say."""

    commit: str
    comment: str | None  # "v0.2.0" for a release, "main@1a2b3c4 (unreleased)"; None when unknown
    action: str | None = None  # OWNER/REPO of a fork; None keeps the repository a file already names


@dataclass(frozen=True)
class Step:
    path: Path
    action: str  # "create", "update", "repin", "unchanged", "skip"
    reason: str = ""
    data: bytes | None = None  # what "create", "update" and "repin" write


def check_pin(pin: str) -> str:
    if not _SHA.match(pin):
        raise ValueError(
            f"--pin {pin!r} is not a full 40-character commit SHA: pass the commit of the incident-kit "
            "release you want (its release page names it), not a tag or a short SHA"
        )
    return pin


def check_action(action: str) -> str:
    if not _REPO.match(action) or action.endswith((".git", "/")):
        raise ValueError(f"--action {action!r} is not OWNER/REPO: pass your fork's name, e.g. myorg/incident-kit")
    return action


def check_tag(tag: str) -> str:
    if not _TAG.match(tag):
        raise ValueError(f"--tag {tag!r} is not a release tag such as v0.2.0")
    return tag


def _ours(repo: str, sub: str, pin: Pin) -> bool:
    """Whether a ``uses:`` names incident-kit: upstream, the --action fork, or any repository called
    incident-kit (a fork keeps the name unless renamed; a renamed fork needs --action each time)."""
    if sub and not re.fullmatch(r"/actions/[A-Za-z0-9_.-]+", sub):
        return False
    name = repo.lower()
    return name == DEFAULT_ACTION or name == (pin.action or "").lower() or name.split("/")[1] == "incident-kit"


def repin(text: str, pin: Pin) -> tuple[str, int]:
    """``text`` with every incident-kit ``uses:`` set to ``pin``, every other byte kept; and how many."""
    out: list[str] = []
    found = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        match = _USES.match(body)
        if match is None or not _ours(match["repo"], match["sub"], pin):
            out.append(raw)
            continue
        found += 1
        tail = match["tail"]
        keep = "" if _VERSION_COMMENT.match(tail) else tail  # a comment of the team's own stays
        comment = keep or (f" # {pin.comment}" if pin.comment else "")
        head = f"{pin.action or match['repo']}{match['sub']}@{pin.commit}"
        line = f"{match['lead']}{match['q']}{head}{match['q']}{comment}"
        out.append(line + raw[len(body) :])
    return "".join(out), found


def config_path(target: Path) -> Path:
    return target / ".github" / "incident-kit.yml"


def shipped_files(target: Path, pin: Pin) -> dict[Path, bytes]:
    """What incident-kit installs into ``target``, path by path, the workflows pinned to ``pin``."""
    github = target / ".github"
    out = {
        github / "workflows" / name: repin(data.decode("utf-8"), pin)[0].encode("utf-8")
        for name, data in resources.files("workflows").items()
    }
    out.update({github / "ISSUE_TEMPLATE" / n: d for n, d in resources.files("ISSUE_TEMPLATE").items()})
    out[config_path(target)] = resources.files("starter")["incident-kit.yml"]
    return out


def git_top_level(folder: Path) -> Path | None:
    """The top of the git work tree ``folder`` is in, or None (not in one, a bare repository, no git)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    top = done.stdout.strip()
    return Path(top) if done.returncode == 0 and top else None


# What makes a file under ISSUE_TEMPLATE/ the incident template already: the seed's and ours share
# these headings, whatever the file is called and whatever the team renamed the entry to.
_TEMPLATE_MARKS = (re.compile(r"^#+\s*Video of incid", re.MULTILINE), re.compile(r"\bInvestigator", re.IGNORECASE))
_NAME = re.compile(r"""^name:\s*["']?(?P<name>[^"'\r\n]*?)["']?\s*$""", re.MULTILINE)


def incident_templates(target: Path, ours: str = "incident.md") -> list[Path]:
    """Issue templates other than ``ours`` that already are an incident template: one whose chooser
    entry is called "Incident", or one that reads like the incident template (a copy of the seed)."""
    folder = target / ".github" / "ISSUE_TEMPLATE"
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name == ours or not path.is_file() or path.suffix.lower() not in (".md", ".yml", ".yaml"):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        named = _NAME.search(text.split("\n---", 1)[0] if text.startswith("---") else text)
        if (named and named["name"].strip().casefold() == "incident") or all(m.search(text) for m in _TEMPLATE_MARKS):
            found.append(path)
    return found


def plan_install(target: Path, force: bool, pin: Pin) -> list[Step]:
    steps: list[Step] = []
    workflows = target / ".github" / "workflows"
    ours = target / ".github" / "ISSUE_TEMPLATE" / "incident.md"
    others = incident_templates(target)
    for path, data in shipped_files(target, pin).items():
        if path == ours and not path.exists() and others and not force:
            names = ", ".join(str(p.relative_to(target)) for p in others)
            verb = "is already an incident template" if len(others) == 1 else "are already incident templates"
            steps.append(
                Step(
                    path,
                    "skip",
                    f"{names} {verb}: adding this one would show another in the New issue chooser; "
                    "keep yours, or remove it and run install again (--force adds this one anyway)",
                )
            )
            continue
        if not path.exists():
            steps.append(Step(path, "create", data=data))
            continue
        if not path.is_file():
            steps.append(Step(path, "skip", "it is not a file; move it away and run install again"))
            continue
        current = path.read_bytes()
        if current == data:
            steps.append(Step(path, "unchanged"))
        elif path == config_path(target):
            steps.append(Step(path, "skip", "it holds your settings; incident-kit never overwrites it"))
        elif force:
            steps.append(Step(path, "update", "--force given", data=data))
        elif path.parent == workflows:
            steps.append(_repin_step(path, current, data, pin))
        else:
            steps.append(
                Step(path, "skip", "it differs from the shipped version, perhaps by your edit; --force replaces it")
            )
    return steps


def _repin_step(path: Path, current: bytes, shipped: bytes, pin: Pin) -> Step:
    """A workflow the team changed: its incident-kit ``uses:`` re-pinned in place, the rest kept."""
    try:
        text = current.decode("utf-8")
    except UnicodeDecodeError:
        return Step(path, "skip", "it is not UTF-8 text; --force replaces it with the shipped file")
    pinned, found = repin(text, pin)
    if found == 0:
        return Step(
            path,
            "skip",
            "no incident-kit `uses:` left in it: you replaced it, or it uses a fork under another name, which "
            "needs --action; --force replaces it with the shipped file",
        )
    # Whether the team changed more than the pins: both sides pinned alike, so a fork or an
    # older pin is no "change" of its own.
    probe = Pin(PLACEHOLDER_SHA, None, DEFAULT_ACTION)
    edited = repin(text, probe)[0] != repin(shipped.decode("utf-8"), probe)[0]
    kept = "your other changes kept" if edited else ""
    if pinned == text:
        return Step(path, "unchanged", kept)
    return Step(path, "repin", kept, data=pinned.encode("utf-8"))


def apply_install(steps: list[Step]) -> None:
    for step in steps:
        if step.data is not None and step.action in ("create", "update", "repin"):
            step.path.parent.mkdir(parents=True, exist_ok=True)
            step.path.write_bytes(step.data)


# An uncommented `template-path:` (only weekly: has that key), its value unquoted.
_TEMPLATE_PATH = re.compile(r"""^[ \t]+template-path:[ \t]*["']?(?P<path>[^"'#\r\n]*?)["']?[ \t]*(?:#.*)?$""", re.M)


def template_path_note(target: Path, steps: list[Step]) -> str | None:
    """What to set when install kept the team's own incident template instead of adding ``incident.md``.

    The weekly check reads the template at ``weekly.template-path`` (default ``incident.md``, which
    install then did not write): unless the settings already name one of the team's templates, say
    which setting to write. A message rather than an edit: the settings file is the team's, and the
    starter install writes is the shipped one byte for byte.
    """
    ours = target / ".github" / "ISSUE_TEMPLATE" / "incident.md"
    if not any(step.path == ours and step.action == "skip" and not ours.exists() for step in steps):
        return None
    theirs = [p.relative_to(target).as_posix() for p in incident_templates(target)]
    if not theirs:
        return None
    settings = config_path(target)
    current = ".github/ISSUE_TEMPLATE/incident.md"
    # Read as text, not parsed: install runs without the YAML library the action brings. A bad
    # settings file is reported by the runs themselves; the note still says what to set.
    if settings.is_file():
        with contextlib.suppress(OSError):
            found = _TEMPLATE_PATH.search(settings.read_text(encoding="utf-8", errors="replace"))
            current = found["path"] if found else current
    if current in theirs or (target / current).is_file():
        return None  # the settings name a template that is there: the team chose it
    which = theirs[0] if len(theirs) == 1 else f"<one of {', '.join(theirs)}>"
    return (
        f"set `template-path: {which}` under `weekly:` in {settings.relative_to(target).as_posix()}: the "
        f"weekly check reads the incident template at weekly.template-path, now {current}, which does not exist"
    )
