"""``incident-kit install`` as a team runs it: pinned to a real commit, re-pinned in place, forks, refusals.

Real processes on real folders. The commit of this source checkout is what an editable
install pins to (``git rev-parse HEAD``); tests/test_adoption.py does the same with a built wheel.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from incident_kit import __version__
from incident_kit.entry import resources
from incident_kit.entry.install import Pin, repin

ROOT = Path(__file__).resolve().parents[1]
OTHER = "5a3ec84eff668545956fd18022155c47e93e2684"
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.MULTILINE)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "incident_kit", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
    )


def uses(folder: Path) -> list[tuple[str, str]]:
    """Every (target, trailing comment) of the workflows in ``folder/.github/workflows``."""
    out = []
    for path in sorted((folder / ".github" / "workflows").glob("*.yml")):
        out += [(m[1], m[2].strip()) for m in USES.finditer(path.read_text(encoding="utf-8"))]
    return out


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def head() -> str:
    built = resources.built_from()
    if built is None:
        pytest.skip("this checkout has no git: its commit is unknown")
    return built.commit


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def mark(head: str) -> str:
    """The comment beside this checkout's pin, asked of git here: the release tag when HEAD is the
    release of this version (tag and CHANGELOG section), else what the unreleased commit is."""
    released = f"v{__version__}" in git("tag", "--points-at", "HEAD").split()
    if released and f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"):
        return f"v{__version__}"
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    return f"{branch}@{head[:7]} (unreleased)" if branch != "HEAD" else f"{head[:7]} (unreleased)"


def test_install_pins_every_uses_to_this_commit_with_the_version(tmp_path: Path, head: str, mark: str) -> None:
    res = run("install", "--target", str(tmp_path))
    assert res.returncode == 0, res.stderr
    # The terminal names the pin as the comment written beside it.
    assert f"pinning incident-kit to {head} {'# ' if 'unreleased' in mark else '('}{mark}" in res.stdout
    found = uses(tmp_path)
    assert {t.split("@")[0] for t, _ in found} == {
        "incident-kit/incident-kit",
        "incident-kit/incident-kit/actions/weekly",
    }
    # Issue: a source checkout that is no release is said to be unreleased, never `# v0.1.0`.
    assert all(t.endswith("@" + head) and c == f"# {mark}" for t, c in found), found
    assert "0" * 40 not in "".join(p.read_text() for p in (tmp_path / ".github" / "workflows").iterdir())
    starter = tmp_path / ".github" / "incident-kit.yml"
    assert starter.read_bytes() == (ROOT / "starter" / "incident-kit.yml").read_bytes()
    # A plain re-run of the same version: nothing written, nothing said about a placeholder or a skip.
    before = snapshot(tmp_path)
    again = run("install", "--target", str(tmp_path))
    assert again.returncode == 0 and snapshot(tmp_path) == before
    assert "placeholder" not in again.stdout + again.stderr
    assert not re.search(r"^(create|re-pin|skip|replace) ", again.stdout, re.MULTILINE), again.stdout
    assert again.stdout.count(": up to date") == 4


def test_repin_keeps_the_teams_edits_and_targets_a_fork(tmp_path: Path, head: str, mark: str) -> None:
    assert run("install", "--target", str(tmp_path)).returncode == 0
    workflow = tmp_path / ".github" / "workflows" / "incident-kit.yml"
    weekly = tmp_path / ".github" / "workflows" / "incident-kit-weekly.yml"
    # The team's edits: a longer timeout, a step of their own before incident-kit, CRLF line ends.
    edited = workflow.read_text().replace("timeout-minutes: 10", "timeout-minutes: 15  # our runners are slow")
    edited = edited.replace(
        "    steps:\n",
        "    steps:\n      - name: our own step\n"
        "        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n"
        "        with:\n          persist-credentials: false\n",
    )
    workflow.write_bytes(edited.replace("\n", "\r\n").encode())
    res = run("install", "--target", str(tmp_path), "--pin", OTHER, "--tag", "v0.0.9")
    assert res.returncode == 0, res.stderr
    assert "re-pin .github/workflows/incident-kit.yml (your other changes kept)" in res.stdout
    assert "re-pin .github/workflows/incident-kit-weekly.yml\n" in res.stdout
    text = workflow.read_bytes().decode()
    assert text == edited.replace(f"@{head} # {mark}", f"@{OTHER} # v0.0.9").replace("\n", "\r\n")
    assert "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2" in text  # not incident-kit's
    # The fork: every incident-kit uses: moves to it, nothing else changes.
    res = run("install", "--target", str(tmp_path), "--pin", OTHER, "--tag", "v0.0.9", "--action", "myorg/ik-fork")
    assert res.returncode == 0, res.stderr
    assert [t for t, _ in uses(tmp_path) if "checkout" not in t] == [
        f"myorg/ik-fork/actions/weekly@{OTHER}",
        f"myorg/ik-fork@{OTHER}",
    ]
    assert "timeout-minutes: 15  # our runners are slow\r\n" in workflow.read_bytes().decode()
    # Same again: up to date, nothing written.
    before = snapshot(tmp_path)
    res = run("install", "--target", str(tmp_path), "--pin", OTHER, "--tag", "v0.0.9", "--action", "myorg/ik-fork")
    assert snapshot(tmp_path) == before and "re-pin" not in res.stdout
    assert ".github/workflows/incident-kit.yml: up to date (your other changes kept)" in res.stdout
    # Back to this release, keeping the fork (a renamed fork is named with --action again).
    res = run("install", "--target", str(tmp_path), "--action", "myorg/ik-fork")
    assert f"myorg/ik-fork@{head} # {mark}" in workflow.read_bytes().decode()
    assert f"myorg/ik-fork/actions/weekly@{head} # {mark}" in weekly.read_text()


def test_a_file_the_team_replaced_is_left_alone_and_named(tmp_path: Path, head: str, mark: str) -> None:
    assert run("install", "--target", str(tmp_path)).returncode == 0
    weekly = tmp_path / ".github" / "workflows" / "incident-kit-weekly.yml"
    weekly.write_text("name: our own weekly job\non: workflow_dispatch\n")
    template = tmp_path / ".github" / "ISSUE_TEMPLATE" / "incident.md"
    template.write_text("our template\n")
    res = run("install", "--target", str(tmp_path), "--pin", OTHER)
    assert res.returncode == 0
    assert "skip .github/workflows/incident-kit-weekly.yml (no incident-kit `uses:` left in it" in res.stdout
    assert "skip .github/ISSUE_TEMPLATE/incident.md (it differs from the shipped version" in res.stdout
    assert weekly.read_text() == "name: our own weekly job\non: workflow_dispatch\n"
    assert "no version comment: add --tag" in res.stderr  # OTHER is not this package's commit
    res = run("install", "--target", str(tmp_path), "--force")
    assert "replace .github/workflows/incident-kit-weekly.yml (--force given)" in res.stdout
    assert f"@{head} # {mark}" in weekly.read_text()


def test_bad_arguments_say_what_to_pass(tmp_path: Path) -> None:
    cases = {
        ("--pin", "v1.2.3"): "40-character commit SHA",
        ("--pin", OTHER[:12]): "40-character commit SHA",
        ("--action", "not a repo"): "is not OWNER/REPO",
        ("--action", "https://github.com/a/b"): "is not OWNER/REPO",
        ("--tag", "v1"): "--tag names the release of a --pin commit",
        ("--pin", OTHER, "--tag", "v 1"): "is not a release tag",
    }
    for args, message in cases.items():
        res = run("install", "--target", str(tmp_path), *args)
        assert res.returncode == 2 and message in res.stderr, (args, res.stderr)
    assert not (tmp_path / ".github").exists()
    (tmp_path / "file").write_text("x")
    for target, message in ((tmp_path / "nope", "no such folder"), (tmp_path / "file", "is not a folder")):
        res = run("install", "--target", str(target))
        assert res.returncode == 2 and message in res.stderr


def test_unknown_commit_refuses_and_writes_nothing(tmp_path: Path) -> None:
    """A copy of the source without git and without a build record knows no commit."""
    copy = tmp_path / "copy"
    for name in ("src", "workflows", "ISSUE_TEMPLATE", "starter"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("_build_info.py", "__pycache__"))
    target = tmp_path / "team"
    target.mkdir()
    code = "import sys; from incident_kit.entry.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": str(copy / "src")}
    res = subprocess.run(
        [sys.executable, "-c", code, "install", "--target", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert res.returncode == 2 and "pass --pin <commit SHA" in res.stderr, res.stderr
    assert not any(target.iterdir())
    res = subprocess.run(
        [sys.executable, "-c", code, "install", "--target", str(target), "--pin", OTHER, "--tag", "v0.1.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert all(t.endswith("@" + OTHER) and c == "# v0.1.0" for t, c in uses(target))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  - uses: incident-kit/incident-kit@v1", f"  - uses: incident-kit/incident-kit@{OTHER} # v2.0.0"),
        (
            "        uses: 'incident-kit/incident-kit/actions/report@main'  # pinned by us",
            f"        uses: 'incident-kit/incident-kit/actions/report@{OTHER}' # v2.0.0",
        ),
        (
            '        uses: "Acme/incident-kit@' + "0" * 40 + '" # keep: our audit note',
            f'        uses: "Acme/incident-kit@{OTHER}" # keep: our audit note',
        ),
        (  # what install wrote for an unreleased commit is its own comment: replaced
            "  - uses: incident-kit/incident-kit@" + "1" * 40 + " # main@1111111 (unreleased)",
            f"  - uses: incident-kit/incident-kit@{OTHER} # v2.0.0",
        ),
        ("  - uses: actions/checkout@v4", "  - uses: actions/checkout@v4"),  # not incident-kit
        ("  - uses: incident-kit/incident-kit/docs/x@v1", "  - uses: incident-kit/incident-kit/docs/x@v1"),
        ("  - uses: ./actions/report", "  - uses: ./actions/report"),
        ("  # uses: incident-kit/incident-kit@v1", "  # uses: incident-kit/incident-kit@v1"),
    ],
)
def test_repin_touches_only_incident_kit_uses(line: str, expected: str) -> None:
    text, found = repin(line + "\n", Pin(OTHER, "v2.0.0"))
    assert text == expected + "\n"
    assert found == (text != line + "\n")


def _source_checkout(tmp_path: Path) -> Path:
    """A git checkout of this source (HEAD committed on branch main), as a newcomer's clone is."""
    copy = tmp_path / "clone"
    for name in ("src", "workflows", "ISSUE_TEMPLATE", "starter"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("_build_info.py", "__pycache__"))
    shutil.copy(ROOT / "CHANGELOG.md", copy / "CHANGELOG.md")
    git("init", "--quiet", "--initial-branch", "main", cwd=copy)
    git("add", "-A", cwd=copy)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "x", cwd=copy)
    return copy


