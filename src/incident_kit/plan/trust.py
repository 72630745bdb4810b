"""Trust (pure): who may make incident-kit act on an issue, and whose words name the people it acts on.

An issue opened by someone with triage, write, maintain or admin permission is trusted. An
outsider's issue is trusted only once a maintainer *confirms* it, and only two acts confirm (the
README, "Trust"): a maintainer adding the ``incident`` label, or a maintainer editing the body. A
maintainer's comment, a close (as not planned or otherwise), another label or an assignment does
not: those are what a maintainer does to spam as well.

Even after confirmation the outsider can still edit the body. The lines that decide who is
assigned, invited or told (the roles and the postmortem attendees) are therefore taken from the
version a trusted person wrote or approved: the bot state keeps that version (``people``), recorded
at the confirmation and at every later body edit by a maintainer. An outsider's later edits to
those lines wait, and the status comment says so, until a maintainer edits the body.

Lookups the trust needs cost API requests, so they are bounded per issue and run
(:data:`MAX_LOOKUPS`); what is past the bound is named in the status comment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from incident_kit.body.model import Incident, Role
from incident_kit.github.port import TRUSTED_PERMISSIONS

# Permission and assignability lookups per issue and run. GitHub assigns at most 10 people to an
# issue, so more investigators could never all be assigned anyway.
MAX_LOOKUPS = 10
MAX_HANDLES = 10  # handles kept per role in the trusted version
MAX_ATTENDEE_LINES = 50
MAX_LINE = 200  # characters kept per attendee line

# Closed as not planned, or as a duplicate: nothing is committed or sent for it.
DISMISSED_REASONS = ("not_planned", "duplicate")


@dataclass(frozen=True)
class Act:
    """What the event's sender did, as far as trust is concerned."""

    sender: str | None
    action: str = ""  # the issues event's action: "labeled", "edited", ...
    label: str | None = None  # the label added or removed (labeled / unlabeled)
    body_edited: bool = False  # issues.edited that changed the body (or did not say what changed)


def trusted(permission: str | None) -> bool:
    return (permission or "none") in TRUSTED_PERMISSIONS


def confirms(act: Act, permissions: dict[str, str], incident_label: str) -> bool:
    """Whether this event is a maintainer confirming an outsider's issue."""
    if not act.sender or not trusted(permissions.get(act.sender)):
        return False
    if act.action == "labeled":
        return (act.label or "").lower() == incident_label.lower()
    return act.action == "edited" and act.body_edited


def trusted_body_edit(act: Act, permissions: dict[str, str]) -> bool:
    return (
        act.action == "edited" and act.body_edited and bool(act.sender) and trusted(permissions.get(act.sender or ""))
    )


def dismissed(state: str, state_reason: str | None) -> bool:
    return state == "closed" and (state_reason or "") in DISMISSED_REASONS


def people_of(incident: Incident) -> dict[str, Any]:
    """The lines that name whom the bot acts on, bounded, as stored in the bot state."""
    return {
        "roles": {r.key: list(r.handles[:MAX_HANDLES]) for r in incident.roles},
        "attendees": [line[:MAX_LINE] for line in incident.postmortem.attendees[:MAX_ATTENDEE_LINES]],
    }


def load_people(raw: Any) -> dict[str, Any] | None:
    """A stored trusted version, or None when it is missing or not what the bot writes."""
    if not isinstance(raw, dict):
        return None
    roles, attendees = raw.get("roles"), raw.get("attendees")
    if not isinstance(roles, dict) or not isinstance(attendees, list):
        return None
    return {
        "roles": {
            str(k): [str(h) for h in v if isinstance(h, str)][:MAX_HANDLES]
            for k, v in roles.items()
            if isinstance(v, list)
        },
        "attendees": [str(a)[:MAX_LINE] for a in attendees if isinstance(a, str)][:MAX_ATTENDEE_LINES],
    }


def with_people(incident: Incident, people: dict[str, Any]) -> Incident:
    """The incident with its roles and attendees as the trusted version has them."""
    roles = people.get("roles", {})
    new_roles: list[Role] = [replace(r, handles=tuple(roles.get(r.key, ()))) for r in incident.roles]
    postmortem = replace(incident.postmortem, attendees=tuple(people.get("attendees", ())))
    return replace(incident, roles=tuple(new_roles), postmortem=postmortem)


def waiting_note(author: str, current: dict[str, Any], kept: dict[str, Any], approved_by: str | None) -> str:
    """What of the outsider's edit waits, for the status comment."""
    changed: list[str] = []
    for key, handles in current["roles"].items():
        if handles != kept["roles"].get(key, []):
            changed.append(key.capitalize())
    if current["attendees"] != kept["attendees"]:
        changed.append("Attendees")
    used = "; ".join(
        f"{k.capitalize()}: {' '.join('@' + h for h in v) or '(nobody)'}" for k, v in kept["roles"].items()
    )
    by = f" approved by @{approved_by}" if approved_by else " a maintainer approved"
    return (
        f"Waiting for a maintainer: @{author} (no triage access) changed the {', '.join(changed)} line(s) after "
        f"the issue was confirmed. incident-kit keeps assigning, inviting and telling the people of the "
        f"version{by} ({used}) until a maintainer edits the body."
    )


def capped_note(kind: str, wanted: int) -> str:
    return (
        f"{wanted} {kind}: incident-kit checks at most {MAX_LOOKUPS} per run (GitHub assigns at most 10 people to "
        f"an issue, and each check is an API request); the rest are not checked or assigned."
    )
