"""The incident's PDF report: markdown to safe HTML, the report template, the PDF, and its path.

This module owns turning a :class:`ReportInput` (plain data the runtime read from
GitHub) into HTML and PDF bytes, and naming the file the PDF is committed to. It
does no GitHub I/O and reads no file but the fonts shipped beside it
(``fonts/``): images arrive as bytes the caller fetched itself, from GitHub's
hosts and within limits (``attachments.py``), and the PDF engine is shut off from
every path and URL, so nothing an issue names is ever read or fetched here.

The pipeline, and why each step is there:

1. markdown goes through GitHub's own renderer (cmark-gfm via ``cmarkgfm``), so
   lists, task items and tables come out as they do on GitHub;
2. the HTML is sanitized with ``nh3`` on an allowlist: no scripts, styles,
   classes, ``<link>``, ``pdf:`` tags or relative URLs survive, and no image
   survives except the ones the caller supplied, re-inserted afterwards as
   ``data:`` URIs this module builds itself;
3. a jinja2 template (autoescaped; issue text is data, never template source)
   lays out the report;
4. xhtml2pdf draws it with fonts shipped in the package (DejaVu Sans, IPAexGothic),
   registered with reportlab once at import, under a resource policy that names
   no directory and no host, and a ``link_callback`` that refuses everything but
   this render's own images.

The first text drawn registers the fonts with reportlab (and tells xhtml2pdf
their family names) and pins two reportlab safety settings (see
``_harden_reportlab``); importing the module has no side effect and needs no PDF
stack, so the planner can use its data types in the action's event tier. reportlab's repeatable-output
mode is switched on for the duration of a render only.
"""

from __future__ import annotations

import base64
import functools
import gc
import html
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from incident_kit.basics.attachment_urls import is_attachment_image, is_attachment_video
from incident_kit.basics.roles import ROLE_ORDER
from incident_kit.basics.times import format_utc, to_utc

FONTS_DIR = Path(__file__).resolve().parent / "fonts"

# reportlab font name -> file in FONTS_DIR. The names are namespaced so that no
# other user of reportlab in the process can register a different file under them.
_FACES: dict[str, str] = {
    "incident-kit-DejaVuSans": "DejaVuSans.ttf",
    "incident-kit-DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "incident-kit-DejaVuSansMono": "DejaVuSansMono.ttf",
    "incident-kit-IPAexGothic": "ipaexg.ttf",
}
# CSS family -> (regular face, bold face). IPAexGothic and DejaVu Sans Mono ship
# no bold: bold text in them is drawn with the regular face rather than falling
# back to a base-14 font that has no Japanese and no ☐/☑.
_FAMILIES: dict[str, tuple[str, str]] = {
    "ik-sans": ("incident-kit-DejaVuSans", "incident-kit-DejaVuSans-Bold"),
    "ik-mono": ("incident-kit-DejaVuSansMono", "incident-kit-DejaVuSansMono"),
    "ik-gothic": ("incident-kit-IPAexGothic", "incident-kit-IPAexGothic"),
}

# Page geometry (A4, points) shared by the template's CSS and the image sizing.
_CONTENT_WIDTH_PT = 595.0 - 2 * 45.0
_MAX_IMAGE_WIDTH_PT = _CONTENT_WIDTH_PT - 20.0
_MAX_IMAGE_HEIGHT_PT = 380.0
_MAX_IMAGE_PIXELS = 25_000_000  # what xhtml2pdf's server policy allows; larger ones are links
# Block nesting deeper than this is flattened: a list nested 40 deep would be
# indented off the page, and xhtml2pdf refuses documents nested 200 deep.
_MAX_DEPTH = 12


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class ReportComment:
    author: str
    created_at: datetime
    body: str  # markdown