def _install_from(checkout: Path, target: Path, *more: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from incident_kit.entry.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "install", "--target", str(target), "--force", *more],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(checkout / "src")},
        timeout=60,
    )


def test_only_a_tagged_release_gets_a_version_comment(tmp_path: Path) -> None:
    """`# vX.Y.Z` is what Dependabot and Renovate read as the release: written only when HEAD is
    tagged v<version> and the CHANGELOG has its section; otherwise the commit is said to be unreleased."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    checkout = _source_checkout(tmp_path)
    sha = git("rev-parse", "HEAD", cwd=checkout)
    team = tmp_path / "team"
    team.mkdir()
    res = _install_from(checkout, team)
    assert res.returncode == 0, res.stderr
    # The terminal says what the workflows say, and that the commit must reach GitHub first.
    said = f"pinning incident-kit to {sha} # main@{sha[:7]} (unreleased): no release tag v{__version__} at this"
    assert said in res.stdout
    assert "push it to incident-kit/incident-kit on GitHub before the workflows can run" in res.stdout
    assert "--pin <SHA of a released commit>" in res.stdout
    assert {c for _, c in uses(team)} == {f"# main@{sha[:7]} (unreleased)"}
    # A fork: the commit must be pushed to the fork, and the line names it.
    fork = _install_from(checkout, team, "--action", "myorg/incident-kit", "--dry-run")
    assert fork.returncode == 0, fork.stderr
    assert "push it to myorg/incident-kit on GitHub" in fork.stdout

    # Tagged, but the CHANGELOG still lists the changes under [Unreleased]: not a release either.
    changelog = (checkout / "CHANGELOG.md").read_text(encoding="utf-8")
    if f"## [{__version__}]" not in changelog:
        git("tag", f"v{__version__}", cwd=checkout)
        assert _install_from(checkout, team).returncode == 0
        assert {c for _, c in uses(team)} == {f"# main@{sha[:7]} (unreleased)"}
        git("tag", "-d", f"v{__version__}", cwd=checkout)
        (checkout / "CHANGELOG.md").write_text(
            changelog.replace("## [Unreleased]", f"## [Unreleased]\n\n## [{__version__}] - 2026-12-01", 1),
            encoding="utf-8",
        )
        git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "release", cwd=checkout)
        sha = git("rev-parse", "HEAD", cwd=checkout)
    # The release: an annotated tag at HEAD. Re-running re-pins and replaces the unreleased comment.
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "tag", "-a", "-m", "r", f"v{__version__}", cwd=checkout)
    res = _install_from(checkout, team)
    assert res.returncode == 0, res.stderr
    assert f"pinning incident-kit to {sha} (v{__version__}, the commit of the source checkout" in res.stdout
    assert "no release: push it" not in res.stdout  # a release is on GitHub already
    assert set(uses(team)) == {
        (f"incident-kit/incident-kit@{sha}", f"# v{__version__}"),
        (f"incident-kit/incident-kit/actions/weekly@{sha}", f"# v{__version__}"),
    }
    # A detached HEAD one commit on: no branch to name, still unreleased.
    (checkout / "x").write_text("x")
    git("add", "x", cwd=checkout)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "after", cwd=checkout)
    after = git("rev-parse", "HEAD", cwd=checkout)
    git("checkout", "--quiet", "--detach", "HEAD", cwd=checkout)
    assert _install_from(checkout, team).returncode == 0
    assert {c for _, c in uses(team)} == {f"# {after[:7]} (unreleased)"}


def test_install_writes_at_the_top_of_the_git_work_tree(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    repo = tmp_path / "repo"
    (repo / "src" / "deep").mkdir(parents=True)
    git("init", "--quiet", str(repo), cwd=tmp_path)
    res = run("install", cwd=repo / "src" / "deep")
    assert res.returncode == 0, res.stderr
    assert f"installing into {repo.resolve()} (the top of this git work tree)" in res.stdout
    assert (repo / ".github" / "workflows" / "incident-kit.yml").is_file()
    assert not (repo / "src" / ".github").exists() and not (repo / "src" / "deep" / ".github").exists()
    # --target at a folder inside the repository: GitHub would never read it.
    res = run("install", "--target", str(repo / "src"))
    assert res.returncode == 2 and f"pass --target {repo.resolve()}" in res.stderr, res.stderr
    assert not (repo / "src" / ".github").exists()


def test_install_outside_a_git_repository_says_what_to_do(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    env_ceiling = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path), "PYTHONIOENCODING": "utf-8"}
    res = subprocess.run(
        [sys.executable, "-m", "incident_kit", "install"],
        cwd=plain,
        capture_output=True,
        text=True,
        env=env_ceiling,
        timeout=60,
    )
    assert res.returncode == 2
    assert "not inside a git repository" in res.stderr and "--target" in res.stderr, res.stderr
    assert list(plain.iterdir()) == []
    # Named explicitly, a folder outside git is the user's choice (a scratch copy, a bundle).
    res = subprocess.run(
        [sys.executable, "-m", "incident_kit", "install", "--target", "."],
        cwd=plain,
        capture_output=True,
        text=True,
        env=env_ceiling,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert (plain / ".github" / "ISSUE_TEMPLATE" / "incident.md").is_file()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # The chooser entry is called Incident, whatever the file and the body.
        ("outage.md", '---\nname: "Incident"\nabout: when prod is down\nlabels: incident\n---\n\nWhat broke?\n'),
        ("incident_form.yml", "name: incident\ndescription: report one\nbody:\n  - type: textarea\n"),
        # A copy of the incident template renamed in the chooser (the seed's headings are there).
        ("seed.md", None),
    ],
)
def test_an_existing_incident_template_is_named_not_doubled(tmp_path: Path, name: str, text: str | None) -> None:
    folder = tmp_path / ".github" / "ISSUE_TEMPLATE"
    folder.mkdir(parents=True)
    if text is None:
        text = resources.template_text().replace("name: Incident", "name: Outage report", 1)
    (folder / name).write_text(text, encoding="utf-8")
    (folder / "bug.md").write_text("---\nname: Bug\nabout: a bug\n---\n\nSteps\n", encoding="utf-8")
    res = run("install", "--target", str(tmp_path), "--pin", OTHER, "--tag", "v0.0.9")
    assert res.returncode == 0, res.stderr
    assert (
        f"skip .github/ISSUE_TEMPLATE/incident.md (.github/ISSUE_TEMPLATE/{name} is already an incident template"
        in res.stdout
    ), res.stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, "bug.md"])
    assert (tmp_path / ".github" / "workflows" / "incident-kit.yml").is_file()  # the rest is installed
    res = run("install", "--target", str(tmp_path), "--pin", OTHER, "--tag", "v0.0.9", "--force")
    assert "create .github/ISSUE_TEMPLATE/incident.md" in res.stdout
    assert (folder / "incident.md").read_bytes() == resources.files("ISSUE_TEMPLATE")["incident.md"]


def test_a_kept_incident_template_is_named_for_the_weekly_check(tmp_path: Path) -> None:
    """Install kept the team's bug_incident.md instead of adding incident.md: weekly.template-path
    would still name incident.md, which is not there, so install says which setting to write."""
    folder = tmp_path / ".github" / "ISSUE_TEMPLATE"
    folder.mkdir(parents=True)
    (folder / "bug_incident.md").write_text(resources.template_text(), encoding="utf-8")
    res = run("install", "--target", str(tmp_path), "--pin", OTHER, "--tag", "v0.0.9")
    assert res.returncode == 0, res.stderr
    setting = "set `template-path: .github/ISSUE_TEMPLATE/bug_incident.md` under `weekly:` in .github/incident-kit.yml"
    assert setting in res.stderr, res.stderr
    assert "now .github/ISSUE_TEMPLATE/incident.md, which does not exist" in res.stderr
    assert not (folder / "incident.md").exists()
    # Dry runs say it too; the team writes the setting as told, and install says no more.
    assert setting in run("install", "--target", str(tmp_path), "--dry-run").stderr
    settings = tmp_path / ".github" / "incident-kit.yml"
    with settings.open("a", encoding="utf-8") as out:
        out.write("weekly:\n  template-path: .github/ISSUE_TEMPLATE/bug_incident.md\n")
    again = run("install", "--target", str(tmp_path), "--pin", OTHER, "--tag", "v0.0.9")
    assert again.returncode == 0, again.stderr
    assert "template-path" not in again.stderr, again.stderr
    # A template added by the shipped file (--force) is the default path: nothing to set either.
    settings.write_bytes((ROOT / "starter" / "incident-kit.yml").read_bytes())
    forced = run("install", "--target", str(tmp_path), "--pin", OTHER, "--tag", "v0.0.9", "--force")
    assert "create .github/ISSUE_TEMPLATE/incident.md" in forced.stdout
    assert "template-path" not in forced.stderr, forced.stderr
