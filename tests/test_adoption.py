"""Adoption, end to end: from a git checkout to a team repository whose workflows point at a real commit.

The wheel is built from a clone of this checkout (its HEAD: commit before running this to test
a change), installed into a fresh venv, and its ``incident-kit install`` run in a scratch git
repository. Every pin must be the clone's commit; the team re-pins, points at a fork; and the
independent validators (actionlint, SchemaStore's schemas, zizmor) pass on every result. The
sdist must carry the commit too, so a wheel built from it (no git there) pins the same commit.

Offline: hatchling comes from the dev environment (no build isolation) and the wheel is
installed without its dependencies, which ``incident-kit install`` does not import.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from validators import actionlint, schema_errors, zizmor

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.MULTILINE)


def sh(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    return done.stdout


def pins(repo: Path) -> list[tuple[str, str]]:
    out = []
    for path in sorted((repo / ".github" / "workflows").glob("*.yml")):
        out += [(m[1], m[2].strip()) for m in USES.finditer(path.read_text(encoding="utf-8"))]
    return out


def validate(repo: Path) -> None:
    workflows = sorted((repo / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) == 2
    assert actionlint(workflows) == []
    assert schema_errors("workflow", workflows) == ""
    assert zizmor(workflows, cwd=repo) == ""


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of this checkout, as a newcomer has it: no release tag at its HEAD."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    if not (BIN / "hatchling").exists():
        pytest.skip("hatchling is not installed (it is in the dev extra)")
    work = tmp_path_factory.mktemp("adoption")
    sh("git", "clone", "--quiet", "--no-hardlinks", ROOT, work / "clone")
    for tag in sh("git", "tag", "--points-at", "HEAD", cwd=work / "clone").split():
        sh("git", "tag", "-d", tag, cwd=work / "clone")  # should this checkout be a release: test a clone of main
    return work / "clone"


@pytest.fixture(scope="module")
def built(clone: Path) -> tuple[str, Path, Path]:
    """(the clone's commit, the wheel, the sdist), built by hatchling from the clone."""
    commit = sh("git", "rev-parse", "HEAD", cwd=clone).strip()
    sh(BIN / "hatchling", "build", "-t", "wheel", "-t", "sdist", "-d", clone.parent / "dist", cwd=clone)
    (wheel,) = (clone.parent / "dist").glob("*.whl")
    (sdist,) = (clone.parent / "dist").glob("*.tar.gz")
    return commit, wheel, sdist


def unreleased(clone: Path, commit: str) -> str:
    """The comment beside a pin of an unreleased commit: its branch and short commit."""
    branch = sh("git", "rev-parse", "--abbrev-ref", "HEAD", cwd=clone).strip()
    return f"# {branch}@{commit[:7]} (unreleased)" if branch != "HEAD" else f"# {commit[:7]} (unreleased)"


def _fresh_venv(where: Path, wheel: Path) -> Path:
    venv.create(where, with_pip=False)
    python = where / "bin" / "python"
    uv = BIN / "uv"
    if uv.exists():
        sh(uv, "pip", "install", "--quiet", "--offline", "--no-deps", "--python", python, wheel)
    else:  # dev.py's pip fallback
        sh(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
           next((where / "lib").glob("python3*")) / "site-packages", wheel)  # fmt: skip
    return where / "bin" / "incident-kit"


def test_wheel_and_sdist_record_the_commit(built: tuple[str, Path, Path], tmp_path: Path) -> None:
    commit, wheel, sdist = built
    info = zipfile.ZipFile(wheel).read("incident_kit/_build_info.py").decode()
    assert f'COMMIT = "{commit}"' in info and 'RELEASE = ""' in info  # no release tag at the clone's HEAD
    names = zipfile.ZipFile(wheel).namelist()
    assert "incident_kit/_data/starter/incident-kit.yml" in names
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.glob("incident_kit-*")
    assert not (unpacked / ".git").exists()
    # A wheel built from the sdist, where there is no git: the same commit.
    sh(BIN / "hatchling", "build", "-t", "wheel", "-d", tmp_path / "from-sdist", cwd=unpacked)
    (again,) = (tmp_path / "from-sdist").glob("*.whl")
    assert zipfile.ZipFile(again).read("incident_kit/_build_info.py").decode() == info


def test_from_wheel_to_a_team_repository(built: tuple[str, Path, Path], clone: Path, tmp_path: Path) -> None:
    commit, wheel, _ = built
    kit = _fresh_venv(tmp_path / "venv", wheel)
    version = sh(kit, "--version").split()[-1]
    team = tmp_path / "team"
    team.mkdir()
    sh("git", "init", "--quiet", team)

    out = sh(kit, "install", cwd=team)
    # Issue: built from a clone that is no release, the pins say so instead of claiming `# v0.1.0`.
    said = f"pinning incident-kit to {commit} {unreleased(clone, commit)}: no release tag v{version} at this"
    assert said in out
    assert "the commit of the installed package" in out
    assert "push it to incident-kit/incident-kit on GitHub before the workflows can run" in out
    found = pins(team)
    assert found and all(t.split("@")[1] == commit and c == unreleased(clone, commit) for t, c in found), found
    assert (team / ".github" / "incident-kit.yml").read_bytes() == (ROOT / "starter" / "incident-kit.yml").read_bytes()
    validate(team)

    # The same again: nothing changes.
    before = {p: p.read_bytes() for p in team.rglob("*") if p.is_file() and ".git" not in p.parts}
    out = sh(kit, "install", cwd=team)
    assert out.count("up to date") == 4 and "re-pin" not in out and "create" not in out
    assert before == {p: p.read_bytes() for p in team.rglob("*") if p.is_file() and ".git" not in p.parts}

    # Re-pin to another real commit of the project, with its tag, keeping an edit of the team's.
    parent = sh("git", "rev-parse", "HEAD~1", cwd=ROOT).strip()
    workflow = team / ".github" / "workflows" / "incident-kit.yml"
    workflow.write_text(workflow.read_text().replace("timeout-minutes: 10", "timeout-minutes: 12"))
    out = sh(kit, "install", "--pin", parent, "--tag", "v0.0.1", cwd=team)
    assert "re-pin .github/workflows/incident-kit.yml (your other changes kept)" in out
    assert all(t.split("@")[1] == parent and c == "# v0.0.1" for t, c in pins(team))
    assert "timeout-minutes: 12" in workflow.read_text()
    validate(team)

    # A fork.
    sh(kit, "install", "--action", "myorg/incident-kit", cwd=team)
    assert {t.split("@")[0] for t, _ in pins(team)} == {
        "myorg/incident-kit",
        "myorg/incident-kit/actions/weekly",
    }
    assert all(t.split("@")[1] == commit for t, _ in pins(team))
    validate(team)


def test_a_release_wheel_pins_with_its_version(built: tuple[str, Path, Path], clone: Path, tmp_path: Path) -> None:
    """The release workflow builds at the tag v<version>, with the CHANGELOG section: `# vX.Y.Z`,
    the form Dependabot and Renovate update."""
    version = re.search(r'__version__ = "([^"]+)"', (clone / "src" / "incident_kit" / "__init__.py").read_text())
    assert version is not None
    changelog = clone / "CHANGELOG.md"
    if f"## [{version[1]}]" not in changelog.read_text(encoding="utf-8"):
        changelog.write_text(
            changelog.read_text(encoding="utf-8").replace(
                "## [Unreleased]", f"## [Unreleased]\n\n## [{version[1]}] - 2026-12-01", 1
            ),
            encoding="utf-8",
        )
        sh("git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "release", cwd=clone)
    sh(
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "tag",
        "-a",
        "-m",
        "r",
        f"v{version[1]}",
        cwd=clone,
    )
    commit = sh("git", "rev-parse", "HEAD", cwd=clone).strip()
    sh(BIN / "hatchling", "build", "-t", "wheel", "-d", tmp_path / "dist", cwd=clone)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    kit = _fresh_venv(tmp_path / "venv", wheel)
    team = tmp_path / "team"
    team.mkdir()
    sh("git", "init", "--quiet", team)
    out = sh(kit, "install", cwd=team)
    assert f"pinning incident-kit to {commit} (v{version[1]}, the commit of the installed package)" in out
    assert set(pins(team)) == {
        (f"incident-kit/incident-kit@{commit}", f"# v{version[1]}"),
        (f"incident-kit/incident-kit/actions/weekly@{commit}", f"# v{version[1]}"),
    }
