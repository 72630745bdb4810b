"""Postmortem action items: the task items under each "Discuss and create action items" heading.

The template's rule is that an action item changes code, the issue template or
the schedule; it never asks people to "be careful" or "do your best". Each item
should link the issue or PR that tracks it.

Vague items are found on the NFKC-folded, lower-cased text, by the built-in phrases and
stem patterns (``settings.defaults``) plus the team's own ``vague-phrases``. An item that
names a concrete change is never vague just because it mentions care: one that links an
issue or PR, names a file, or adds or changes a script, job, test, alert or schedule.
"""

from __future__ import annotations

import functools
import re

from incident_kit.basics.patterns import LazyPattern
from incident_kit.body.model import ActionItem, ListItem
from incident_kit.body.text import fold
from incident_kit.settings.defaults import (
    CONCRETE_NOUNS,
    CONCRETE_VERBS,
    DEFAULT_VAGUE_PATTERNS,
    DEFAULT_VAGUE_PHRASES,
)

_PLACEHOLDER = re.compile(r"^[.\s…]*TODO[.\s…]*$", re.I)
_LINKS = re.compile(
    r"https?://github\.com/[\w.-]+/[\w.-]+/(?:issues|pull)/\d+"
    r"|(?<![\w/#])[\w.-]+/[\w.-]+#\d+"
    r"|(?<![\w/&#])#\d+\b"
)
_TOPICS = {"root-problem": "root-problem", "workflow-problem": "workflow", "incident-mode": "incident-mode"}


def is_placeholder(text: str) -> bool:
    return not text.strip() or bool(_PLACEHOLDER.match(text))


def links(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group(0) for m in _LINKS.finditer(fold(text))))


def parse_action_items(items: tuple[ListItem, ...], topic_of: dict[int, str]) -> tuple[ActionItem, ...]:
    out: list[ActionItem] = []
    for item in items:
        if item.section != "action-items" or not item.task or is_placeholder(item.text):
            continue
        topic = _TOPICS.get(topic_of.get(item.line, ""), "other")
        out.append(ActionItem(item.text, item.checked, item.line, links(item.text), topic))
    return tuple(out)


_VAGUE = tuple(re.compile(p) for p in DEFAULT_VAGUE_PATTERNS)
_NOUNS = LazyPattern(CONCRETE_NOUNS)
_VERBS = LazyPattern(CONCRETE_VERBS)
_FILE = LazyPattern(r"`[^`]+`|(?<![\w@])[\w./-]+\.(?:py|ya?ml|sh|js|ts|json|toml|md|go|rb|tf|sql|cfg|ini|conf|txt)\b")


@functools.lru_cache(maxsize=64)
def _extra(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(p).lower() for p in phrases if p.strip())


def concrete(text: str) -> bool:
    """Whether an item names a concrete change: a linked issue or PR, a file, or a change to a thing."""
    folded = fold(text)
    if links(folded) or _FILE.search(folded):
        return True
    lowered = folded.lower()
    return bool(_NOUNS.search(lowered) and _VERBS.search(lowered))


def vague_phrase(text: str, phrases: tuple[str, ...] = (), *, builtin: bool = True) -> str | None:
    """What makes an item vague (the words as found), or None: built-ins unless ``builtin`` is off
    (never for an item naming a concrete change), plus the team's ``phrases`` (always)."""
    lowered = fold(text).lower()
    found: str | None = None
    if builtin:
        found = next((p for p in DEFAULT_VAGUE_PHRASES if p in lowered), None)
        if found is None:
            m = next((m for m in (p.search(lowered) for p in _VAGUE) if m), None)
            found = _around(lowered, m.start(), m.end()) if m else None
    if found is not None and concrete(text):
        found = None
    # The team's own phrases flag an item whatever else it names: they listed them on purpose.
    return found or next((p for p in _extra(phrases) if p in lowered), None)


def _around(text: str, start: int, end: int) -> str:
    """The matched words, widened to the whole word (a stem such as 気をつけ becomes 気をつけます)."""
    while end < len(text) and not text[end].isspace() and text[end] not in "、。,.!?!?()「」":
        end += 1
        if end - start > 24:
            break
    return text[start:end]
