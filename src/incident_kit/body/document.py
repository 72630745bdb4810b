"""Markdown structure of an issue body: headings, sections and list items with source lines.

This is the only module that talks to a CommonMark parser, and it is GitHub's own:
cmark-gfm (through ``cmarkgfm``) with its table, autolink and task-list extensions,
the parser that renders the issue people look at. Reading the body with the
renderer GitHub uses means the tool sees exactly the list items and task boxes
people see: a box GitHub shows is a box incident-kit reminds about, and a
structure nested a thousand levels deep still leaves everything after it read
(cmark-gfm has no nesting limit; markdown-it-py's ``maxNesting`` of 20 made the
rest of the body vanish, and its lazy-continuation rule dropped a task GitHub
shows, see issue #12).

cmark-gfm's Python binding only renders HTML, so the structure is read back from
the HTML it renders with ``CMARK_OPT_SOURCEPOS``: every block carries
``data-sourcepos="line:col-line:col"``. Raw HTML is left escaped or omitted (no
``CMARK_OPT_UNSAFE``), so nothing typed in the body can pose as a tag. Texts are
then sliced from the source lines, as written. Whether a task box is ticked is
read from the source marker itself: cmark-gfm ticks an item with ``[x]`` anywhere
on its line (``- [ ] pick [x] or [y]``), which is not how GitHub's own page reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incident_kit.body.model import Heading, ListItem, Section
from incident_kit.body.sections import section_key

_TAG = re.compile(r"<(?P<close>/?)(?P<name>li|p|h[1-6]|pre|blockquote|ul|ol|table|hr|input)\b(?P<attrs>[^>]*)>")
_POS = re.compile(r'data-sourcepos="(\d+):(\d+)-(\d+):(\d+)"')
_MARKER = re.compile(r"^(?:[-+*]|\d{1,9}[.)])")
_TASK_MARKER = re.compile(r"^\[([ xX])\]")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_ATX_OPEN = re.compile(r"^#{1,6}(?:[ \t]+|$)")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
# The blocks that end an item's first paragraph when they start inside the item.
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "ul", "ol", "table", "hr"})


def normalize(body: object) -> str:
    """Make any issue body safe to parse: ``None`` to ``""``, CRLF/CR to LF, no NUL, no lone surrogates."""
    if body is None:
        return ""
    if isinstance(body, bytes | bytearray):
        text = bytes(body).decode("utf-8", "replace")
    elif isinstance(body, str):
        text = body
    else:
        text = str(body)
    # Lone surrogates (possible in JSON) cannot be encoded; replace them rather than crash later.
    text = text.encode("utf-8", "replace").decode("utf-8")
    # The web UI writes CRLF; CommonMark treats NUL as U+FFFD anyway.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


@dataclass(frozen=True)
class Document:
    """The blocks of a body that the incident parser needs, all with 1-based source lines."""

    lines: tuple[str, ...]
    headings: tuple[Heading, ...]
    sections: tuple[Section, ...]
    items: tuple[ListItem, ...]
    code_lines: frozenset[int]  # lines inside code blocks: never read as data

    def section_lines(self, section: Section) -> list[tuple[int, str]]:
        """The (line number, text) pairs below a section's heading, code blocks left out."""
        return [
            (n, self.lines[n - 1]) for n in range(section.line + 1, section.end_line + 1) if n not in self.code_lines
        ]


def _render(text: str) -> str:
    import cmarkgfm  # type: ignore[import-untyped]  # no stubs or py.typed
    from cmarkgfm.cmark import Options  # type: ignore[import-untyped]

    html: str = cmarkgfm.github_flavored_markdown_to_html(text, Options.CMARK_OPT_SOURCEPOS)
    return html


def _from_col(line: str, col: int) -> str:
    """The rest of a source line from cmark's 1-based byte column."""
    if line.isascii():
        return line[col - 1 :]
    return line.encode("utf-8")[col - 1 :].decode("utf-8", "ignore")


@dataclass
class _OpenItem:
    line: int
    col: int
    end: int
    depth: int
    parent: int | None  # index of the enclosing item in the output
    index: int
    task: bool = False
    seen_block: bool = False  # a block opened inside the item (so a later <input> is not its box)
    first_block_line: int | None = None  # where the first block inside the item starts
    text: str | None = None


def parse_document(text: str) -> Document:
    """Parse a normalised body into headings, sections and list items, as GitHub renders it."""
    lines = tuple(text.split("\n"))
    html = _render(text)
    headings: list[Heading] = []
    code_lines: set[int] = set()
    raw: list[tuple[str, int, int, int | None, bool, bool]] = []  # text, line, depth, parent, task, checked
    stack: list[_OpenItem] = []
    for m in _TAG.finditer(html):
        name, closing = m["name"], bool(m["close"])
        if closing:
            if name == "li" and stack:
                _close_item(stack.pop(), lines, raw)
            continue
        pos = _POS.search(m["attrs"])
        top = stack[-1] if stack else None
        if name == "input":
            if top is not None and not top.seen_block and "checkbox" in m["attrs"]:
                top.task = True
            continue
        if pos is None:
            continue
        start, col, end = int(pos[1]), int(pos[2]), int(pos[3])
        if name == "li":
            if top is not None:
                _block_in(top, start)
            stack.append(_OpenItem(start, col, end, len(stack), top.index if top else None, len(raw)))
            raw.append(("", start, len(stack) - 1, None, False, False))
            continue
        if top is not None:
            if name == "p" and top.text is None and not top.seen_block:
                top.text = _slice(lines, start, col, end)
            elif name == "p" and top.text is None and top.first_block_line is not None:
                # The first paragraph after another block (a code block, a heading) is still the
                # item's text, as before; it only cannot be a task.
                top.text = _slice(lines, start, col, end)
            _block_in(top, start)
        if name in ("pre",):
            code_lines.update(range(start, end + 1))
        elif name[0] == "h" and name[1:].isdigit():
            headings.append(Heading(int(name[1]), _heading_text(lines, start, col), start))
    while stack:  # cannot happen with well-formed HTML; never lose an item if it does
        _close_item(stack.pop(), lines, raw)
    sections = _sections(headings, len(lines))
    where = _locate(sections, sorted({item[1] for item in raw}))
    texts = [t for t, *_ in raw]
    items = tuple(
        _list_item(t, line, depth, texts[parent] if parent is not None else None, where[line], task, checked)
        for t, line, depth, parent, task, checked in raw
    )
    return Document(lines, tuple(headings), sections, items, frozenset(code_lines))