@dataclass(frozen=True)
class ReportInput:
    repository: str
    number: int
    title: str
    url: str
    state: str
    labels: tuple[str, ...]
    decision: str
    phase: str
    roles: dict[str, tuple[str, ...]]  # "investigator"/"communicator"/"recorder" -> handles
    created_at: datetime
    resolved_at: datetime | None
    generated_at: datetime  # the newest change it shows (plan/report_due.as_of), not the clock: bytes repeat
    body: str  # the issue body, markdown as GitHub stores it (may be CRLF)
    comments: tuple[ReportComment, ...]
    timeline: tuple[tuple[str, str, str], ...] = ()  # (UTC time text, what happened, "bot"|"person")
    figures: tuple[tuple[str, str], ...] = ()  # (label, value), e.g. ("Time to first aid", "49 min")
    # The postmortem roles (label, who: "@alice", "@alice (the Facilitator)", "" when nobody yet).
    meeting_roles: tuple[tuple[str, str], ...] = ()


def tools_installed() -> bool:
    """Whether the PDF stack can be imported. The action's event tier leaves it out (issue #16):
    a run that finds it missing defers the report to the action's report step, which installs it."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("xhtml2pdf", "reportlab"))


# --------------------------------------------------------------------------- reportlab set-up


def _harden_reportlab() -> None:
    """Pin the reportlab settings the report's safety depends on.

    reportlab reads ``RL_*`` environment variables into ``rl_config`` at import and
    again on ``rl_config._reset()``. ``RL_toColorCanUse=rl_safe_eval`` re-opens the
    color expression evaluator behind CVE-2023-33733; None turns every eval path
    off (plain CSS colors and names still parse). ``trustedHosts`` None means
    reportlab itself opens no URL (``RL_trustedHosts`` could name some). Called at
    import and before every render, so a reset in between cannot undo it.
    """
    from reportlab import rl_config  # type: ignore[import-untyped]  # no stubs or py.typed

    rl_config.toColorCanUse = None
    rl_config.trustedHosts = None


@contextmanager
def _invariant() -> Iterator[None]:
    """reportlab's repeatable-output mode for one render: a fixed creation date and document id.

    Scoped to the render, so other PDFs the process makes keep their real dates.
    """
    from reportlab import rl_config

    previous = rl_config.invariant
    rl_config.invariant = 1
    try:
        yield
    finally:
        rl_config.invariant = previous


def _register_fonts() -> frozenset[int]:
    """Register the shipped faces with reportlab; return every code point they can draw.

    Registered with reportlab directly rather than through ``@font-face``: xhtml2pdf
    would read the font files through its resource policy, which must then allow a
    directory, and it skips a refused font without failing the render. Registered
    here, the policy can deny every local read. xhtml2pdf learns the family names
    through ``DEFAULT_FONT``, the table each document's font list starts from.
    """
    from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]  # no stubs or py.typed
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]  # no stubs or py.typed
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]  # no stubs or py.typed
    from xhtml2pdf import default as xhtml2pdf_default  # type: ignore[import-untyped]  # no stubs or py.typed

    registered = set(pdfmetrics.getRegisteredFontNames())
    cmaps: dict[str, frozenset[int]] = {}
    for name, file in _FACES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / file)))
        cmaps[name] = frozenset(pdfmetrics.getFont(name).face.charToGlyph)
    for family, (regular, bold) in _FAMILIES.items():
        # In this order so that the reverse map (face -> bold?, italic?) ends on the
        # plain entry: xhtml2pdf reads it back and would otherwise take the regular
        # face of a one-face family for bold italic.
        addMapping(regular, 1, 1, bold)
        addMapping(regular, 0, 1, regular)
        addMapping(regular, 1, 0, bold)
        addMapping(regular, 0, 0, regular)
        xhtml2pdf_default.DEFAULT_FONT[family] = regular
    # A character is drawable when the text face chain has it in regular and bold
    # (DejaVu Sans) or in IPAexGothic, which draws both weights; code falls back
    # from the mono face to the same chain.
    sans, sans_bold = cmaps["incident-kit-DejaVuSans"], cmaps["incident-kit-DejaVuSans-Bold"]
    return (sans & sans_bold) | cmaps["incident-kit-IPAexGothic"]


@functools.cache
def _drawable_points() -> frozenset[int]:
    """The fonts, registered on first use rather than at import: the planner imports this module
    for ReportInput and report_path in runs that have no PDF stack installed (issue #16)."""
    _harden_reportlab()
    return _register_fonts()


# --------------------------------------------------------------------------- text


# C0/C1 controls other than tab and newline, and lone surrogates (which cannot be
# encoded to UTF-8 at all): neither belongs in a report, and cmark refuses the latter.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Emoji presentation selectors, the zero-width joiner, keycap and skin-tone
# modifiers only shape an emoji; once the emoji is a name they mean nothing.
_SHAPING = frozenset([0xFE0E, 0xFE0F, 0x200D, 0x20E3, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)])


