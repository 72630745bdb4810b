"""Tests of setup/run.sh and setup/cache-key.sh, the bootstrap every incident-kit action runs.

They run the real action.yml files through tests/actionrunner.py (so the `env:` mapping, the
skipped cache steps and the output plumbing are covered too) with ``INCIDENT_KIT_PYTHON``
pointing at a fake interpreter: a shell script that passes the import check and records how it
was called. Nothing here builds the real venv (that needs PyPI; bench/bench_install.py does it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from actionrunner import ActionResult, run_action

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = {"all": ROOT, **{p.parent.name: p.parent for p in sorted((ROOT / "actions").glob("*/action.yml"))}}

# A stand-in for `python`: `-c ...` is the import check (FAKE_IMPORT=fail makes it fail), any
# other call is `python -m incident_kit run ...`, recorded to $FAKE_RECORD/ and answered with
# outputs (one of them multi-line, as the Python side writes with a random heredoc delimiter).
FAKE_PYTHON = r"""#!/usr/bin/env bash
if [[ "${1:-}" == "-c" || "${2:-}" == "-c" ]]; then
    if [[ "${FAKE_IMPORT:-ok}" == "fail" ]]; then
        echo "ModuleNotFoundError: No module named 'incident_kit'" >&2
        exit 1
    fi
    exit 0
