"""The two runtime tiers of the action (issue #16): the real action.yml, the real setup/run.sh and
the real Python side, against the fake GitHub API.

Nothing here reaches PyPI. The event tier is a real venv made by ``python -m venv`` whose only
packages are the ones requirements/event.txt names (linked from this test environment), so an
import the event path needs and the lock lacks fails here as it would on a runner. The one
stand-in is uv (INCIDENT_KIT_UV, which run.sh documents for runners that have uv): it records its
arguments and "installs" a lock by linking the packages that lock names into ``--target``, or
fails as a download would. What it is given (hash-checked lock, target folder, no deps) is
asserted; the real install is measured by bench/bench_install.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from actionrunner import ActionResult, run_action
from fakegithub import FakeGitHub
from ghenv import REPO, TOKEN, team_repo
from helpers import VIDEO

from incident_kit.body import edits
from incident_kit.plan.status import MARKER

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("action.yml", "actions", "setup", "requirements", "src", "ISSUE_TEMPLATE", "workflows", "pyproject.toml")
LOCK_NAME = re.compile(r"^([A-Za-z0-9._-]+)==", re.MULTILINE)

FAKE_UV = r"""
import json, os, re, sys
from importlib import metadata
from pathlib import Path

args = sys.argv[1:]
with open(os.environ["FAKE_UV_RECORD"], "a") as record:
    record.write(json.dumps(args) + "\n")
lock = Path(args[args.index("-r") + 1])
if os.environ.get("FAKE_UV") == "fail":
    print("error: Request failed after 3 retries: Failed to fetch: https://pypi.org/simple/xhtml2pdf/", file=sys.stderr)
    sys.exit(2)
target = Path(args[args.index("--target") + 1])
target.mkdir(parents=True, exist_ok=True)
site = Path(os.environ["FAKE_UV_SITE"])
for name in re.findall(r"^([A-Za-z0-9._-]+)==", lock.read_text(), re.MULTILINE):
    try:
        files = metadata.distribution(name).files or []
    except metadata.PackageNotFoundError:
        print(f"error: no wheel for {name}", file=sys.stderr)
        sys.exit(1)
    for top in {f.parts[0] for f in files if f.parts[0] != ".."}:
        if not (target / top).exists():
            (target / top).symlink_to(site / top)
"""


def _top_levels(names: list[str]) -> set[str]:
    tops: set[str] = set()
    for name in names:
        files = metadata.distribution(name).files or []
        tops |= {f.parts[0] for f in files if f.parts[0] != ".."}
    return tops


def _lock_names(lock: str) -> list[str]:
    return LOCK_NAME.findall((ROOT / "requirements" / lock).read_text())


def _bash_out(script: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.fixture(scope="module")
def action_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the action with a stamped event tier holding exactly what event.txt names."""
    root = tmp_path_factory.mktemp("tiers") / "incident-kit"
    root.mkdir()
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".venv-action*"))
        else:
            shutil.copy2(ROOT / name, root / name)
    venv = root / ".venv-action"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)  # type: ignore[attr-defined]
    site = Path(sysconfig.get_paths()["purelib"])
    event_site = root.parent / "event-site"
    event_site.mkdir()
    for top in _top_levels(_lock_names("event.txt")):
        (event_site / top).symlink_to(site / top)
    purelib = next(venv.glob("lib/python3*/site-packages"))
    # The project as `uv pip install <root>` would put it: the copied source, not this checkout's.
    (purelib / "incident-kit-test.pth").write_text(f"{event_site}\n{root / 'src'}\n")
    # The stamp the cache-key step's fingerprint will match, as after an actions/cache hit.
    fingerprint = _bash_out('source setup/fingerprint.sh && ik_fingerprint "$PWD" "$(ik_find_python)"', root).strip()
    (venv / ".incident-kit-stamp").write_text(fingerprint + "\n")
    return root


@pytest.fixture()
def fresh_report_tier(action_root: Path) -> Iterator[Path]:
    report = action_root / ".venv-action-report"
    shutil.rmtree(report, ignore_errors=True)
    yield report
    shutil.rmtree(report, ignore_errors=True)


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with team_repo() as gh:
        yield gh