def _clean_text(text: str) -> str:
    """Text as the renderer can take it: LF line ends, NFC, no control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _BAD_CHARS.sub("\ufffd", text))


def _char_name(char: str) -> str:
    """What stands in for a character no shipped font can draw: ':fire:' for 🔥."""
    if ord(char) in _SHAPING:
        return ""
    name = unicodedata.name(char, "")
    if not name:
        return f"[U+{ord(char):04X}]"
    return ":" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") + ":"


def _drawable(text: str) -> str:
    """``text`` with every character the fonts lack replaced by its name.

    Without this an emoji would come out as the font's missing-glyph box, which
    in IPAexGothic looks like a ticked box. Whitespace is left alone.
    """
    missing = {c for c in set(text) if ord(c) not in _drawable_points() and not c.isspace()}
    if not missing:
        return text
    return text.translate({ord(c): _char_name(c) for c in missing})


# --------------------------------------------------------------------------- markdown


_TAGS = frozenset(
    {
        *("p", "br", "hr", "div", "span", "blockquote", "details", "summary", "pre", "code"),
        *("h1", "h2", "h3", "h4", "h5", "h6"),
        *("strong", "b", "em", "i", "del", "s", "strike", "ins", "u", "sub", "sup", "mark", "small"),
        *("kbd", "samp", "var", "tt", "abbr", "cite", "q"),
        *("ul", "ol", "li", "dl", "dt", "dd"),
        *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
        *("a", "img", "video"),  # rewritten after sanitizing: see _finish
    }
)
# Their content goes too: it is code or styling, not text anyone wrote for a reader.
_DROP_WITH_CONTENT = frozenset(
    ["script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math", "textarea", "title"]
)
# "*" empty: ammonia would otherwise keep lang and title on every tag.
_ATTRIBUTES: dict[str, set[str]] = {"*": set(), "a": {"href"}, "img": {"src", "alt"}, "video": {"src"}, "ol": {"start"}}
_ALIGN = {"th": {"align": {"left", "center", "right"}}, "td": {"align": {"left", "center", "right"}}}

# cmark-gfm's tasklist extension writes exactly these two forms; a raw <input> an
# author typed is not matched and is dropped by the sanitizer like any input.
_TASK_BOX = re.compile(r'<input type="checkbox"( checked="")? disabled="" />')
# The item's own text after its box: up to its end, a nested list or the next line.
_TASK_TEXT = re.compile(r"[^\n]*?(?=</li>|<ul|<ol|\n|$)")
PRIVATE_BOX = "(private: not shown)"
# Tags in nh3's output: it re-serializes a parsed tree, so attributes are always
# double-quoted with '"' escaped, and '>' cannot end a tag inside a value.
_ATTR = r'\s+[a-z-]+(?:="[^"]*")?'
_IMG = re.compile(rf"<img((?:{_ATTR})*)\s*/?>")
_LINK = re.compile(rf"<a((?:{_ATTR})*)\s*>(.*?)</a>", re.S)
_VIDEO = re.compile(rf"<video((?:{_ATTR})*)\s*>(.*?)</video>", re.S)
_ATTR_PAIR = re.compile(r'([a-z-]+)="([^"]*)"')
_TAG = re.compile(r"<(/?)([a-z0-9]+)\b[^>]*>")
# What nests blocks (and indents them), and what only lives inside one of those.
_VOID = frozenset({"br", "hr", "img", "wbr", "col"})
_CONTAINERS = frozenset({"ul", "ol", "dl", "table", "blockquote", "div", "details", "pre"})
_CONTAINED = frozenset({"li", "dt", "dd", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "summary"})
# nh3 strips every comment, so a comment in the finished HTML is one of these.
_PLACEHOLDER = re.compile(r"<!--ik-image (\d+)-->")
_TASK_ITEM = re.compile(r"<li>(\s*<p>)?([\u2610\u2611] |\(private: not shown\) )")


def _attrs(raw: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in _ATTR_PAIR.findall(raw)}


def _ol_start(tag: str, attr: str, value: str) -> str | None:
    if tag == "ol" and attr == "start":
        return value if value.isdigit() and len(value) <= 6 else None
    return value


def _sanitize(raw_html: str) -> str:
    import nh3

    return nh3.clean(
        raw_html,
        tags=set(_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes=_ATTRIBUTES,
        tag_attribute_values=_ALIGN,
        attribute_filter=_ol_start,
        url_schemes={"http", "https", "mailto"},  # no data:, file:, javascript:
        url_relative="deny",  # /etc/passwd, ../x, #anchor: a path is never a resource
        link_rel=None,
        strip_comments=True,
    )


def _task_box(m: re.Match[str]) -> str:
    """☑ or ☐; for a box about psychological safety neither: whether it was ticked is never shown,
    here as everywhere the bot writes (body.checklist.is_private), and the PDF goes to stakeholders."""
    from incident_kit.body.checklist import is_private

    text = _TASK_TEXT.match(m.string, m.end())
    if text is not None and is_private(html.unescape(re.sub(r"<[^>]*>", "", text.group(0)))):
        return f"{PRIVATE_BOX} "
    return "\u2611 " if m.group(1) else "\u2610 "


def _markdown_html(markdown: str) -> str:
    """GitHub-flavoured markdown to sanitized HTML, task boxes as ☐/☑, images still <img>."""
    import cmarkgfm  # type: ignore[import-untyped]  # no stubs or py.typed
    from cmarkgfm.cmark import Options  # type: ignore[import-untyped]  # no stubs or py.typed

    # UNSAFE keeps raw HTML (GitHub's uploader writes images as <img>) for nh3 to
    # judge; HARDBREAKS because GitHub renders a newline in an issue or comment as
    # a line break; FOOTNOTES because GitHub renders them.
    options = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_HARDBREAKS | Options.CMARK_OPT_FOOTNOTES
    rendered = cmarkgfm.github_flavored_markdown_to_html(_clean_text(markdown), options=options)
    rendered = _TASK_BOX.sub(_task_box, rendered)
    return _flatten_deep(_sanitize(rendered))


def _flatten_deep(fragment: str, limit: int = _MAX_DEPTH) -> str:
    """Drop block containers nested deeper than ``limit``; their text stays.

    A list item, a table row or cell goes with its list or table, so a kept table
    never loses its rows and a dropped one leaves no stray cells. The input is
    nh3's output: balanced, every tag written the same way.
    """
    if fragment.count("<") < 2 * limit:
        return fragment
    containers: list[bool] = []  # per open container: dropped?
    parts: list[bool] = []  # per open item/row/cell: dropped?
    out: list[str] = []
    pos = 0
    for m in _TAG.finditer(fragment):
        out.append(fragment[pos : m.start()])
        pos = m.end()
        closing, name = m.group(1), m.group(2)
        if name in _CONTAINERS:
            if closing:
                drop = containers.pop() if containers else True
            else:
                drop = len(containers) >= limit
                containers.append(drop)
        elif name in _CONTAINED:
            if closing:
                drop = parts.pop() if parts else True
            else:
                drop = containers[-1] if containers else False
                parts.append(drop)
        else:
            drop = False
        out.append(" " if drop else m.group(0))
    out.append(fragment[pos:])
    return "".join(out)


def _image_sources(fragment: str) -> Iterator[str]:
    for m in _IMG.finditer(fragment):
        src = _attrs(m.group(1)).get("src", "")
        if src:
            yield src


# --------------------------------------------------------------------------- images

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True)
class _Picture:
    data_uri: str
    width_pt: float
    height_pt: float


def _picture(data: bytes) -> _Picture | None:
    """A supplied image as a data URI with its printed size, or None if it is not a sane PNG/JPEG/GIF."""
    mime = next((m for magic, m in _MAGIC if data.startswith(magic)), None)
    if mime is None:
        return None
    from PIL import Image

    try:
        # Only the header is read: the size, before anything is decoded.
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if img.format not in ("PNG", "JPEG", "GIF"):
                return None
    except Exception:  # any unreadable image is shown as its link instead
        return None
    if width <= 0 or height <= 0 or width * height > _MAX_IMAGE_PIXELS:
        return None
    w, h = width * 0.75, height * 0.75  # CSS pixels to points
    scale = min(1.0, _MAX_IMAGE_WIDTH_PT / w, _MAX_IMAGE_HEIGHT_PT / h)
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return _Picture(uri, round(w * scale, 2), round(h * scale, 2))


class _Images:
    """The caller's images for one render: lookup by URL, and the data URIs handed out."""

    def __init__(self, images: Mapping[str, bytes] | None) -> None:
        self._supplied = dict(images or {})
        self._pictures: dict[str, _Picture | None] = {}
        self.placed: list[_Picture] = []

    def picture(self, url: str) -> _Picture | None:
        if url not in self._pictures:
            data = self._supplied.get(url)
            self._pictures[url] = _picture(data) if isinstance(data, bytes | bytearray) else None
        return self._pictures[url]

    def place(self, picture: _Picture) -> str:
        """A placeholder for ``picture``; the <img> replaces it after everything else is built."""
        self.placed.append(picture)
        return f"<!--ik-image {len(self.placed) - 1}-->"

    def allowed_uris(self) -> frozenset[str]:
        return frozenset(p.data_uri for p in self.placed)

    def insert(self, document: str) -> str:
        def img(m: re.Match[str]) -> str:
            p = self.placed[int(m.group(1))]
            return f'<img src="{p.data_uri}" width="{p.width_pt}pt" height="{p.height_pt}pt">'

        return _PLACEHOLDER.sub(img, document)