fi
printf '%s\n' "$@" > "$FAKE_RECORD/args"
env | grep -E '^(INCIDENT_KIT|GITHUB)_' | LC_ALL=C sort > "$FAKE_RECORD/env"
{
    echo "decision=incident"
    echo "phase=triaged"
    echo "errors=2"
    echo "status-comment-url<<ghadelimiter_5f2b"
    echo "https://github.com/octo-org/octo-repo/issues/7#issuecomment-1"
    echo "ghadelimiter_5f2b"
} >> "$GITHUB_OUTPUT"
echo "### incident-kit: 2 errors" >> "$GITHUB_STEP_SUMMARY"
exit "${FAKE_EXIT:-0}"
"""


def _write_exe(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    return _write_exe(tmp_path / "fake-python", FAKE_PYTHON)


@pytest.fixture
def record(tmp_path: Path) -> Path:
    folder = tmp_path / "record"
    folder.mkdir()
    return folder


def _recorded_env(record: Path) -> dict[str, str]:
    lines = (record / "env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def _run(
    action: str,
    fake_python: Path,
    record: Path,
    tmp_path: Path,
    inputs: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> ActionResult:
    job_env = {"INCIDENT_KIT_PYTHON": str(fake_python), "FAKE_RECORD": str(record), **(env or {})}
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    return run_action(ACTIONS[action], inputs=inputs, env=job_env, workspace=workspace)


@pytest.mark.parametrize("part", sorted(ACTIONS))
def test_each_action_execs_incident_kit_run_with_its_part(
    part: str, fake_python: Path, record: Path, tmp_path: Path
) -> None:
    result = _run(part, fake_python, record, tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (record / "args").read_text().splitlines() == [
        "-I",
        "-m",
        "incident_kit",
        "run",
    ]  # -I: isolated from the workspace (issue #13)
    env = _recorded_env(record)
    assert env["INCIDENT_KIT_PART"] == part
    # The defaults, as the Python side will see them.
    assert env["INCIDENT_KIT_CONFIG"] == ".github/incident-kit.yml"
    assert env["INCIDENT_KIT_DRY_RUN"] == "false"
    assert env["INCIDENT_KIT_MAX_WRITES"] == "50"
    assert env["INCIDENT_KIT_BOT_LOGIN"] == "github-actions[bot]"
    assert env["INCIDENT_KIT_ISSUE_NUMBER"] == ""
    assert env["INCIDENT_KIT_TOKEN"] == "ghs_fake-token-for-tests"  # ${{ github.token }}
    for name in ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY", "GITHUB_OUTPUT"):
        assert env[name]


def test_outputs_and_summary_flow_back_through_the_action(fake_python: Path, record: Path, tmp_path: Path) -> None:
    result = _run("all", fake_python, record, tmp_path)
    assert result.outputs == {
        "decision": "incident",
        "phase": "triaged",
        "errors": "2",
        "status-comment-url": "https://github.com/octo-org/octo-repo/issues/7#issuecomment-1",
        "ics-path": "",  # declared by the root action; this stand-in Python does not write them
        "pdf-path": "",
    }
    assert "### incident-kit: 2 errors" in result.summary


def test_inputs_reach_python_verbatim_and_never_run_as_code(fake_python: Path, record: Path, tmp_path: Path) -> None:
    hostile = '7"; touch pwned; echo "$(touch pwned2)'
    result = _run(
        "validate",
        fake_python,
        record,
        tmp_path,
        inputs={"dry-run": "true", "max-writes": "3", "issue-number": hostile, "config": "ops/ik.yml"},
    )
    assert result.exit_code == 0
    env = _recorded_env(record)
    assert env["INCIDENT_KIT_DRY_RUN"] == "true"
    assert env["INCIDENT_KIT_MAX_WRITES"] == "3"
    assert env["INCIDENT_KIT_CONFIG"] == "ops/ik.yml"
    assert env["INCIDENT_KIT_ISSUE_NUMBER"] == hostile
    assert not list((tmp_path / "workspace").iterdir())


def test_python_exit_code_is_the_steps(fake_python: Path, record: Path, tmp_path: Path) -> None:
    result = _run("all", fake_python, record, tmp_path, env={"FAKE_EXIT": "3"})
    assert result.exit_code == 3
    assert result.step("run").outcome == "failure"
    # Outputs written before the failure still reach the caller.
    assert result.outputs["decision"] == "incident"


def test_with_incident_kit_python_nothing_is_cached_or_built(fake_python: Path, record: Path, tmp_path: Path) -> None:
    result = _run("labels", fake_python, record, tmp_path)
    assert result.step("cache-key").outcome == "skipped"
    cache = [s for s in result.steps if s.kind == "uses"]
    assert len(cache) == 1 and cache[0].outcome == "skipped" and not cache[0].with_
    assert not (ROOT / "actions" / "labels" / ".venv-action").exists()


def test_an_incident_kit_python_without_incident_kit_fails_with_what_to_do(
    fake_python: Path, record: Path, tmp_path: Path
) -> None:
    result = _run("all", fake_python, record, tmp_path, env={"FAKE_IMPORT": "fail"})
    assert result.exit_code != 0
    errors = [a for a in result.annotations if a.command == "error"]
    assert len(errors) == 1
    assert errors[0].properties == {"title": "incident-kit setup"}
    assert "cannot import incident_kit" in errors[0].message
    assert "unset INCIDENT_KIT_PYTHON" in errors[0].message
    assert "No module named 'incident_kit'" in result.stderr  # the cause stays in the log
    assert not (record / "args").exists()


def test_the_real_entry_point_fails_the_step_on_a_bad_input(tmp_path: Path) -> None:
    """The self-test's expected failure, here: max-writes "lots" through the action to Python."""
    try:
        import incident_kit.entry.gha  # noqa: F401  (the Python side of `incident_kit run`)
    except ImportError:
        pytest.skip("incident_kit.entry.gha is not written yet")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    result = run_action(
        ROOT,
        inputs={"max-writes": "lots", "dry-run": "true", "issue-number": "1"},
        env={"INCIDENT_KIT_PYTHON": sys.executable},
        workspace=workspace,
    )
    assert result.exit_code != 0
    errors = [a for a in result.annotations if a.command == "error"]
    assert errors and "max-writes" in errors[0].message, result.stdout + result.stderr


# ---- run.sh outside the harness: the venv path, with fakes instead of a real build ----------