@pytest.fixture()
def fake_uv(tmp_path: Path) -> Path:
    script = tmp_path / "fake-uv"
    script.write_text(f"#!{sys.executable}\n{FAKE_UV}")
    script.chmod(0o755)
    return script


def _body(template: str) -> str:
    text = template.split("---\n", 2)[2]
    text = edits.answer(text, "50%", "y")
    text = edits.set_role(text, "Investigator", "alice")
    return edits.attach_video(text, VIDEO)


def _run(
    root: Path, fake: FakeGitHub, fake_uv: Path, tmp_path: Path, event_name: str, event: dict[str, object], **extra: str
) -> ActionResult:
    workspace = tmp_path / "ws"
    workspace.mkdir(parents=True, exist_ok=True)
    record = tmp_path / "uv-calls"
    env = {
        "INCIDENT_KIT_UV": str(fake_uv),
        "FAKE_UV_RECORD": str(record),
        "FAKE_UV_SITE": sysconfig.get_paths()["purelib"],
        **extra,
    }
    inputs = {"token": TOKEN}
    if event_name == "workflow_dispatch":
        inputs["issue-number"] = str(event.pop("number"))
    return run_action(
        root,
        inputs=inputs,
        env=env,
        workspace=workspace,
        event_name=event_name,
        event=event,
        github={"repository": REPO, "repository_owner": "octo", "api_url": fake.base_url, "token": TOKEN},
        timeout=180,
    )


