"""Postmortem action items: the task items under each "Discuss and create action items" heading.

The template's rule is that an action item changes code, the issue template or
the schedule; it never asks people to "be careful" or "do your best". Each item
should link the issue or PR that tracks it.
"""

from __future__ import annotations

import re

from incident_kit.body.model import ActionItem, ListItem

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
    return tuple(dict.fromkeys(m.group(0) for m in _LINKS.finditer(text)))


def parse_action_items(items: tuple[ListItem, ...], topic_of: dict[int, str]) -> tuple[ActionItem, ...]:
    out: list[ActionItem] = []
    for item in items:
        if item.section != "action-items" or not item.task or is_placeholder(item.text):
            continue
        topic = _TOPICS.get(topic_of.get(item.line, ""), "other")
        out.append(ActionItem(item.text, item.checked, item.line, links(item.text), topic))
    return tuple(out)


def vague_phrase(text: str, phrases: tuple[str, ...]) -> str | None:
    """The first vague phrase the text contains (case-insensitive), or None."""
    lowered = text.lower()
    return next((p for p in phrases if p.lower() in lowered), None)
