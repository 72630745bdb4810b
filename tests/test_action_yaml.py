"""Static checks of every action.yml, workflow and the Dependabot config, plus zizmor over them.

These hold the workflow-hygiene rules of shared/STYLE.md and GITHUB-FACTS.md in place: no
``${{ }}`` inside ``run:``, ``shell: bash`` everywhere, every ``uses:`` pinned to a full SHA
with a ``# vX.Y.Z`` comment, described inputs with quoted string defaults, outputs with
values, least-privilege workflows with a reason per grant, timeouts and per-issue concurrency.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION_FILES = [ROOT / "action.yml", *sorted((ROOT / "actions").glob("*/action.yml"))]
# workflows/ holds what `incident-kit install` copies; .github/workflows/ is this repo's own.
WORKFLOW_FILES = sorted((ROOT / "workflows").glob("*.yml")) + sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ALL_FILES = ACTION_FILES + WORKFLOW_FILES
INPUTS = ("token", "config", "dry-run", "max-writes", "bot-login", "issue-number")
# notify (issue #8): the root action and actions/notify also take the Slack and SMTP secrets.
NOTIFY_INPUTS = ("slack-webhook", "smtp-user", "smtp-password")


def _inputs(path: Path) -> tuple[str, ...]:
    return INPUTS + NOTIFY_INPUTS if path.parent == ROOT or path.parent.name == "notify" else INPUTS


OUTPUTS = ("decision", "phase", "errors", "status-comment-url")
WEEKLY_OUTPUTS = ("scanned", "reminders", "followups", "closed")  # weekly (issue #6)
SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    return data


def _steps(path: Path) -> list[dict[str, Any]]:
    data = _load(path)
    if "runs" in data:
        return list(data["runs"].get("steps") or [])
    return [step for job in data["jobs"].values() for step in job.get("steps") or []]


def _node(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in mapping.value:
        if k.value == key:
            return v
    return None


def test_the_expected_files_exist() -> None:
    assert _ids(ACTION_FILES) == [
        "action.yml",
        "actions/invite/action.yml",
        "actions/labels/action.yml",
        "actions/notify/action.yml",
        "actions/report/action.yml",
        "actions/validate/action.yml",
        "actions/video/action.yml",
        "actions/weekly/action.yml",  # weekly (issue #6)
    ]
    expected_workflows = {"incident-kit.yml", "incident-kit-weekly.yml", "ci.yml", "self-test.yml"}
    assert {p.name for p in WORKFLOW_FILES} >= expected_workflows


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_no_expression_inside_run(path: Path) -> None:
    for step in _steps(path):
        if "run" in step:
            assert "${{" not in step["run"], f"{path}: step {step.get('name')!r} expands ${{{{ }}}} inside run:"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_every_run_step_declares_bash(path: Path) -> None:
    for step in _steps(path):
        if "run" in step:
            assert step.get("shell") == "bash", f"{path}: step {step.get('name')!r} needs shell: bash"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_every_uses_is_pinned_to_a_sha_with_a_version_comment(path: Path) -> None:
    # Comments are invisible to the YAML parser, so this reads the lines themselves; the count
    # check below makes sure no `uses:` escaped the line scan (a flow mapping, say).
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if not match:
            continue
        seen += 1
        ref, rest = match.groups()
        if ref.startswith("./"):
            continue  # this repository at the workflow's own commit
        assert SHA_PIN.match(ref), f"{path}:{number}: {ref} is not pinned to a full commit SHA"
        assert VERSION_COMMENT.search(rest), f"{path}:{number}: add a `# vX.Y.Z` comment naming the pinned release"
    assert seen == sum("uses" in step for step in _steps(path)) + sum(
        "uses" in job for job in (_load(path).get("jobs") or {}).values()
    )


def test_actions_pin_the_same_cache_release() -> None:
    refs = {step["uses"] for path in ACTION_FILES for step in _steps(path) if "uses" in step}
    # One actions/cache release everywhere; upload-artifact only where a report can be refused.
    assert {r.split("@")[0] for r in refs} == {"actions/cache", "actions/upload-artifact"}
    assert len(refs) == 2


@pytest.mark.parametrize("path", ACTION_FILES, ids=_ids(ACTION_FILES))
def test_action_metadata(path: Path) -> None:
    data = _load(path)
    assert data.get("name") and data.get("description")
    assert data["runs"]["using"] == "composite"
    if path.parent == ROOT:
        assert set(data["branding"]) == {"icon", "color"}  # the Marketplace listing needs both


@pytest.mark.parametrize("path", ACTION_FILES, ids=_ids(ACTION_FILES))
def test_inputs_are_described_with_quoted_string_defaults(path: Path) -> None:
    data = _load(path)
    assert tuple(data["inputs"]) == _inputs(path)
    document = yaml.compose(path.read_text(encoding="utf-8"))
    assert isinstance(document, yaml.MappingNode)
    inputs_node = _node(document, "inputs")
    assert isinstance(inputs_node, yaml.MappingNode)
    for name_node, spec_node in inputs_node.value:
        name = name_node.value
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), f"{path}: input {name} is not kebab-case"
        description = data["inputs"][name].get("description")
        assert isinstance(description, str) and "Default" in description, (
            f"{path}: input {name} needs a description that states its default"
        )
        assert isinstance(spec_node, yaml.MappingNode)
        default = _node(spec_node, "default")
        assert isinstance(default, yaml.ScalarNode), f"{path}: input {name} has no default"
        # A quoted scalar is a string to YAML; `default: false` would be a boolean that the
        # runner turns into "false" only by luck of its conversion rules.
        assert default.style in ('"', "'"), f"{path}: quote the default of input {name}"


@pytest.mark.parametrize("path", ACTION_FILES, ids=_ids(ACTION_FILES))
def test_outputs_come_from_the_run_step(path: Path) -> None:
    data = _load(path)
    # The root action and the invite sub-action also say where the .ics was committed.
    extra = {"invite": ("ics-path",), "report": ("pdf-path",)}.get(path.parent.name, ())
    if path.parent == ROOT:
        extra = ("ics-path", "pdf-path")
    expected = OUTPUTS + extra
    if path.parent.name == "weekly":  # weekly (issue #6): counts of what the scan did, not one issue's state
        expected = WEEKLY_OUTPUTS
    assert tuple(data["outputs"]) == expected
    step_ids = {step.get("id") for step in _steps(path)}
    # An action that renders reports (issue #16) has a report step after the run step: its run
    # saw the issue last, so its value comes first, the run step's when it was skipped.
    renders = "pdf-path" in data["outputs"]
    for name, spec in data["outputs"].items():
        assert spec.get("description"), f"{path}: output {name} needs a description"
        want = f"steps.report.outputs.{name} || steps.run.outputs.{name}" if renders else f"steps.run.outputs.{name}"
        assert spec.get("value") == f"${{{{ {want} }}}}"
    assert "run" in step_ids
    assert ("report" in step_ids) == renders


@pytest.mark.parametrize("path", ACTION_FILES, ids=_ids(ACTION_FILES))
def test_run_step_maps_every_input_into_env(path: Path) -> None:
    run = next(step for step in _steps(path) if step.get("id") == "run")
    expected = {f"INCIDENT_KIT_{name.upper().replace('-', '_')}": f"${{{{ inputs.{name} }}}}" for name in _inputs(path)}
    expected["INCIDENT_KIT_PART"] = "all" if path.parent == ROOT else path.parent.name
    # Issue #16: the runtime's fingerprint is computed once, by the cache-key step, and handed on.
    expected["INCIDENT_KIT_FINGERPRINT"] = "${{ steps.cache-key.outputs.fingerprint }}"
    assert run["env"] == expected
    relative = "" if path.parent == ROOT else "../../"
    assert run["run"].strip() == f'bash "${{GITHUB_ACTION_PATH}}/{relative}setup/run.sh"'
    assert (path.parent / relative / "setup" / "run.sh").resolve().is_file()


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=_ids(WORKFLOW_FILES))
def test_workflow_permissions_timeouts_and_concurrency(path: Path) -> None:
    data = _load(path)
    assert data.get("permissions") == {}, f"{path}: start from `permissions: {{}}` at the top"
    lines = path.read_text(encoding="utf-8").splitlines()
    document = yaml.compose(path.read_text(encoding="utf-8"))
    assert isinstance(document, yaml.MappingNode)
    jobs_node = _node(document, "jobs")
    assert isinstance(jobs_node, yaml.MappingNode)
    for job_name_node, job_node in jobs_node.value:
        job = data["jobs"][job_name_node.value]
        where = f"{path}: job {job_name_node.value}"
        assert "permissions" in job, f"{where} needs its own permissions:"
        assert isinstance(job["permissions"], dict), f"{where}: list each permission (no read-all/write-all)"
        assert isinstance(job_node, yaml.MappingNode)
        permissions_node = _node(job_node, "permissions")
        assert isinstance(permissions_node, yaml.MappingNode)
        for key_node, _ in permissions_node.value:
            line = lines[key_node.start_mark.line]
            assert "#" in line, f"{where}: say why it needs {key_node.value} in a # comment"
        assert isinstance(job.get("timeout-minutes"), int) and job["timeout-minutes"] <= 30, f"{where}"
        concurrency = job.get("concurrency") or data.get("concurrency")
        assert isinstance(concurrency, dict) and concurrency.get("group"), f"{where} needs a concurrency group"
        assert concurrency.get("cancel-in-progress") is False, f"{where}: never cancel a run half-way"
        for step in job.get("steps") or []:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{where}: persist-credentials"


def test_installed_workflow() -> None:
    path = ROOT / "workflows" / "incident-kit.yml"
    data = _load(path)
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers["issues"]["types"]) == {"opened", "edited", "reopened", "labeled", "unlabeled", "closed"}
    assert triggers["issue_comment"]["types"] == ["created"]
    assert "issue-number" in triggers["workflow_dispatch"]["inputs"]
    (job,) = data["jobs"].values()
    assert job["if"] == "${{ !github.event.issue.pull_request }}"
    assert job["permissions"] == {"issues": "write", "contents": "write"}
    assert job["concurrency"] == {
        "group": "incident-kit-${{ github.event.issue.number || inputs.issue-number }}",
        "cancel-in-progress": False,
    }
    (step,) = job["steps"]  # no checkout: everything goes through the API
    assert step["uses"].startswith("incident-kit/incident-kit@")
    assert step["with"] == {
        "issue-number": "${{ inputs.issue-number }}",
        "slack-webhook": "${{ secrets.INCIDENT_KIT_SLACK_WEBHOOK }}",
        "smtp-user": "${{ secrets.INCIDENT_KIT_SMTP_USER }}",
        "smtp-password": "${{ secrets.INCIDENT_KIT_SMTP_PASSWORD }}",
    }


def test_self_test_has_an_expected_failure_and_an_all_passed_job() -> None:
    data = _load(ROOT / ".github" / "workflows" / "self-test.yml")
    jobs = data["jobs"]
    expected_failures = [
        (name, step)
        for name, job in jobs.items()
        for step in job.get("steps") or []
        if step.get("continue-on-error") is True and step.get("uses", "").startswith("./")
    ]
    assert expected_failures, "one job must run the action expecting it to fail"
    for name, step in expected_failures:
        checks = [s for s in jobs[name]["steps"] if f"steps.{step['id']}.outcome" in str(s.get("env", {}))]
        assert checks, f"job {name} must assert that step {step['id']} failed"
    final = jobs["all-passed"]
    assert final["if"] == "${{ always() }}"
    assert set(final["needs"]) == set(jobs) - {"all-passed"}


def test_dependabot_lists_every_action_directory() -> None:
    data = _load(ROOT / ".github" / "dependabot.yml")
    by_ecosystem = {u["package-ecosystem"]: u for u in data["updates"]}
    directories = set(by_ecosystem["github-actions"]["directories"])
    assert directories == {"/", *(f"/{p.parent.relative_to(ROOT)}" for p in ACTION_FILES[1:])}
    assert by_ecosystem["pip"]["directory"] == "/requirements"


def _zizmor() -> str | None:
    beside = Path(sys.executable).parent / "zizmor"
    return str(beside) if beside.exists() else shutil.which("zizmor")


def test_zizmor_finds_nothing() -> None:
    zizmor = _zizmor()
    if zizmor is None:
        pytest.skip("zizmor is not installed (it is in the dev extra)")
    files = [*ALL_FILES, ROOT / ".github" / "dependabot.yml"]
    # Named one by one: given a folder, zizmor audits only its .github/workflows/, so workflows/
    # (the files users install) would be skipped without a word.
    done = subprocess.run(
        [zizmor, "--offline", "--no-progress", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for path in files:
        assert f"completed {path}" in done.stderr or str(path.relative_to(ROOT)) in done.stderr


# ---- weekly (issue #6)
def test_weekly_workflow() -> None:
    path = ROOT / "workflows" / "incident-kit-weekly.yml"
    data = _load(path)
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    [schedule] = triggers["schedule"]
    minute, hour, _, _, weekday = schedule["cron"].split()
    assert minute not in ("0", "00", "*") and hour.isdigit() and weekday != "*"  # weekly, off the hour
    assert "workflow_dispatch" in triggers
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"issues": "write", "contents": "write"}
    assert job["concurrency"] == {"group": "incident-kit-weekly", "cancel-in-progress": False}
    (step,) = job["steps"]
    assert step["uses"] == "incident-kit/incident-kit/actions/weekly@" + "0" * 40  # install --pin fills it in
    weekly = _load(ROOT / "actions" / "weekly" / "action.yml")
    run = next(s for s in weekly["runs"]["steps"] if s.get("id") == "run")
    assert run["env"]["INCIDENT_KIT_PART"] == "weekly"
    labels = _load(ROOT / "actions" / "labels" / "action.yml")
    assert weekly["inputs"].keys() == labels["inputs"].keys()
    assert [s.get("uses") for s in weekly["runs"]["steps"]] == [s.get("uses") for s in labels["runs"]["steps"]]


def test_action_files_are_generated_from_their_one_source() -> None:
    # Issue #11 item 5: the steps are written once (actions/generate.py) and every input and
    # output once (actions/source.toml); a hand edit of any action.yml makes this fail.
    done = subprocess.run(
        [sys.executable, str(ROOT / "actions" / "generate.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    generated = {p.relative_to(ROOT) for p in _generator().generated()}
    assert generated == {p.relative_to(ROOT) for p in ACTION_FILES}


def test_generator_check_names_a_hand_edited_file(tmp_path: Path) -> None:
    # The check above must be able to fail: a copy of the tree with one file edited by hand.
    gen = _generator()
    copy = tmp_path / "root"
    (copy / "actions").mkdir(parents=True)
    shutil.copy2(ROOT / "actions" / "generate.py", copy / "actions" / "generate.py")
    shutil.copy2(ROOT / "actions" / "source.toml", copy / "actions" / "source.toml")
    for path, text in gen.generated().items():
        target = copy / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace("INCIDENT_KIT_PART: video", "INCIDENT_KIT_PART: all"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(copy / "actions" / "generate.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "actions/video/action.yml differs" in done.stdout
    assert "actions/labels/action.yml" not in done.stdout


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_actions", ROOT / "actions" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