def _block_in(item: _OpenItem, line: int) -> None:
    item.seen_block = True
    if item.first_block_line is None:
        item.first_block_line = line


def _slice(lines: tuple[str, ...], start: int, col: int, end: int) -> str:
    """A paragraph's source: from its first column, continuation lines without their indent."""
    if start > len(lines):
        return ""
    first = _from_col(lines[start - 1], col)
    rest = [lines[n - 1].strip() for n in range(start + 1, min(end, len(lines)) + 1)]
    return "\n".join([first.strip(), *rest]).strip()


def _close_item(
    item: _OpenItem, lines: tuple[str, ...], raw: list[tuple[str, int, int, int | None, bool, bool]]
) -> None:
    first_line = _from_col(lines[item.line - 1], item.col) if item.line <= len(lines) else ""
    after = _MARKER.sub("", first_line, count=1).strip()
    text = item.text
    if text is None:
        # A tight list: cmark writes no <p>, so the first paragraph runs from the marker's line to
        # the first block inside the item (a nested list, a code block) or the item's end.
        if item.first_block_line == item.line:
            text = ""  # the item opens with another block (``- ## heading``, ``- ```)
        else:
            last = item.end if item.first_block_line is None else item.first_block_line - 1
            body = [after] + [lines[n - 1].strip() for n in range(item.line + 1, min(last, len(lines)) + 1)]
            text = "\n".join(body).strip()
    checked = False
    if item.task:
        # The box is on the marker's line; a loose item's <p> already starts after it.
        box = _TASK_MARKER.match(after)
        checked = bool(box and box.group(1) in "xX")
        if box and text.startswith(box.group(0)):
            text = text[box.end() :]
    raw[item.index] = (text, item.line, item.depth, item.parent, item.task, checked)


def _heading_text(lines: tuple[str, ...], start: int, col: int) -> str:
    if start > len(lines):
        return ""
    first = _from_col(lines[start - 1], col)
    if _ATX_OPEN.match(first):
        return _ATX_CLOSE.sub("", _ATX_OPEN.sub("", first, count=1)).strip()
    # A setext heading: its text lines down to the underline (cmark's end position is not reliable here).
    out = [first.strip()]
    for n in range(start + 1, len(lines) + 1):
        if _SETEXT_UNDERLINE.match(lines[n - 1]):
            break
        out.append(lines[n - 1].strip())
    return "\n".join(out).strip()


def _sections(headings: list[Heading], last_line: int) -> tuple[Section, ...]:
    """Each heading's section, in one pass: a section ends where a heading of its level or higher starts."""
    ends = [last_line] * len(headings)
    open_: list[int] = []  # indexes of headings whose section is still open, outermost first
    paths: list[tuple[str, ...]] = []
    keys: list[tuple[str | None, ...]] = []
    for n, h in enumerate(headings):
        while open_ and headings[open_[-1]].level >= h.level:
            ends[open_.pop()] = h.line - 1
        parent = open_[-1] if open_ else None
        key = section_key(h.text)
        paths.append((paths[parent] if parent is not None else ()) + (h.text,))
        keys.append((keys[parent] if parent is not None else ()) + (key,))
        open_.append(n)
    return tuple(Section(keys[n][-1], paths[n], h.level, h.line, ends[n], keys[n]) for n, h in enumerate(headings))


def _locate(sections: tuple[Section, ...], lines: list[int]) -> dict[int, tuple[Section | None, Section | None]]:
    """For each of the (sorted) lines: the innermost section holding it, and the innermost known one.

    One sweep over sections and lines together, so a body with thousands of headings and
    items stays linear (a scan of every section per item was quadratic).
    """
    out: dict[int, tuple[Section | None, Section | None]] = {}
    stack: list[Section] = []
    known: list[Section | None] = []  # innermost known section at each stack depth
    i = 0
    for line in lines:
        while i < len(sections) and sections[i].line <= line:
            section = sections[i]
            while stack and stack[-1].end_line < section.line:
                stack.pop()
                known.pop()
            stack.append(section)
            known.append(section if section.key else (known[-1] if known else None))
            i += 1
        while stack and stack[-1].end_line < line:
            stack.pop()
            known.pop()
        out[line] = (stack[-1] if stack else None, known[-1] if known else None)
    return out


def innermost(sections: tuple[Section, ...], line: int) -> Section | None:
    """The deepest section whose span holds ``line``."""
    return _locate(sections, [line])[line][0]


def _list_item(
    text: str,
    line: int,
    depth: int,
    parent: str | None,
    where: tuple[Section | None, Section | None],
    task: bool,
    checked: bool,
) -> ListItem:
    holder, known = where
    return ListItem(
        text=" ".join(text.split()),
        line=line,
        depth=depth,
        section=known.key if known else None,
        path=holder.path if holder else (),
        task=task,
        checked=checked,
        parent_text=" ".join(parent.split()) if parent else None,
    )
