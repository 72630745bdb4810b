"""Where the incident stands: the phase, derived from the body plus labels and state.

The phases follow the template's order: reported (not yet decided), triaged
(it is an incident), investigating (roles named), first-aid-done, resolved
(resolution announced, labels swapped or the issue closed), postmortem-scheduled,
improving (the postmortem has happened), done (every box done). A problem the
triage declared not to be an incident is ``not-incident``.
"""

from __future__ import annotations

from incident_kit.basics.roles import ROLE_ORDER
from incident_kit.body.checklist import all_checked, is_done, named
from incident_kit.body.model import Decision, Incident, IssueContext, Phase
from incident_kit.settings.config import Labels


def roles_complete(incident: Incident) -> bool:
    inv, com, rec = (incident.role(k) for k in ROLE_ORDER)
    return bool(inv.handles) and len(com.handles) == 1 and len(rec.handles) == 1


def first_aid_done(incident: Incident) -> bool:
    return all_checked(named(incident, "first-aid"))


def is_resolved(incident: Incident, context: IssueContext, labels: Labels) -> bool:
    # The box resolves only a decided incident: ticked before the triage said yes, it changes nothing
    # (a finding says why), and a non-incident has nothing to resolve.
    if all_checked(named(incident, "announce-resolved")) and incident.decision is Decision.INCIDENT:
        return True
    if labels.improvement in context.labels:
        return True
    return context.state == "closed" and context.state_reason != "not_planned"


def compute_phase(incident: Incident, context: IssueContext, labels: Labels) -> Phase:
    decision = incident.decision
    resolved = is_resolved(incident, context, labels)
    if decision is Decision.NOT_INCIDENT and labels.improvement not in context.labels:
        return Phase.NOT_INCIDENT
    if not resolved:
        if decision is Decision.UNDECIDED:
            return Phase.REPORTED
        if not roles_complete(incident):
            return Phase.TRIAGED
        return Phase.FIRST_AID_DONE if first_aid_done(incident) else Phase.INVESTIGATING
    tasks = incident.tasks
    if tasks and all(is_done(i, incident, context, labels) for i in tasks):
        return Phase.DONE
    pm = incident.postmortem
    if pm.start is None:
        return Phase.RESOLVED
    held = context.now is not None and context.now >= pm.start
    started = any(i.checked for i in tasks if i.section == "pm-starting")
    if held or started or any(a.checked for a in incident.action_items):
        return Phase.IMPROVING
    return Phase.POSTMORTEM_SCHEDULED