def _uv_calls(tmp_path: Path) -> list[list[str]]:
    record = tmp_path / "uv-calls"
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def test_the_event_tier_is_lean_and_cannot_render(action_root: Path) -> None:
    # The venv the tests below run in really lacks the PDF stack and cryptography, so a run that
    # imported them on the event path would fail there.
    python = action_root / ".venv-action" / "bin" / "python"
    names = ("xhtml2pdf", "reportlab", "PIL", "lxml", "cryptography")
    probe = f"import importlib.util as u; print([m for m in {names!r} if u.find_spec(m)])"
    done = subprocess.run([str(python), "-I", "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"
    # The two locks never pin one package twice.
    assert not set(_lock_names("event.txt")) & set(_lock_names("report.txt"))
    assert "cryptography" not in _lock_names("event.txt")


def test_an_ordinary_edit_never_installs_the_report_tier(
    action_root: Path, fresh_report_tier: Path, fake: FakeGitHub, fake_uv: Path, template: str, tmp_path: Path
) -> None:
    n = fake.create_issue(REPO, "Checkout is down", _body(template), user="alice", labels=["incident"])["number"]
    result = _run(
        action_root,
        fake,
        fake_uv,
        tmp_path,
        "issues",
        {"action": "edited", "issue": {"number": n}, "sender": {"login": "alice"}},
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "using the environment in" in result.stdout  # the stamped event tier, nothing built
    assert result.step("report").outcome == "skipped"
    restore_pdf_tools = [s for s in result.steps if s.kind == "uses" and "report-path" in str(s.with_)]
    assert restore_pdf_tools == []  # the report tier's cache step was skipped before its with: was read
    assert [s.outcome for s in result.steps if s.name == "Restore incident-kit's PDF tools"] == ["skipped"]
    assert _uv_calls(tmp_path) == [] and not fresh_report_tier.exists()
    assert result.outputs["decision"] == "incident" and result.outputs["pdf-path"] == ""
    assert [c["body"].startswith(MARKER) for c in fake.comments(REPO, n)] == [True]


def test_a_report_run_installs_the_report_tier_and_commits_the_pdf(
    action_root: Path, fresh_report_tier: Path, fake: FakeGitHub, fake_uv: Path, template: str, tmp_path: Path
) -> None:
    import io

    from pypdf import PdfReader

    n = fake.create_issue(REPO, "Checkout is down", _body(template), user="alice", labels=["incident"])["number"]
    result = _run(action_root, fake, fake_uv, tmp_path, "workflow_dispatch", {"number": n})
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.step("run").outputs["report-due"] == "true"
    assert result.step("report").outcome == "success"
    calls = _uv_calls(tmp_path)
    locks = [call[call.index("-r") + 1] for call in calls]
    assert [Path(lock).name for lock in locks] == ["report.txt", "accel.txt"]
    for call in calls:
        assert {"--require-hashes", "--no-deps", "--compile-bytecode"} <= set(call)
        assert Path(call[call.index("--target") + 1]) == fresh_report_tier
        assert Path(call[call.index("--python") + 1]).parent.parent == action_root / ".venv-action"
    assert (fresh_report_tier / ".incident-kit-stamp").read_text() == (
        action_root / ".venv-action" / ".incident-kit-stamp"
    ).read_text()

    path = result.outputs["pdf-path"]
    assert path.endswith(".pdf")
    pdf = fake.file(REPO, path)
    assert pdf is not None and pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Checkout is down" in text
    comment = fake.comments(REPO, n)[0]["body"]
    assert comment.startswith(MARKER) and "Incident report (PDF):" in comment
    assert "report step installs the PDF tools" not in comment  # the deferral note was replaced

    # A later run on a new runner, both tiers restored from their caches, the event tier's entry
    # saved by a run that rendered no report (no .pth): the report step finds the tier stamped,
    # installs nothing, and puts it back on the path. A new comment makes a new report due.
    fake.add_comment(REPO, n, "Root cause: the payment provider's TLS certificate expired.", user="bob")
    pth = next((action_root / ".venv-action").glob("lib/python3*/site-packages/incident-kit-report-tier.pth"))
    assert pth.read_text().strip() == str(fresh_report_tier)
    pth.unlink()
    again = _run(action_root, fake, fake_uv, tmp_path / "again", "workflow_dispatch", {"number": n})
    assert again.exit_code == 0, again.stdout + again.stderr
    assert again.step("run").outputs["report-due"] == "true"
    assert "using the PDF tools in" in again.step("report").stdout
    assert _uv_calls(tmp_path / "again") == []
    assert pth.exists()
    assert len([c for c in fake.commits(REPO) if c["path"] == path]) == 2
    assert b"payment provider" in b"".join(
        page.extract_text().encode() for page in PdfReader(io.BytesIO(fake.file(REPO, path) or b"")).pages
    )

    # With the tier on the path, the event step renders a new report itself: no report step.
    fake.add_comment(REPO, n, "Renewed the certificate; alerts added.", user="bob")
    third = _run(action_root, fake, fake_uv, tmp_path / "third", "workflow_dispatch", {"number": n})
    assert third.exit_code == 0, third.stdout + third.stderr
    assert third.step("run").outputs["report-due"] == ""
    assert third.step("report").outcome == "skipped"
    assert len([c for c in fake.commits(REPO) if c["path"] == path]) == 3


def test_a_failed_report_install_keeps_the_event_work_and_fails_that_step(
    action_root: Path, fresh_report_tier: Path, fake: FakeGitHub, fake_uv: Path, template: str, tmp_path: Path
) -> None:
    n = fake.create_issue(REPO, "Checkout is down", _body(template), user="alice", labels=[])["number"]
    result = _run(action_root, fake, fake_uv, tmp_path, "workflow_dispatch", {"number": n}, FAKE_UV="fail")
    assert result.exit_code != 0
    assert result.step("run").outcome == "success"
    assert result.step("report").outcome == "failure"
    # One setup error, besides the issue's own findings (a missing role) from the event step.
    errors = [a for a in result.annotations if a.command == "error" and "setup" in a.properties.get("title", "")]
    errors += [
        a for a in result.annotations if a.command == "error" and a.properties.get("title") == "incident-kit report"
    ]
    assert [e.properties.get("title") for e in errors] == ["incident-kit report"]
    assert "could not install requirements/report.txt" in errors[0].message
    assert "labels and status comment were updated" in errors[0].message
    assert "Failed to fetch" in result.stdout + result.stderr  # uv's own reason stays in the log
    # The event work is done: the triage label, the status comment saying the report is pending.
    assert "incident" in fake.label_names(REPO, n)
    comments = fake.comments(REPO, n)
    assert len(comments) == 1 and comments[0]["body"].startswith(MARKER)
    assert "report step installs the PDF tools" in comments[0]["body"]
    assert not [c for c in fake.commits(REPO) if str(c["path"]).endswith(".pdf")]
    assert not (fresh_report_tier / ".incident-kit-stamp").exists()  # a broken tier is not reused