def _link_suffix(href: str, inner: str) -> str:
    """The URL printed after a link's text, unless the text already says it."""
    text = html.unescape(re.sub(r"<[^>]*>", "", inner)).strip()
    bare = re.sub(r"^(?:https?://|mailto:)", "", href).rstrip("/")
    if text in (href, bare, bare + "/") or not href:
        return ""
    return f' <span class="url">({html.escape(href)})</span>'


def _finish(fragment: str, images: _Images) -> str:
    """Sanitized HTML as the report prints it: images swapped in or shown as links, links with URLs."""

    def img(m: re.Match[str]) -> str:
        attrs = _attrs(m.group(1))
        src, alt = attrs.get("src", ""), attrs.get("alt", "").strip()
        picture = images.picture(src) if src else None
        if picture is not None:
            return images.place(picture)
        label = f"[image: {html.escape(alt)}]" if alt else "[image]"
        url = f' <span class="url">{html.escape(src)}</span>' if src else ""
        return f'<span class="image-link">{label}{url}</span>'

    def link(m: re.Match[str]) -> str:
        href = _attrs(m.group(1)).get("href", "")
        inner = m.group(2)
        if not href:
            return f"<span>{inner}</span>"
        video = '<span class="tag">[video]</span> ' if is_attachment_video(href) else ""
        return f'{video}<a href="{html.escape(href)}">{inner}</a>{_link_suffix(href, inner)}'

    def video(m: re.Match[str]) -> str:
        # GitHub plays <video src> for its own attachment URLs; a PDF can only link it.
        src = _attrs(m.group(1)).get("src", "")
        return f'<a href="{html.escape(src)}">{html.escape(src)}</a>' if src else ""

    fragment = _IMG.sub(img, fragment)
    fragment = _VIDEO.sub(video, fragment)
    fragment = _LINK.sub(link, fragment)
    # A task item shows its box instead of a bullet, as on GitHub.
    fragment = _TASK_ITEM.sub(lambda m: f'<li class="task">{m.group(1) or ""}{m.group(2)}', fragment)
    # <details> is open in a report: everything in it is printed.
    fragment = re.sub(
        r"<(/?)(details|summary)>",
        lambda m: f'<{m.group(1)}div class="{m.group(2)}">' if not m.group(1) else "</div>",
        fragment,
    )
    return _cut_long_blocks(fragment)


