"""The report's limits (pure): what the PDF engine is given, bounded before it sees it.

The engine's time and size grow with what the issue holds, and anyone who can comment writes
there: a 12,000-row table took 410 s (its cost grows with the square of the rows), one image
placed 900 times took 349 s and 562 MB, and one 65,000-character URL made a 49 MB PDF (the
link is repeated for every wrapped line). So before rendering, :func:`prepare` caps table
rows, image placements, link lengths and the comments' total size, and says in the report
what it cut. When even the prepared report cannot be rendered within the time limit,
:func:`shortened` gives a much smaller one (the body as plain text, no comments) that says so.
The time limit itself is kept by the shell (:mod:`incident_kit.apply.render_job`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from incident_kit.render.pdf import ReportComment, ReportInput

MAX_TABLE_ROWS = 300  # in the whole report
MAX_IMAGES = 30  # image placements in the whole report
MAX_URL = 2_000  # characters of one link (browsers and GitHub keep far shorter ones)
MAX_COMMENTS_CHARS = 300_000  # the comments' total text; the body is at most 65,536 already
SHORT_BODY_CHARS = 20_000

_DELIMITER_ROW = re.compile(r"^\s*(?:>\s*)*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)|!\[[^\]\n]*\]\[[^\]\n]*\]|<img\b[^>]*>", re.I)
_LONG_URL = re.compile(r"(?:https?|ftp)://[^\s<>()\[\]\"']{" + str(MAX_URL) + ",}", re.I)


class _Counter:
    def __init__(self) -> None:
        self.rows = 0
        self.rows_cut = 0
        self.images = 0
        self.images_cut = 0
        self.links_cut = 0


def _tables(text: str, count: _Counter) -> str:
    lines = text.split("\n")
    out: list[str] = []
    in_table = False
    cut_here = 0
    for line in lines:
        if in_table and "|" in line and line.strip():
            if count.rows < MAX_TABLE_ROWS:
                count.rows += 1
                out.append(line)
            else:
                count.rows_cut += 1
                cut_here += 1
            continue
        if in_table and cut_here:
            out.append("")
            out.append(f"_({cut_here} table rows cut by incident-kit: a report holds at most {MAX_TABLE_ROWS}.)_")
            out.append("")
        in_table, cut_here = False, 0
        if _DELIMITER_ROW.match(line) and "-" in line and out and "|" in out[-1]:
            in_table = True
        out.append(line)
    if in_table and cut_here:
        out += ["", f"_({cut_here} table rows cut by incident-kit: a report holds at most {MAX_TABLE_ROWS}.)_"]
    return "\n".join(out)


def _images(text: str, count: _Counter) -> str:
    def one(m: re.Match[str]) -> str:
        if count.images < MAX_IMAGES:
            count.images += 1
            return m.group(0)
        count.images_cut += 1
        return "[image cut by incident-kit]"

    return _IMAGE.sub(one, text)


def _links(text: str, count: _Counter) -> str:
    def one(m: re.Match[str]) -> str:
        count.links_cut += 1
        url = m.group(0)
        return f"{url[:60]}… (link of {len(url):,} characters cut by incident-kit)"

    return _LONG_URL.sub(one, text)


def _bounded(text: str, count: _Counter) -> str:
    return _tables(_images(_links(text, count), count), count)


def prepare(inp: ReportInput) -> tuple[ReportInput, list[str]]:
    """The report input within the limits, and a sentence per kind of cut (also written into the report)."""
    count = _Counter()
    body = _bounded(inp.body, count)
    comments: list[ReportComment] = []
    total, dropped = 0, 0
    for c in inp.comments:
        if total + len(c.body) > MAX_COMMENTS_CHARS:
            dropped += 1
            continue
        total += len(c.body)
        comments.append(replace(c, body=_bounded(c.body, count)))
    cuts: list[str] = []
    if count.rows_cut:
        cuts.append(f"{count.rows_cut} table rows (a report holds at most {MAX_TABLE_ROWS})")
    if count.images_cut:
        cuts.append(f"{count.images_cut} image placements (at most {MAX_IMAGES})")
    if count.links_cut:
        cuts.append(f"{count.links_cut} links longer than {MAX_URL:,} characters")
    if dropped:
        cuts.append(f"{dropped} comments past {MAX_COMMENTS_CHARS:,} characters of comments")
    if cuts:
        body += "\n\n---\n\n_incident-kit cut from this report: " + "; ".join(cuts) + "._\n"
    return replace(inp, body=body, comments=tuple(comments)), cuts


def shortened(inp: ReportInput, why: str) -> ReportInput:
    """A much smaller report that says what was cut: the body as plain text, no comments, no images."""
    text = inp.body.replace("\r\n", "\n")
    cut = len(text) > SHORT_BODY_CHARS
    text = _LONG_URL.sub(lambda m: m.group(0)[:60] + "…", text[:SHORT_BODY_CHARS])
    fence = "~" * max(4, 1 + max((len(m) for m in re.findall(r"~+", text)), default=0))
    note = (
        f"**This is a shortened report.** {why} It holds the issue body as plain text"
        + (f" (its first {SHORT_BODY_CHARS:,} characters)" if cut else "")
        + f"; the {len(inp.comments)} comment(s) and all images are left out. The issue itself has everything: "
        + inp.url
    )
    return replace(inp, body=f"{note}\n\n{fence}\n{text}\n{fence}\n", comments=())
