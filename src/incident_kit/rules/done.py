"""What "done" means for an incident, beyond ticked boxes: the gaps that keep it open (pure).

An incident is done when every box that counts is done *and* the work behind the
boxes is really there: no error finding is left, the Record is filled ("Where is
bug?", "First aid", "How many people was affected?" say more than TODO), the
postmortem wrote at least one concrete action item (or said plainly that there
are none), and every follow-up issue the weekly check opened is closed. Each gap
names what is missing and who owns it, so the weekly check can say it instead of
closing the issue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incident_kit.body.action_items import vague_phrase
from incident_kit.body.model import Finding, Incident, IssueContext, Severity

# An explicit "nothing to do" line under an action-items heading, in English or Japanese.
_NONE_LINE = re.compile(
    r"^\s*(?:\[[ xX]\]\s*)?"
    r"(?:no action items?\b|none\b|n/a\b|アクションアイテムなし|アクションアイテムは?ありません|なし\s*$)",
    re.I,
)
RECORD_NAMES = {
    "where-is-bug": "Where is bug?",
    "first-aid": "First aid",
    "people-affected": "How many people was affected?",
}


@dataclass(frozen=True)
class Gap:
    """One thing missing before the incident is done: what, and whose it is."""

    what: str
    owner: str  # "Recorder", "Writer", "the follow-up's assignees", ...
    line: int | None = None


def is_none_line(text: str) -> bool:
    """An action-item line that says there are none ("No action items", "なし")."""
    return bool(_NONE_LINE.match(text))


def says_no_action_items(incident: Incident) -> bool:
    """The postmortem wrote an explicit "no action items" line under an action-items heading."""
    return any(i.section == "action-items" and _NONE_LINE.match(i.text) for i in incident.items)


def concrete_action_items(incident: Incident, phrases: tuple[str, ...], builtin: bool = True) -> int:
    """Action items that are a change (not a placeholder, not "be careful", not a "no action items" line)."""
    return sum(
        1
        for a in incident.action_items
        if not vague_phrase(a.text, phrases, builtin=builtin) and not _NONE_LINE.match(a.text)
    )


def postmortem_finished(incident: Incident, phrases: tuple[str, ...], builtin: bool = True) -> bool:
    """The postmortem's outcome is written: a concrete action item, or an explicit "no action items"."""
    return concrete_action_items(incident, phrases, builtin) > 0 or says_no_action_items(incident)


def done_gaps(
    incident: Incident,
    context: IssueContext,
    findings: tuple[Finding, ...],
    phrases: tuple[str, ...],
    builtin: bool = True,
) -> list[Gap]:
    """Everything besides the boxes that keeps the incident from being done."""
    gaps: list[Gap] = []
    for f in findings:
        if f.severity is Severity.ERROR:
            gaps.append(Gap(f"fix the `{f.rule}` error", _owner_of_rule(f.rule), f.line))
    for field in incident.record:
        if not field.filled:
            gaps.append(Gap(f"fill '{RECORD_NAMES.get(field.key, field.key)}' in the Record", "Recorder", field.line))
    if not postmortem_finished(incident, phrases, builtin):
        gaps.append(
            Gap(
                "write at least one concrete action item (a change to code, the template or the schedule), "
                "or a line saying 'No action items'",
                "Writer",
            )
        )
    for number in context.open_followups:
        gaps.append(Gap(f"close follow-up issue #{number} once its change is made", "its assignees"))
    return gaps


def _owner_of_rule(rule: str) -> str:
    if rule.startswith(("triage", "role")):
        return "Communicator"
    if rule.startswith(("action-item", "postmortem")):
        return "Writer"
    return "Recorder"
