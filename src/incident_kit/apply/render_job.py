"""Rendering the PDF report within a time limit far below the job's, in a child process.

The engine (xhtml2pdf on reportlab) cannot be interrupted from inside, so the render runs in a
separate process that is killed at the deadline: a report that cannot be laid out in time
costs :data:`RENDER_SECONDS`, never the run. The input is first bounded by
:func:`incident_kit.render.limits.prepare`; when that still does not render in time, a shortened
report (:func:`incident_kit.render.limits.shortened`) that says what was cut is rendered instead.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from incident_kit.render.pdf import ReportInput

RENDER_SECONDS = 90.0  # per attempt; the job's own timeout is 10 minutes, and labels come first


@dataclass(frozen=True)
class Rendered:
    pdf: bytes | None  # None: not even the shortened report could be rendered in time
    cuts: tuple[str, ...]  # what the limits cut, as phrases
    shortened: bool = False
    problem: str = ""


def _render(inp: ReportInput, images: Mapping[str, bytes] | None, seconds: float) -> bytes | str:
    """Render in ``python -I -m incident_kit.apply.render_job`` (isolated: nothing from the working
    directory is imported), the input pickled on stdin by this very process, the PDF on stdout."""
    payload = pickle.dumps((inp, dict(images or {})))
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell, no issue text
            [sys.executable, "-I", "-m", "incident_kit.apply.render_job"],
            input=payload,
            capture_output=True,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() kills the child before raising
        return f"it did not finish within {seconds:g} seconds"
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no error text"]
        return f"the renderer stopped (exit code {done.returncode}: {last[0][:300]})"
    return done.stdout


def _child() -> None:
    from incident_kit.render.pdf import render_pdf

    inp, images = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - written by the parent process above
    sys.stdout.buffer.write(render_pdf(inp, images))
    sys.stdout.buffer.flush()


def render_bounded(
    inp: ReportInput, images: Mapping[str, bytes] | None = None, seconds: float | None = None
) -> Rendered:
    from incident_kit.render.limits import prepare, shortened

    limit = RENDER_SECONDS if seconds is None else seconds
    bounded, cuts = prepare(inp)
    first = _render(bounded, images, limit)
    if isinstance(first, bytes):
        return Rendered(first, tuple(cuts))
    why = f"The full report could not be rendered ({first})."
    second = _render(shortened(bounded, why), None, limit)
    if isinstance(second, bytes):
        return Rendered(second, tuple(cuts), shortened=True, problem=first)
    return Rendered(None, tuple(cuts), shortened=True, problem=f"{first}; the shortened report: {second}")


if __name__ == "__main__":
    _child()
