"""Rendering the PDF report within a time limit far below the job's, in a child process.

The engine (xhtml2pdf on reportlab) cannot be interrupted from inside, so the render runs in a
separate process that is killed at the deadline: a report that cannot be laid out in time
costs :data:`RENDER_SECONDS`, never the run. The input is first bounded by
:func:`incident_kit.render.limits.prepare`; when that still does not render in time, a shortened
report (:func:`incident_kit.render.limits.shortened`) that says what was cut is rendered instead.
"""

from __future__ import annotations

import multiprocessing
import queue
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


def _child(inp: ReportInput, images: Mapping[str, bytes] | None, out: multiprocessing.Queue[bytes | str]) -> None:
    try:
        from incident_kit.render.pdf import render_pdf

        out.put(render_pdf(inp, images))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as text
        out.put(f"{type(exc).__name__}: {exc}")


def _render(inp: ReportInput, images: Mapping[str, bytes] | None, seconds: float) -> bytes | str:
    # spawn, not fork: the run has threads (HTTP pools) a forked child could deadlock on.
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[bytes | str] = ctx.Queue()
    child = ctx.Process(target=_child, args=(inp, dict(images or {}), out), daemon=True)
    child.start()
    try:
        result: bytes | str = out.get(timeout=seconds)
    except queue.Empty:
        result = f"it did not finish within {seconds:g} seconds"
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        out.close()
    return result


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