# A block longer than this many lines is drawn as several: reportlab re-lays the
# rest of a block at every page it breaks across, so one 2,000-line code block
# took 9 s where 50 blocks of 40 lines take well under one.
_CHUNK_LINES = 40
_PRE_CODE = re.compile(r"<pre><code>([^<]*)</code></pre>")
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


def _pieces(tag: str, chunks: list[str], inner: tuple[str, str] = ("", "")) -> str:
    """``chunks`` as consecutive ``tag`` blocks that print as one (see .cut-* in the template)."""
    last = len(chunks) - 1
    out = []
    for i, chunk in enumerate(chunks):
        cls = " ".join(c for c, on in (("cut-prev", i > 0), ("cut-next", i < last)) if on)
        attr = f' class="{cls}"' if cls else ""
        out.append(f"<{tag}{attr}>{inner[0]}{chunk}{inner[1]}</{tag}>")
    return "".join(out)


def _line_chunks(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return ["\n".join(lines[i : i + _CHUNK_LINES]) for i in range(0, len(lines), _CHUNK_LINES)] or [""]


def _cut_long_blocks(fragment: str) -> str:
    """Long code blocks and long paragraphs (GitHub keeps every newline) cut into short blocks."""

    def pre(m: re.Match[str]) -> str:
        if m.group(1).count("\n") <= _CHUNK_LINES:
            return m.group(0)
        return _pieces("pre", _line_chunks(m.group(1)), ("<code>", "</code>"))

    def paragraph(m: re.Match[str]) -> str:
        inner = m.group(1)
        if inner.count("<br>") < _CHUNK_LINES:
            return m.group(0)
        # Cut only at a <br> outside any inline tag, so every piece stays balanced.
        chunks, depth, start, lines = [], 0, 0, 0
        for t in _TAG.finditer(inner):
            name = t.group(2)
            if name == "br" and depth == 0:
                lines += 1
                if lines % _CHUNK_LINES == 0:
                    chunks.append(inner[start : t.start()])
                    start = t.end()
            elif name not in _VOID:
                depth += -1 if t.group(1) else 1
        chunks.append(inner[start:])
        return _pieces("p", chunks)

    return _PARAGRAPH.sub(paragraph, _PRE_CODE.sub(pre, fragment))


# --------------------------------------------------------------------------- public API


def image_urls(inp: ReportInput) -> list[str]:
    """GitHub attachment images in the body and comments worth fetching, in order, once each.

    Only URLs written as images (``<img>`` or ``![]()``) on GitHub's attachment and
    image hosts, over https; the keys of ``images`` are matched against exactly these.
    """
    seen: dict[str, None] = {}
    for text in (inp.body, *(c.body for c in inp.comments)):
        for src in _image_sources(_markdown_html(text)):
            if is_attachment_image(src):
                seen.setdefault(src)
    return list(seen)


def _utc(when: datetime | None) -> str:
    return format_utc(when) if when is not None else ""


@functools.cache
def _template() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("incident_kit.render", "templates"),
        autoescape=True,  # issue text is data: it renders as text, never as HTML or as template source
        undefined=StrictUndefined,
    )
    return env.get_template("report.html.j2")


