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
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """(the clone's commit, the wheel, the sdist), built by hatchling from a fresh clone."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    hatchling = BIN / "hatchling"
    if not hatchling.exists():
        pytest.skip("hatchling is not installed (it is in the dev extra)")
    work = tmp_path_factory.mktemp("adoption")
    clone = work / "clone"
    sh("git", "clone", "--quiet", "--no-hardlinks", ROOT, clone)
    commit = sh("git", "rev-parse", "HEAD", cwd=clone).strip()
    sh(hatchling, "build", "-t", "wheel", "-t", "sdist", "-d", work / "dist", cwd=clone)
    (wheel,) = (work / "dist").glob("*.whl")
    (sdist,) = (work / "dist").glob("*.tar.gz")
    return commit, wheel, sdist


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
    assert f'COMMIT = "{commit}"' in info
    names = zipfile.ZipFile(wheel).namelist()
    assert "incident_kit/_data/starter/incident-kit.yml" in names
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.glob("incident_kit-*")
    assert not (unpacked / ".git").exists()
    # A wheel built from the sdist, where there is no git: the same commit.
    sh(BIN / "hatchling", "build", "-t", "wheel", "-d", tmp_path / "from-sdist", cwd=unpacked)
    (again,) = (tmp_path / "from-sdist").glob("*.whl")
    assert f'COMMIT = "{commit}"' in zipfile.ZipFile(again).read("incident_kit/_build_info.py").decode()


def test_from_wheel_to_a_team_repository(built: tuple[str, Path, Path], tmp_path: Path) -> None:
    commit, wheel, _ = built
    kit = _fresh_venv(tmp_path / "venv", wheel)
    version = sh(kit, "--version").split()[-1]
    team = tmp_path / "team"
    team.mkdir()
    sh("git", "init", "--quiet", team)

    out = sh(kit, "install", cwd=team)
    assert f"pinning incident-kit to {commit} (v{version}, the commit of the installed package)" in out
    found = pins(team)
    assert found and all(t.split("@")[1] == commit and c == f"# v{version}" for t, c in found), found
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
