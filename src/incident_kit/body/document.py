"""Markdown structure of an issue body: headings, sections and list items with source lines.

This is the only module that talks to the CommonMark parser. It uses
markdown-it-py because it follows CommonMark (as GitHub's cmark-gfm does: a
list right after a paragraph line starts a list, which Python-Markdown gets
wrong on our template) and because every block token carries its source lines.
Task-list markers (``[ ]``, ``[x]``, ``[X]``) are read here the way GFM's
task-list extension reads them: at the very start of a list item's first
paragraph, followed by white space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from incident_kit.body.model import Heading, ListItem, Section
from incident_kit.body.sections import section_key

# One parser for the process: building it compiles its rule chains (a few ms). Only the block
# structure is read (an inline token's raw ``content``), so inline parsing is switched off:
# it was a quarter of the parse time.
_MD = MarkdownIt("commonmark").disable(["inline", "text_join"])
# GFM: "[ ]"/"[x]" at the start of the item's first paragraph, then white space. cmark counts
# vertical tab and form feed as white space; markdown-it strips trailing spaces, so an item
# "- [ ]  " arrives as "[ ]" and the raw source line decides.
_TASK = re.compile(r"^\[([ xX])\](?:[ \t\v\f]+|$)")
_RAW_TASK = re.compile(r"\[[ xX]\][ \t\v\f]")


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


def parse_document(text: str) -> Document:
    """Parse a normalised body into headings, sections and list items."""
    tokens = _MD.parse(text)
    lines = tuple(text.split("\n"))
    headings: list[Heading] = []
    code_lines: set[int] = set()
    # text, line, depth, parent text, whether a task marker may start the text
    raw_items: list[tuple[str, int, int, str | None, bool]] = []
    open_items: list[list[Any]] = []  # stack of [line, text or None, index in raw_items]
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            inline = tokens[i + 1]
            headings.append(Heading(int(tok.tag[1]), inline.content.strip(), tok.map[0] + 1))
        elif tok.type in ("fence", "code_block") and tok.map:
            code_lines.update(range(tok.map[0] + 1, tok.map[1] + 1))
        elif tok.type == "list_item_open" and tok.map:
            open_items.append([tok.map[0] + 1, None, len(raw_items)])
            raw_items.append(("", tok.map[0] + 1, len(open_items) - 1, None, False))
        elif tok.type == "list_item_close":
            open_items.pop()
        elif tok.type == "inline" and open_items and tokens[i - 1].type == "paragraph_open":
            top = open_items[-1]
            if top[1] is not None:
                continue  # only the item's first paragraph is its text
            top[1] = tok.content
            # GitHub reads a task marker only when the item's first block is this paragraph and it
            # starts on the list marker's line (not after a code block, not on the next line).
            para = tokens[i - 1]
            may_be_task = tokens[i - 2].type == "list_item_open" and para.map is not None and para.map[0] + 1 == top[0]
            parent = open_items[-2][1] if len(open_items) > 1 else None
            _, line, depth, _, _ = raw_items[top[2]]
            raw_items[top[2]] = (tok.content, line, depth, parent or None, may_be_task)
    sections = _sections(headings, len(lines))
    where = _locate(sections, sorted({item[1] for item in raw_items}))
    items = tuple(
        _list_item(t, line, depth, parent, where[line], lines[line - 1] if may_be_task else None)
        for t, line, depth, parent, may_be_task in raw_items
    )
    return Document(lines, tuple(headings), sections, items, frozenset(code_lines))


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
    raw: str | None,
) -> ListItem:
    """``raw`` is the item's source line when a task marker may start it, else None."""
    m = _TASK.match(text) if raw is not None else None
    if m and m.end() == len(text) and not _RAW_TASK.search(raw or ""):
        m = None  # "- [ ]" with nothing after it is plain text on GitHub
    task = m is not None
    checked = bool(m and m.group(1) in "xX")
    body = text[m.end() :] if m else text
    holder, known = where
    return ListItem(
        text=" ".join(body.split()),
        line=line,
        depth=depth,
        section=known.key if known else None,
        path=holder.path if holder else (),
        task=task,
        checked=checked,
        parent_text=" ".join(parent.split()) if parent else None,
    )