def _document(inp: ReportInput, images: _Images, plain: bool) -> str:
    """The whole report page as HTML, every character one the shipped fonts can draw."""
    from markupsafe import Markup

    def rendered(markdown: str) -> Markup:
        if plain:
            # The fallback when the rich document cannot be laid out: the markdown as text.
            chunks = [str(Markup.escape(c)) for c in _line_chunks(_clean_text(markdown))]
            return Markup('<div class="plain">{}</div>').format(Markup(_pieces("div", chunks)))
        return Markup(_finish(_markdown_html(markdown), images))

    # The three roles always show (empty ones say so); any other key follows.
    roles = [(key, tuple(inp.roles.get(key, ()))) for key in ROLE_ORDER]
    roles += [(k, tuple(v)) for k, v in sorted(inp.roles.items()) if k not in ROLE_ORDER]
    page = _template().render(
        inp=inp,
        roles=roles,
        created=_utc(inp.created_at),
        resolved=_utc(inp.resolved_at),
        generated=_utc(inp.generated_at),
        body=rendered(inp.body),
        comments=[(c.author, _utc(c.created_at), rendered(c.body)) for c in inp.comments],
        plain=plain,
    )
    return _drawable(page)


def render_html(inp: ReportInput, images: Mapping[str, bytes] | None = None) -> str:
    """The report as the HTML the PDF is drawn from (supplied images inlined as data: URIs)."""
    pictures = _Images(images)
    return pictures.insert(_document(inp, pictures, plain=False))


