"""The report's cost paths (issue #16): one layout pass, and reportlab's C accelerator.

- "page N of M" on every page, M the real page count, read back from the PDF: drawn by the
  canvas when the PDF is saved rather than by ``<pdf:pagecount>``, which made reportlab lay the
  whole story out twice;
- with ``_rl_accel`` (requirements/accel.txt) and without it (reportlab's pure-Python fallback,
  what a runner without a wheel gets) the PDF is the same bytes.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("xhtml2pdf")
from pypdf import PdfReader  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_report  # noqa: E402  # the benchmark's realistic incident: Japanese, tables, code

TEMPLATE = ROOT / "src" / "incident_kit" / "render" / "templates" / "report.html.j2"


def _render(spec: dict[str, object], tmp_path: Path, prelude: str = "") -> bytes:
    spec_path, out = tmp_path / "spec.json", tmp_path / f"out-{len(prelude)}.pdf"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    code = prelude + bench_report.CHILD + "\nprint('ACCEL=' + str(type(sys.modules.get('_rl_accel')).__name__))\n"
    done = subprocess.run(
        [sys.executable, "-c", code, str(spec_path), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert done.returncode == 0, done.stderr
    return out.read_bytes() + b"\n%" + done.stdout.strip().encode()


def test_every_page_says_page_n_of_the_real_count(tmp_path: Path) -> None:
    assert "<pdf:pagecount" not in TEMPLATE.read_text(encoding="utf-8")
    data, _, _ = _render(bench_report.spec(30), tmp_path).rpartition(b"\n%")
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) > 3
    for number, page in enumerate(pages, 1):
        text = page.extract_text()
        footer = f"incident-kit report · acme/shop#4242 · as of 2026-11-21 18:30 UTC · page {number} of {len(pages)}"
        # The footer comes first on its page, where the footer frame used to paint it.
        assert text.startswith(footer), text[:200]


@pytest.mark.skipif(importlib.util.find_spec("_rl_accel") is None, reason="rl-accel has no wheel here")
def test_the_accelerator_changes_no_byte(tmp_path: Path) -> None:
    spec = bench_report.spec(20)
    with_accel, _, used = _render(spec, tmp_path).rpartition(b"\n%")
    without, _, unused = _render(spec, tmp_path, "import sys; sys.modules['_rl_accel'] = None\n").rpartition(b"\n%")
    assert used == b"ACCEL=module" and unused == b"ACCEL=NoneType"
    assert with_accel == without
