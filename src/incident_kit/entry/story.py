"""The demo incident: one incident walked through its life, step by step.

Each step is what a person does to the issue (edit the body, comment, close);
the demo applies the steps one after another and lets incident-kit react to
each, so a newcomer sees the whole process on their own machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from incident_kit.body import edits

VIDEO_URL = "https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe"
TITLE = "Checkout page returns 500 for every user"


@dataclass(frozen=True)
class Step:
    name: str
    actor: str
    at: str  # ISO 8601 UTC time of the step
    edit: Callable[[str], str] = field(default=lambda body: body)
    comment: str | None = None
    close: bool = False


def _triage(body: str) -> str:
    body = edits.fill_slot(body, "Start slack call", "11/20 09:01", "Start slack call by @erin")
    body = edits.answer(body, "50%", "y")
    body = edits.answer(body, "corrupting", "n")
    return edits.answer(body, "attack", "n")


def _roles(body: str) -> str:
    body = edits.set_role(body, "Investigator", "alice", "bob")
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    body = edits.fill_slot(body, "Start this incident", "11/20 08:52")
    return edits.fill_slot(body, "Find this incident", "11/20 08:58", "Find this incident by User report")


def _first_aid(body: str) -> str:
    body = edits.tick(body, "problem")
    body = edits.tick(body, "firstaid")
    body = edits.fill_field(body, "Where is", "Payment client timeout set to 0 in release 2026.11.20")
    body = edits.fill_field(body, "First aid", "Rolled back to release 2026.11.19")
    body = edits.fill_field(body, "How many", "About 3,200 checkout attempts failed")
    return edits.fill_slot(body, "Finish first aid", "11/20 09:41")


def _resolve(body: str) -> str:
    body = edits.tick(body, "Announce resolving this incident")
    body = edits.fill_slot(body, "Finish slack call", "11/20 10:25")
    return edits.set_postmortem(body, "2026-11-24 10:00 -  2 hours")


def _meeting(body: str) -> str:
    """The postmortem opens: its roles are named (Timekeeper and Rulekeeper fall back)."""
    body = edits.set_meeting_role(body, "Facilitator", "carol")
    return edits.set_meeting_role(body, "Writer", "dave")


def _action_items(body: str) -> str:
    body = edits.set_notes(body, "good point", "Rollback took 4 minutes once the release was found")
    body = edits.set_notes(body, "Root problem", "Nothing rejects a zero timeout in the client config")
    body = edits.set_notes(body, "Workflow problem", "Config changes merge without a second reviewer")
    body = edits.set_notes(body, "Incident mode", "Nobody knew where the rollback job lives")
    body = edits.set_action_item(body, "Root problem", "Reject a zero timeout in the payment client config #101")
    body = edits.set_action_item(body, "Workflow problem", "Everyone should be careful when editing config")
    return edits.set_action_item(body, "Incident mode", "Add a one-click rollback job to the deploy workflow")


STORY: tuple[Step, ...] = (
    Step("Opened without a video", "erin", "2026-11-20T09:00:00Z"),
    Step("Call started; triage answered: more than 50% of users affected", "alice", "2026-11-20T09:02:00Z", _triage),
    Step("Roles named", "alice", "2026-11-20T09:03:00Z", _roles),
    Step(
        "Video attached",
        "erin",
        "2026-11-20T09:05:00Z",
        lambda body: edits.attach_video(body, VIDEO_URL),
    ),
    Step("First aid done", "bob", "2026-11-20T09:45:00Z", _first_aid),
    Step(
        "Resolved too early: 'Announce resolving' ticked",
        "carol",
        "2026-11-20T10:10:00Z",
        lambda body: edits.tick(body, "Announce resolving this incident"),
    ),
    Step(
        "Resolution taken back: errors came back, the box is unticked",
        "carol",
        "2026-11-20T10:15:00Z",
        lambda body: edits.untick(body, "Announce resolving this incident"),
    ),
    Step("Resolved again and postmortem set", "carol", "2026-11-20T10:30:00Z", _resolve),
    Step("Postmortem starts: Facilitator and Writer named", "carol", "2026-11-24T10:02:00Z", _meeting),
    Step("Notes and action items written at the postmortem", "dave", "2026-11-24T12:00:00Z", _action_items),
)