def _policy() -> Any:
    """xhtml2pdf's resource policy for a report: nothing local, nothing remote.

    ``server()`` turns every limit on; base_dir=None with no extra_roots names no
    directory, so every local read is refused, and allow_remote=False with an empty
    host list refuses every URL. Only ``data:`` URIs (the images this module
    built) are read, and those only when the link_callback lets them through.
    """
    from xhtml2pdf.config.resources import ResourceAccessPolicy  # type: ignore[import-untyped]  # no stubs or py.typed

    return ResourceAccessPolicy.server(
        base_dir=None,
        extra_roots=(),
        allow_remote=False,
        allowed_hosts=frozenset(),
        allow_private_networks=False,
        allow_remote_pdf_backgrounds=False,
        # A 1,000-comment incident is a large document; a failed report helps nobody,
        # and the job's own timeout bounds the run.
        max_document_bytes=128 * 1024 * 1024,
        max_render_seconds=600,
    )


# What the link_callback answers for anything it refuses: a relative name with an
# unknown scheme, which the policy (no readable directory) refuses in turn.
_REFUSED = "refused-by-incident-kit:"


def _link_callback(allowed: frozenset[str]) -> Any:
    def callback(uri: object, rel: object) -> str:
        # Returning the URI unchanged would not be a refusal: xhtml2pdf falls back
        # to the original URI when the callback answers None or "".
        return uri if isinstance(uri, str) and uri in allowed else _REFUSED

    return callback


@contextmanager
def _quiet_xhtml2pdf() -> Iterator[list[str]]:
    """Keep xhtml2pdf's log off stderr during a render (it can quote document text).

    A GitHub runner reads ``::`` lines on stderr as workflow commands; the records
    are collected instead (tests look at them).
    """
    import logging

    records: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("xhtml2pdf")
    handler, propagate = _Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


# The footer on every page, drawn by _footer_canvas where the template's bottom margin leaves
# room (A4 page, 45 pt side margins, 50 pt bottom margin), in the body's text face.
_FOOTER_FONT, _FOOTER_SIZE, _FOOTER_COLOR = "incident-kit-DejaVuSans", 7.5, "#57606a"
_FOOTER_X, _FOOTER_Y = 45.0, 28.0


def _footer_canvas(footer: str) -> Any:
    """A canvas class that writes ``footer + "page N of M"`` on each page when the PDF is saved.

    "page N of M" needs the page count before the last page is laid out; xhtml2pdf's
    ``<pdf:pagecount>`` gets it by laying the whole story out twice (multiBuild), which was
    28% of a 1,000-comment render. This canvas keeps each finished page's drawing state
    (reportlab's own "page x of y" recipe) and draws the footers in ``save()``, when the count
    is known, so the story is laid out once. The page numbers and text are the same as before.
    """
    from xhtml2pdf.builders.printmarks import MarkedCanvas  # type: ignore[import-untyped]  # no stubs or py.typed

    class FooterCanvas(MarkedCanvas):  # type: ignore[misc]  # untyped base
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._finished: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._finished.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._finished)
            for number, state in enumerate(self._finished, 1):
                self.__dict__.update(state)
                start = len(self._code)
                self.saveState()
                self.setFont(_FOOTER_FONT, _FOOTER_SIZE)
                self.setFillColor(_FOOTER_COLOR)
                self.drawString(_FOOTER_X, _FOOTER_Y, f"{footer}page {number} of {total}")
                self.restoreState()
                # First in the page's content, where the footer frame used to paint it, so a
                # reader (and text extraction) meets it in the same order as before.
                footer_ops = self._code[start:]
                del self._code[start:]
                self._code[0:0] = footer_ops
                super().showPage()
            super().save()

    return FooterCanvas


