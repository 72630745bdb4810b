"""The template's named checklist items, and which of them the bot's own state fulfils.

Some boxes describe something the bot does or can see (remove the ``incident``
label, put ``incident-improvement``, invite everyone to the postmortem). Humans
own the body, so the bot does not tick them: they count as done when the state
they ask for holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from incident_kit.body.model import Incident, IssueContext, ListItem
from incident_kit.settings.config import Labels

# Boxes about how someone feels ("Let manager to know if you feel be broke psychological safety") are
# between that person and their manager: a public reminder, digest or recorded timeline never says who
# ticked one or when; a reminder says only that such boxes remain.
_PRIVATE = re.compile(r"psycholog|心理的(安全|な安全)|安心して(話|発言)", re.I)


def is_private(text: str) -> bool:
    """Whether a box is about someone's psychological safety (never recorded or named in public)."""
    return bool(_PRIVATE.search(text))


_NAMED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("first-aid", r"^first[ -]?aid\s*$"),
        ("problem", r"^problem\s*$"),
        ("invite", r"invite all people"),
        ("announce-resolved", r"^announce resolving"),
        ("remove-incident-label", r"^remove\s+[\"“”']?incident[\"“”']?\s+label"),
        ("put-improvement-label", r"^put\s+[\"“”']?incident-improvement[\"“”']?\s+label"),
        ("weekly-check", r"weekly check"),
        ("update-template", r"^update (the )?incident issue template"),
        ("output-pdf", r"^output pdf"),
    )
)
_ANNOUNCE_PARENT = re.compile(r"^announce (about )?(the )?incident", re.I)


def item_name(item: ListItem) -> str | None:
    """The name of a template item the tool knows, or None."""
    if not item.task:
        return None
    if item.parent_text and _ANNOUNCE_PARENT.match(item.parent_text):
        return "announce-incident"
    return next((name for name, pattern in _NAMED if pattern.search(item.text)), None)


def named(incident: Incident, name: str) -> list[ListItem]:
    return [i for i in incident.tasks if item_name(i) == name]


def fulfilled_by_state(name: str | None, context: IssueContext, labels: Labels) -> bool:
    """Whether the state a bot-fulfilled item asks for already holds."""
    if name == "remove-incident-label":
        return labels.incident not in context.labels and labels.improvement in context.labels
    if name == "put-improvement-label":
        return labels.improvement in context.labels
    if name == "invite":
        return "invite" in context.fulfilled
    if name == "output-pdf":
        return "report" in context.fulfilled
    if name == "weekly-check":  # set by the weekly check's own runs; an event run cannot see the workflow
        return "weekly" in context.fulfilled
    return False


def answered(item: ListItem, incident: Incident) -> bool:
    """A triage question answered in writing, or a role with its @handles, is done even unticked."""
    if any(q.line == item.line and q.written and q.answer.value != "unanswered" for q in incident.triage):
        return True
    return any(r.line == item.line and r.handles for r in incident.roles)


def is_done(item: ListItem, incident: Incident, context: IssueContext, labels: Labels) -> bool:
    return item.checked or answered(item, incident) or fulfilled_by_state(item_name(item), context, labels)


def all_checked(items: Iterable[ListItem]) -> bool:
    items = list(items)
    return bool(items) and all(i.checked for i in items)


def open_items_by_section(incident: Incident, context: IssueContext, labels: Labels) -> dict[str, int]:
    """Count of task items not yet done, per top-level section (its heading text)."""
    out: dict[str, int] = {}
    for item in incident.tasks:
        top = item.path[0] if item.path else "(before any heading)"
        out.setdefault(top, 0)
        if not is_done(item, incident, context, labels):
            out[top] += 1
    return out
