"""``dev.py``, the README's first command: without a task it lists the tasks (it never starts the
minutes-long test task by accident), and CI names the task it runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_task_lists_the_tasks_and_sets_nothing_up(tmp_path: Path) -> None:
    shutil.copy(ROOT / "dev.py", tmp_path / "dev.py")  # a copy: its .venv would be made next to it
    for args, code in (([], 2), (["--help"], 0)):
        done = subprocess.run(
            [sys.executable, tmp_path / "dev.py", *args], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == code, done.stderr
        for task in ("demo", "test", "bench", "actions"):
            assert f"python3 dev.py {task}" in done.stdout
        assert "8 minutes" in done.stdout  # says what the test task costs before anyone starts it
    assert not (tmp_path / ".venv").exists()
    done = subprocess.run(
        [sys.executable, tmp_path / "dev.py", "tset"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2 and "no task 'tset'" in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_ci_runs_the_test_task_by_name() -> None:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert "python3 dev.py test" in lines