@contextmanager
def _canvas(footer: str) -> Iterator[None]:
    """xhtml2pdf's document makes its canvas from the name ``MarkedCanvas`` in its module (it
    takes no canvasmaker); for one render that name is the footer canvas, a subclass of it."""
    from xhtml2pdf import xhtml2pdf_reportlab

    previous = xhtml2pdf_reportlab.MarkedCanvas
    xhtml2pdf_reportlab.MarkedCanvas = _footer_canvas(footer)
    try:
        yield
    finally:
        xhtml2pdf_reportlab.MarkedCanvas = previous


def _footer(inp: ReportInput) -> str:
    return _drawable(f"incident-kit report · {inp.repository}#{inp.number} · as of {_utc(inp.generated_at)} · ")


def _pdf(document: str, allowed: frozenset[str], footer: str = "") -> tuple[bytes, list[str]]:
    """Draw ``document``; return the PDF and what xhtml2pdf logged (warnings and up)."""
    from xhtml2pdf import pisa

    _harden_reportlab()
    out = io.BytesIO()
    with _invariant(), _canvas(footer), _quiet_xhtml2pdf() as records:
        pisa.pisaDocument(
            document,
            dest=out,
            encoding="utf-8",
            link_callback=_link_callback(allowed),
            resource_policy=_policy(),
            raise_exception=True,
        )
    return out.getvalue(), records


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a report is laid out.

    The layout allocates hundreds of thousands of small objects (the DOM, a style context per
    element, the story) that live until the PDF is written, so the default thresholds make the
    collector walk them again and again for nothing: in bench/bench_report.py this took 10-20% of
    a 1,000-comment render, with the same bytes out and the same peak memory. The thresholds are
    put back afterwards, so a process that renders and goes on (the CLI, tests) is unchanged.
    """
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def render_pdf(inp: ReportInput, images: Mapping[str, bytes] | None = None) -> bytes:
    """The report as PDF bytes; the same input gives the same bytes."""
    with _fewer_collections():
        pictures = _Images(images)
        document = pictures.insert(_document(inp, pictures, plain=False))
        try:
            return _pdf(document, pictures.allowed_uris(), _footer(inp))[0]
        except Exception:
            # Markup reportlab cannot lay out (a table cell taller than a page, say)
            # must not cost the incident its report: print the markdown as text instead.
            return _pdf(_document(inp, _Images(None), plain=True), frozenset(), _footer(inp))[0]


# --------------------------------------------------------------------------- path

_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))]
)
_SLUG_MAX = 60
_FIELD = re.compile(r"\{([a-z]*)\}")


def _slug(title: str) -> str:
    """ascii a-z0-9 and '-', at most 60 characters, never empty, never a Windows device name."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:_SLUG_MAX].strip("-")
    if not slug:
        return "incident"
    if slug in _WINDOWS_RESERVED:
        slug = f"{slug}-incident"
    return slug


def report_path(template: str, created_at: datetime, number: int, title: str) -> str:
    """Where the report of issue ``number`` is committed: ``template`` with its fields filled in.

    Fields: {year}, {month}, {day} (of ``created_at`` in UTC), {number}, {slug} (from the
    title, see ``_slug``). Only the slug comes from the issue, and it cannot leave
    the folder the template names.
    """
    when = to_utc(created_at)
    values = {
        "year": f"{when.year:04d}",
        "month": f"{when.month:02d}",
        "day": f"{when.day:02d}",
        "number": str(int(number)),
        "slug": _slug(title),
    }

    def fill(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise ValueError(
                f"report path {template!r}: unknown field {{{m.group(1)}}}; use {{year}}, {{month}}, {{day}}, "
                "{number} and {slug}"
            )
        return values[m.group(1)]

    path = _FIELD.sub(fill, template)
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"report path {template!r} must be a relative path inside the repository")
    return path