def _copy_root(tmp_path: Path) -> Path:
    """The files run.sh and the fingerprint read, in a scratch root (so no real venv is touched)."""
    root = tmp_path / "action-root"
    root.mkdir()
    for name in ("setup", "requirements", "src", "ISSUE_TEMPLATE", "workflows", "starter"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def _bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env["RUNNER_TEMP"] = str(tmp_path)
    return env


def _fingerprint(root: Path, env: dict[str, str]) -> str:
    done = _bash('source setup/fingerprint.sh && ik_fingerprint "$PWD" "$(ik_find_python)"', env, root)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_stamped_venv_is_used_without_building(tmp_path: Path, record: Path) -> None:
    root = _copy_root(tmp_path)
    env = _base_env(tmp_path)
    venv_bin = root / ".venv-action" / "bin"
    venv_bin.mkdir(parents=True)
    _write_exe(venv_bin / "python", FAKE_PYTHON)
    (root / ".venv-action" / ".incident-kit-stamp").write_text(_fingerprint(root, env) + "\n")
    output = tmp_path / "output"
    output.touch()
    env.update(FAKE_RECORD=str(record), GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(tmp_path / "summary"))

    done = _bash('bash setup/run.sh --extra "two words"', env, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "using the environment in" in done.stdout
    assert (record / "args").read_text().splitlines() == ["-I", "-m", "incident_kit", "run", "--extra", "two words"]


def test_a_stale_stamp_rebuilds_from_scratch(tmp_path: Path) -> None:
    root = _copy_root(tmp_path)
    env = _base_env(tmp_path)
    old = root / ".venv-action"
    (old / "bin").mkdir(parents=True)
    (old / "bin" / "leftover").touch()
    (old / ".incident-kit-stamp").write_text("from an older requirements/event.txt\n")
    # python3 is a real Python for the version check and the fingerprint, but records and
    # refuses `-m venv`, so the test sees the rebuild start without reaching PyPI.
    fakebin = tmp_path / "fakebin"
    fakebin.mkdir()
    calls = tmp_path / "calls"
    _write_exe(
        fakebin / "python3",
        "#!/usr/bin/env bash\n"
        f'if [[ "$1" == "-I" && "$2" == "-m" && "$3" == "venv" ]]; then echo "$*" >> "{calls}"; exit 1; fi\n'
        f'exec "{sys.executable}" "$@"\n',
    )
    env["PATH"] = f"{fakebin}{os.pathsep}{env['PATH']}"

    done = _bash("bash setup/run.sh", env, root)
    assert done.returncode == 1
    assert calls.read_text().split() == ["-I", "-m", "venv", "--without-pip", str(old.resolve())]
    assert not old.exists()  # the stale venv went first: no half-old environment is left
    assert "::group::" in done.stdout and "::endgroup::" in done.stdout
    assert "::error title=incident-kit setup::" in done.stdout and "could not create" in done.stdout


def test_the_source_is_copied_into_the_venv_compiled_with_its_shipped_files(tmp_path: Path) -> None:
    # What run.sh's "project" phase runs (issue #16: no wheel is built), on a real venv.
    root = _copy_root(tmp_path)
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [str(python), "-I", str(root / "setup" / "install_source.py"), str(root)],
        cwd=tmp_path,
        env=_base_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    probe = (
        "import incident_kit, json\n"
        "from incident_kit.entry import resources\n"
        "print(json.dumps({'file': incident_kit.__file__, 'starter': sorted(resources.files('starter')),\n"
        "    'workflows': sorted(resources.files('workflows')), 'template': resources.template_text(),\n"
        "    'built_from': resources.built_from() is None}))\n"
    )
    # Run from elsewhere, as the action does (-I: the caller's checkout is never on the path).
    out = subprocess.run(
        [str(python), "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    import json

    seen = json.loads(out)
    package = Path(seen["file"]).parent
    assert package.parent.name == "site-packages" and venv in package.parents
    assert seen["template"] == (ROOT / "ISSUE_TEMPLATE" / "incident.md").read_text(encoding="utf-8")
    shipped = {
        n: sorted(p.name for p in (ROOT / n).iterdir() if p.is_file() and p.name[0] != ".")
        for n in ("starter", "workflows")
    }
    assert seen["starter"] == shipped["starter"] and seen["starter"]
    assert seen["workflows"] == shipped["workflows"] and seen["workflows"]
    assert seen["built_from"]  # no git, no wheel: install asks for --pin rather than guess
    # Every module has its bytecode beside it, for this interpreter, matching the copied source.
    sources = [p for p in package.rglob("*.py")]
    tag = subprocess.run(
        [str(python), "-I", "-c", "import sys; print(sys.implementation.cache_tag)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert len(sources) == len(list((ROOT / "src" / "incident_kit").rglob("*.py")))
    assert [p for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file()] == []
    assert (package / "render" / "fonts" / "ipaexg.ttf").is_file()  # the report renders from the copy
    # A copy, not a link to the checkout: a later edit there changes nothing until the next build.
    (root / "src" / "incident_kit" / "__init__.py").write_text("raise SystemExit('the checkout was imported')\n")
    again = subprocess.run([str(python), "-I", "-c", "import incident_kit"], capture_output=True, timeout=60)
    assert again.returncode == 0, again.stderr


def test_an_old_python3_fails_with_what_to_do(tmp_path: Path) -> None:
    root = _copy_root(tmp_path)
    env = _base_env(tmp_path)
    fakebin = tmp_path / "fakebin"
    fakebin.mkdir()
    old = '#!/usr/bin/env bash\n[[ "$1" == "--version" ]] && { echo "Python 3.10.12"; exit 0; }\nexit 1\n'
    _write_exe(fakebin / "python3", old)
    _write_exe(fakebin / "python", old)
    env["PATH"] = f"{fakebin}{os.pathsep}{env['PATH']}"

    done = _bash("bash setup/run.sh", env, root)
    assert done.returncode == 1
    assert not (root / ".venv-action").exists()
    line = next(x for x in done.stdout.splitlines() if x.startswith("::error"))
    assert line.startswith("::error title=incident-kit setup::")
    assert "Python 3.11 or newer" in line and "Python 3.10.12" in line and "actions/setup-python" in line


# ---- cache-key.sh ------------------------------------------------------------------------


def _cache_key(action_dir: Path, env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    output = tmp_path / "cache-key-output"
    output.write_text("")
    env = {**env, "GITHUB_OUTPUT": str(output), "GITHUB_ACTION_PATH": str(action_dir)}
    rel = "" if (action_dir / "setup").is_dir() else "../../"
    done = _bash(f'bash "$GITHUB_ACTION_PATH/{rel}setup/cache-key.sh"', env, tmp_path)
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


def test_cache_key_and_path_are_one_for_the_root_and_every_sub_action(tmp_path: Path) -> None:
    env = {**_base_env(tmp_path), "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"}
    answers = [_cache_key(path, env, tmp_path) for path in ACTIONS.values()]
    assert all(a == answers[0] for a in answers)
    key, path = answers[0]["key"], answers[0]["path"]
    assert key.startswith("incident-kit-venv-Linux-X64-py3.")
    assert len(key.rsplit("-", 1)[1]) == 64
    # actions/cache refuses `.` and `..` segments: the path must be absolute and clean.
    assert Path(path).is_absolute() and ".." not in Path(path).parts
    assert Path(path) == ROOT.resolve() / ".venv-action"
    # The report tier (issue #16): its own key and folder, the same fingerprint.
    report_key, report_path = answers[0]["report-key"], answers[0]["report-path"]
    assert report_key == key.replace("incident-kit-venv-", "incident-kit-report-", 1) != key
    assert Path(report_path) == ROOT.resolve() / ".venv-action-report"


def test_cache_key_follows_the_lock_and_is_empty_with_incident_kit_python(tmp_path: Path) -> None:
    root = _copy_root(tmp_path)
    env = {**_base_env(tmp_path), "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"}
    first = _cache_key(root, env, tmp_path)["key"]
    assert _cache_key(root, env, tmp_path)["key"] == first
    first_report = _cache_key(root, env, tmp_path)["report-key"]
    with (root / "requirements" / "event.txt").open("a") as lock:
        lock.write("# changed\n")
    assert _cache_key(root, env, tmp_path)["key"] != first
    # Either tier's lock moves both keys: the two tiers are one resolution (requirements/compile.sh).
    second = _cache_key(root, env, tmp_path)
    with (root / "requirements" / "report.txt").open("a") as lock:
        lock.write("# changed\n")
    third = _cache_key(root, env, tmp_path)
    assert third["key"] != second["key"] and third["report-key"] != second["report-key"] != first_report
    (root / "src" / "incident_kit" / "new_module.py").write_text("")
    fourth = _cache_key(root, env, tmp_path)["key"]
    assert fourth != first
    # Everything setup/install_source.py copies in, and the recipe itself, moves the key too.
    (root / "starter" / "incident-kit.yml").write_text("# changed\n")
    fifth = _cache_key(root, env, tmp_path)["key"]
    with (root / "setup" / "run.sh").open("a") as script:
        script.write("# changed\n")
    assert len({fourth, fifth, _cache_key(root, env, tmp_path)["key"]}) == 3
    assert _cache_key(root, {**env, "INCIDENT_KIT_PYTHON": sys.executable}, tmp_path)["key"] == ""
