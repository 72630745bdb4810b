"""Shared test set-up: the import path for test helpers, the shipped template, ../shared."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SHARED = ROOT.parent / "shared"

# Test helpers (the fake GitHub API, body builders) are imported as top-level modules.
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session")
def template() -> str:
    return (ROOT / "ISSUE_TEMPLATE" / "incident.md").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def original_template() -> str:
    path = SHARED / "seed" / "incident-issue-template.md"
    if not path.exists():
        pytest.skip("../shared is not present")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
