"""The bot's recorded timeline: what changed in the issue, when, and who did it (pure).

Each run compares a compact snapshot of the issue's facts (ticked boxes, triage
answers, roles, filled record fields, the video, labels, assignees, state) with
the snapshot the bot stored last time. When the event carries the previous body
(``issues.edited`` with ``changes.body.from``), the changes between that body and
the current one are the sender's, at the event's time; anything else that
changed since the stored snapshot (a dropped run, ``"changes": {}``) is recorded
without an author: the bot never invents one. Entries are keyed by what changed,
so re-running a step records nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_kit.basics.times import format_iso
from incident_kit.body.checklist import is_private, item_name
from incident_kit.body.model import Incident
from incident_kit.body.triage import QUESTIONS
from incident_kit.github.port import EventData

MAX_TASKS = 300  # boxes in the facts snapshot
MAX_ENTRIES = 300  # keeps the state block well inside GitHub's 65,536-character comment limit
TRIAGE_LABELS = {key: label for key, label, _ in QUESTIONS}
RECORD_LABELS = {"where-is-bug": "Where is the bug?", "first-aid": "First aid", "people-affected": "How many people"}


def facts(
    incident: Incident, labels: frozenset[str] | tuple[str, ...], assignees: tuple[str, ...], state: str
) -> dict[str, Any]:
    """The snapshot the recorder compares: small, JSON-friendly, stable keys."""
    tasks: dict[str, bool] = {}
    seen: dict[str, int] = {}
    # A bounded number of boxes (the state must fit the status comment); changes to boxes past it
    # are not recorded, which the bot states in the README's limits.
    for item in incident.tasks[:MAX_TASKS]:
        if is_private(item.text):
            # Who ticked a box about their psychological safety, and when, is theirs and their
            # manager's: it is not kept in the public status comment's state, so never recorded.
            continue
        base = f"{item.section or '-'}:{item.text[:60]}"
        seen[base] = seen.get(base, 0) + 1
        tasks[f"{base}#{seen[base]}"] = item.checked
    return {
        "tasks": tasks,
        "triage": {q.key: str(q.answer) for q in incident.triage},
        "roles": {r.key: list(r.handles) for r in incident.roles},
        "record": {f.key: f.filled for f in incident.record},
        "video": bool(incident.videos),
        "first_aid_done": _first_aid_done(incident),
        "labels": sorted(labels),
        "assignees": sorted(assignees),
        "state": state,
        "decision": str(incident.decision),
    }


def _first_aid_done(incident: Incident) -> bool:
    items = [i for i in incident.tasks if item_name(i) == "first-aid"]
    return bool(items) and all(i.checked for i in items)


def blank_facts(like: dict[str, Any]) -> dict[str, Any]:
    """The snapshot of a freshly opened template: nothing ticked, answered, named or filled."""
    return {
        "tasks": {k: False for k in like["tasks"]},
        "triage": {k: "unanswered" for k in like["triage"]},
        "roles": {k: [] for k in like["roles"]},
        "record": {k: False for k in like["record"]},
        "video": False,
        "first_aid_done": False,
        "labels": like["labels"],
        "assignees": [],
        "state": "open",
        "decision": "undecided",
    }


@dataclass(frozen=True)
class Change:
    kind: str  # task, triage, role, record, video, first-aid-done, decision, label, assignee, state
    key: str
    what: str


def diff(before: dict[str, Any] | None, after: dict[str, Any], labels_of: dict[str, str] | None = None) -> list[Change]:
    """What changed from one snapshot to the next, as sentences people read."""
    if not before:
        return []
    out: list[Change] = []
    b_tasks, a_tasks = before.get("tasks", {}), after["tasks"]
    for key, checked in a_tasks.items():
        if key in b_tasks and b_tasks[key] != checked:
            text = key.split(":", 1)[1].rsplit("#", 1)[0]
            if is_private(text):  # (a snapshot stored before private boxes were left out)
                continue
            out.append(Change("task", f"{key}={checked}", f"{'ticked' if checked else 'unticked'} '{text}'"))
    for key, answer in after["triage"].items():
        if before.get("triage", {}).get(key) != answer and answer != "unanswered":
            label = TRIAGE_LABELS.get(key, key)
            out.append(Change("triage", f"{key}={answer}", f"answered '{label}': {answer}"))
    for key, handles in after["roles"].items():
        if before.get("roles", {}).get(key, []) != handles and handles:
            out.append(
                Change("role", f"{key}={','.join(handles)}", f"named the {key}: {' '.join('@' + h for h in handles)}")
            )
    for key, filled in after["record"].items():
        if filled and not before.get("record", {}).get(key, False):
            out.append(Change("record", key, f"filled '{RECORD_LABELS.get(key, key)}'"))
    if after["video"] and not before.get("video", False):
        out.append(Change("video", "video", "attached the video"))
    if after["first_aid_done"] and not before.get("first_aid_done", False):
        out.append(Change("first-aid-done", "first-aid-done", "finished first aid (every first-aid box ticked)"))
    if after["decision"] != before.get("decision") and after["decision"] != "undecided":
        out.append(Change("decision", after["decision"], f"decided: {after['decision']}"))
    for label in sorted(set(after["labels"]) - set(before.get("labels", []))):
        out.append(Change("label", f"+{label}", f"added label {label}"))
    for label in sorted(set(before.get("labels", [])) - set(after["labels"])):
        out.append(Change("label", f"-{label}", f"removed label {label}"))
    for login in sorted(set(after["assignees"]) - set(before.get("assignees", []))):
        out.append(Change("assignee", f"+{login}", f"assigned @{login}"))
    if after["state"] != before.get("state"):
        # "closed" and "closed:completed" (closed as completed) are both a close; only a move
        # between open and closed is news.
        was, now_ = str(before.get("state", "")).split(":")[0], str(after["state"]).split(":")[0]
        if was != now_:
            what = "closed the issue" if now_ == "closed" else "reopened the issue"
            if after["state"] == "closed:completed":
                what = "closed the issue as completed"
            out.append(Change("state", after["state"], what))
    return out


def entry(change: Change, at: datetime, who: str | None) -> dict[str, Any]:
    return {"t": format_iso(at), "who": who, "what": change.what, "k": change.kind, "key": change.key}


META = ("labels", "assignees", "state")  # facts that are not in the body


def _body_part(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k not in META}


def record(
    timeline: Sequence[dict[str, Any]],
    stored: dict[str, Any] | None,
    observed: dict[str, Any],
    desired: dict[str, Any],
    *,
    previous_body_facts: dict[str, Any] | None,
    sender: str | None,
    meta_sender: str | None,
    event_at: datetime,
    now: datetime,
    bot: str,
    extra: list[Change] | None = None,
    events: list[EventData] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """New timeline and the snapshot to store.

    ``timeline`` and ``stored`` are the bot state's recorded timeline and facts snapshot (None:
    none was stored, nothing is compared). ``observed`` is the issue as read at the start of the
    run; ``desired`` is it after the bot's own writes of this run (labels, assignees), which are recorded as the bot's.
    ``sender`` edited the body from ``previous_body_facts`` to what it is now (issues.edited);
    ``meta_sender`` changed labels, assignees or the state (labeled, closed, ...). Whatever
    else changed since the stored snapshot is recorded with no author. ``extra`` are other
    facts the bot made this run (the invite, the report).
    """
    # An entry about a private box recorded by an older version is dropped on the next run.
    entries: list[dict[str, Any]] = [
        e for e in timeline if not (e.get("k") == "task" and is_private(str(e.get("what", ""))))
    ]
    new: list[dict[str, Any]] = []
    if stored is not None:
        body_changed = _body_part(stored) != _body_part(observed)
        if body_changed and previous_body_facts is not None:
            before_edit = _with_body(stored, previous_body_facts)
            # Changes before the event's edit (runs that were dropped): who and when are unknown.
            new += [
                entry(c, now, None) for c in diff(stored, before_edit) if c.kind not in ("label", "assignee", "state")
            ]
            new += [
                entry(c, event_at, sender)
                for c in diff(before_edit, observed)
                if c.kind not in ("label", "assignee", "state")
            ]
        elif body_changed:
            new += [entry(c, now, None) for c in diff(stored, observed) if c.kind not in ("label", "assignee", "state")]
        meta = [c for c in diff(stored, observed) if c.kind in ("label", "assignee", "state")]
        for c in meta:
            found = _from_events(c, events or []) if not meta_sender else None
            if found is not None:
                new.append(entry(c, found.created_at, found.actor))
            else:
                new.append(entry(c, event_at if meta_sender else now, meta_sender))
    new += [entry(c, now, bot) for c in diff(observed, desired) + list(extra or [])]
    merged = _dedupe(entries + new)
    return merged[-MAX_ENTRIES:], desired


def _from_events(change: Change, events: list[EventData]) -> EventData | None:
    """The latest issue event that explains a label, assignee or state change (dropped runs)."""
    if change.kind == "label":
        wanted, subject = ("labeled" if change.key.startswith("+") else "unlabeled"), change.key[1:]
    elif change.kind == "assignee":
        wanted, subject = ("assigned" if change.key.startswith("+") else "unassigned"), change.key[1:]
    elif change.kind == "state":
        wanted, subject = ("closed" if change.key.startswith("closed") else "reopened"), ""
    else:
        return None
    matches = [e for e in events if e.event == wanted and (not subject or e.subject == subject)]
    return matches[-1] if matches else None


def _with_body(stored: dict[str, Any], body_facts: dict[str, Any]) -> dict[str, Any]:
    """The stored snapshot with the body-derived facts replaced (labels etc. stay as stored)."""
    keep = {"labels", "assignees", "state"}
    return {k: (stored.get(k) if k in keep else v) for k, v in body_facts.items()}


def _dedupe(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str, str]] = set()
    out: list[dict[str, Any]] = []
    for e in entries:
        key = (str(e.get("k")), str(e.get("key")), str(e.get("t")))
        if key in seen:
            continue
        seen.add(key)
        out.append(e)
    return out
