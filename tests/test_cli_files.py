"""Every file argument of every command, given what people really type: a clear line, exit 2, no traceback.

A missing folder, a folder, an unreadable file, a binary file, a file not in UTF-8; ``--out``
into a missing folder or onto a folder; ``demo --out`` onto a file or a folder the demo did not
make (nothing deleted without ``--force``); a damaged sandbox for ``weekly --local``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import run_cli as run

ROOT = Path(__file__).resolve().parents[1]


def refused(res: subprocess.CompletedProcess[str], *words: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    assert res.stderr.startswith("incident-kit: ") and len(res.stderr.strip().splitlines()) == 1, res.stderr
    for word in words:
        assert word in res.stderr, res.stderr


@pytest.fixture
def files(tmp_path: Path, template: str) -> dict[str, Path]:
    body = tmp_path / "issue.md"
    body.write_text(template, encoding="utf-8")
    binary = tmp_path / "video.mp4"
    binary.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)))
    latin = tmp_path / "latin1.md"
    latin.write_bytes("# Incident: café down\n".encode("latin-1"))
    (tmp_path / "folder").mkdir()
    return {"body": body, "binary": binary, "latin": latin, "folder": tmp_path / "folder"}


# (command prefix, the argument under test, what it is called in the message). The body is positional.
BODY_COMMANDS = [("check",), ("invite",), ("report",)]


@pytest.mark.parametrize("command", BODY_COMMANDS, ids=lambda c: c[0])
def test_body_argument(command: tuple[str, ...], files: dict[str, Path], tmp_path: Path) -> None:
    cases = {
        str(tmp_path / "no-folder" / "issue.md"): ("no such file", "no folder"),
        str(tmp_path / "missing.md"): ("no such file", "markdown file"),
        str(files["folder"]): ("is a folder",),
        str(files["binary"]): ("binary file",),
        str(files["latin"]): ("not UTF-8", "save it as UTF-8"),
    }
    for name, words in cases.items():
        refused(run(*command, name, cwd=tmp_path), name, *words)


def test_unreadable_body(files: dict[str, Path], tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    files["body"].chmod(0)
    try:
        refused(run("check", str(files["body"]), cwd=tmp_path), "cannot read", "Permission denied")
    finally:
        files["body"].chmod(0o644)


@pytest.mark.parametrize("command", ["check", "invite", "report", "weekly"])
def test_config_argument(command: str, files: dict[str, Path], tmp_path: Path) -> None:
    body = [] if command == "weekly" else [str(files["body"])]
    local = ["--local", str(tmp_path)] if command == "weekly" else []
    (tmp_path / "repo.json").write_text(json.dumps(_sandbox()))
    for config, word in (
        (tmp_path / "no-folder" / "x.yml", "no such file"),
        (files["folder"], "cannot be read"),
        (files["binary"], "UTF-8"),
    ):
        refused(run(command, *body, *local, "--config", str(config), cwd=tmp_path), str(config), word)


def test_comments_argument(files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "comments.json"
    bad.write_text("[{]")
    for name, word in (
        (tmp_path / "no-folder" / "c.json", "no such file"),
        (files["folder"], "is a folder"),
        (files["binary"], "binary file"),
        (bad, "not JSON"),
    ):
        refused(run("report", str(files["body"]), "--comments", str(name), cwd=tmp_path), str(name), word)


@pytest.mark.parametrize("command", ["invite", "report"])
def test_out_argument(command: str, files: dict[str, Path], tmp_path: Path) -> None:
    for out, word in (
        (tmp_path / "no-folder" / "x.out", "create it first"),
        (files["folder"], "is a folder"),
    ):
        refused(run(command, str(files["body"]), "--out", str(out), cwd=tmp_path), str(out), word)
    assert list(files["folder"].iterdir()) == []


def test_demo_never_deletes_what_it_did_not_write(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("mine")
    refused(run("demo", "--out", str(afile), cwd=tmp_path), "is a file")
    assert afile.read_text() == "mine"
    theirs = tmp_path / "work"
    (theirs / "repo").mkdir(parents=True)
    (theirs / "repo" / "main.py").write_text("print('my code')\n")
    refused(run("demo", "--out", str(theirs), cwd=tmp_path), "--force", "no earlier demo wrote")
    assert (theirs / "repo" / "main.py").read_text() == "print('my code')\n"
    # With --force it writes there (replacing repo/); after that the folder is an earlier demo's
    # output, which the next demo replaces without being asked.
    forced = run("demo", "--out", str(theirs), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert not (theirs / "repo" / "main.py").exists()
    again = run("demo", "--out", str(theirs), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == forced.stdout


def _sandbox() -> dict[str, object]:
    return {
        "full_name": "local/x",
        "default_branch": "main",
        "issues": {},
        "comments": [],
        "labels": {},
        "permissions": {},
        "files": {"main": {}},
        "commits": [],
        "next_comment_id": 1,
    }


def test_weekly_local_on_a_damaged_sandbox(tmp_path: Path) -> None:
    sandbox = tmp_path / "repo.json"
    issue = {"number": 1, "title": "x", "state": "open", "labels": ["incident"]}  # no body, no dates
    for damage, word in (
        ("{not json", "repo.json"),
        ("[]", "not a JSON object"),
        (json.dumps({**_sandbox(), "issues": []}), "no valid issues"),
        (json.dumps({**_sandbox(), "issues": {"1": issue}}), "damaged"),
    ):
        sandbox.write_text(damage)
        refused(run("weekly", "--local", str(tmp_path), "--dry-run", cwd=tmp_path), "damaged", word, "--force")
    sandbox.write_text(json.dumps(_sandbox()))
    res = run("weekly", "--local", str(tmp_path), "--dry-run", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
