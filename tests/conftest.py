"""Shared test set-up: the import path for test helpers, the shipped template, ../shared, hypothesis profiles.

Property tests are derandomised by default (profile "ci": a fixed seed per test, no example
database), so the suite gives the same answer on every machine and a failing example saved in
.hypothesis/ by one unlucky run cannot make it fail for good. To hunt for new examples by hand:

    HYPOTHESIS_PROFILE=random .venv/bin/python -m pytest tests/test_block_structure.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("random", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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
