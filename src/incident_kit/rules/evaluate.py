"""Rules: from the model to findings, each with a stable id, a severity, a line and a fix.

Rule ids are a public interface (the status comment, the weekly check and other
tools rely on them), so they never change meaning. Which rules fire depends on
the phase: nobody is nagged about the postmortem while people still investigate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from incident_kit.body.action_items import vague_phrase
from incident_kit.body.checklist import all_checked, named
from incident_kit.body.meeting import CALL_END, call_entry, short_title
from incident_kit.body.model import (
    Answer,
    Decision,
    Finding,
    Incident,
    IssueContext,
    Phase,
    Severity,
    TimelineEntry,
)
from incident_kit.body.roles import HANDLE, not_invitable, without_honorific
from incident_kit.body.sections import REQUIRED
from incident_kit.body.text import fold
from incident_kit.body.when import quote_time
from incident_kit.rules.done import done_gaps, is_none_line
from incident_kit.rules.phase import compute_phase
from incident_kit.settings.config import Config

E, W = "error", "warning"

RULE_IDS = (
    "triage-unanswered",
    "triage-conflict",
    "roles-missing",
    "role-count",
    "video-missing",
    "timeline-format",
    "timeline-order",
    "action-item-vague",
    "action-item-untracked",
    "postmortem-unscheduled",
    "postmortem-date",
    "section-missing",
    "not-template",
    "attendee-not-invitable",
    "triage-not-an-answer",
    "agenda-over-length",
    "postmortem-roles-missing",
    "meeting-notes-empty",
    "call-not-closed",
    "resolve-undecided",
    "investigator-not-engineer",
    "communicator-investigates",
    "not-done",
    "zone-unclear",
    "zone-heading-utc",
    "role-not-handle",
)

ANSWER_HELP = "write y (or yes, はい, ○) or n (or no, いいえ, ×)"

VIDEO_HELP = (
    "drag and drop an .mp4, .mov or .webm file into the issue body under that heading "
    "(up to 10 MB on free plans, 100 MB on paid plans)"
)


@dataclass(frozen=True)
class Evaluation:
    """The result of checking one issue."""

    incident: Incident
    phase: Phase
    findings: tuple[Finding, ...]

    @property
    def decision(self) -> Decision:
        return self.incident.decision

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)


Rule = Callable[[Incident, Phase, Config], Iterator[Finding]]


def _f(rule: str, severity: str, message: str, line: int | None) -> Finding:
    return Finding(rule, Severity(severity), message, line)


def triage_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    for q in inc.triage:
        if q.conflict:
            yield _f(
                "triage-conflict",
                E,
                f"'{q.label}' is ticked but the written answer is '{q.written}': untick the box "
                "or write y, so the team agrees on the answer.",
                q.line,
            )
    for q in inc.triage:
        if q.written and q.answer is Answer.UNANSWERED:
            # Said whatever the decision: a left placeholder or a "maybe" must never pass for an answer.
            ticked = " The box is ticked, but a ticked box with a non-answer is not a yes." if q.checked else ""
            yield _f(
                "triage-not-an-answer",
                E if inc.decision is Decision.UNDECIDED else W,
                f"'{q.label}': '{q.written[:60]}' is not an answer, so incident-kit reads nothing there: "
                f"{ANSWER_HELP}.{ticked}",
                q.line,
            )
    if inc.decision is not Decision.UNDECIDED:
        return
    for q in inc.triage:
        if q.answer is not Answer.UNANSWERED or q.written:
            continue
        if q.line is None:
            msg = (
                f"The triage question '{q.label}' is missing: add it back under "
                "'Decide whether this is an incident or not' with the answer y or n."
            )
        else:
            msg = (
                f"Answer '{q.label}' by writing y or n in place of TODO(y/n) "
                "(one yes makes this an incident; three no mean it is not)."
            )
        yield _f("triage-unanswered", E, msg, q.line)


def role_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    for role in inc.roles:
        if len(role.handles) > 1 and role.key != "investigator":
            yield _f(
                "role-count",
                E,
                f"The {role.label} must be exactly one person, but {len(role.handles)} are named "
                f"({', '.join('@' + h for h in role.handles)}): keep one.",
                role.line,
            )
    yield from _role_intent(inc, cfg)
    if inc.decision is not Decision.INCIDENT or phase is Phase.DONE:
        return
    for role in inc.roles:
        if role.handles and role.names:
            # Beside handles, a bare name is not notified, assigned or checked: say so rather than drop it.
            yield _f(
                "role-not-handle",
                W,
                f"The {role.label} line names {_names(role.names)} beside "
                f"{', '.join('@' + h for h in role.handles)}, but only @handles count: {_as_handles(role.names)}.",
                role.line,
            )
        if role.handles:
            continue
        who = "one or more engineers" if role.key == "investigator" else "exactly one person"
        where = "on its line" if role.line else "under 'Decide roles'"
        written = f" (it says {_names(role.names)}: {_as_handles(role.names)})" if role.names else ""
        yield _f(
            "roles-missing",
            E,
            f"Name the {role.label} ({who}) with an @handle {where}{written}, within the 1-minute time box.",
            role.line,
        )


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _as_handles(names: tuple[str, ...]) -> str:
    """How to write those names as @handles: ``write @dave`` when the name could be a login, else ask for it."""
    logins = [without_honorific(n) for n in names]
    if all(HANDLE.fullmatch("@" + login) for login in logins):
        return "write " + ", ".join("@" + login for login in logins) + " (their GitHub login)"
    return "write each person's GitHub @handle instead"


def _role_intent(inc: Incident, cfg: Config) -> Iterator[Finding]:
    """The template's intent behind the roles, beyond their count."""
    investigator, communicator = inc.role("investigator"), inc.role("communicator")
    engineers = {e.lower() for e in cfg.engineers}
    if engineers:
        for handle in investigator.handles:
            if handle.lower() not in engineers:
                yield _f(
                    "investigator-not-engineer",
                    W,
                    f"@{handle} is named Investigator but is not listed under `engineers:` in the settings: the "
                    "template says an Investigator should be an engineer. Name an engineer, or add "
                    f"{handle} to `engineers:` in .github/incident-kit.yml.",
                    investigator.line,
                )
    team = {h.lower() for r in inc.roles for h in r.handles} | engineers
    both = [h for h in communicator.handles if h.lower() in {i.lower() for i in investigator.handles}]
    if both and len(team) > 2:
        yield _f(
            "communicator-investigates",
            W,
            f"@{both[0]} is both Communicator and Investigator. The Communicator takes all non-investigation "
            "work (telling stakeholders and users) so the investigators can focus; with more than two people "
            "on the team, name someone who is not investigating as Communicator.",
            communicator.line,
        )


def resolution_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    """ "Announce resolving" ticked when there is nothing to resolve: say why nothing happened."""
    boxes = named(inc, "announce-resolved")
    if not all_checked(boxes) or inc.decision is Decision.INCIDENT:
        return
    if inc.decision is Decision.UNDECIDED:
        why = (
            "the triage has not decided that this is an incident yet, so the labels stay and nobody is told: "
            "answer the three questions first (one yes makes it an incident), then the tick takes effect"
        )
    else:
        why = (
            "the triage decided this is not an incident (three no), so there is nothing to resolve and "
            f"'{cfg.labels.improvement}' is not put: untick it, or change a triage answer to y if it is one"
        )
    yield _f("resolve-undecided", W, f"'Announce resolving this incident' is ticked, but {why}.", boxes[0].line)


def video_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    if cfg.video.mode == "off" or phase is Phase.NOT_INCIDENT or inc.videos:
        return
    section = inc.section("video")
    where = "under 'Video of incident'" if section else "(the 'Video of incident' heading is missing)"
    hint = ""
    others = [link for link in inc.links if link.form == "other-video-file"]
    if others:
        hint = f" The link {others[0].url} is a video on a host not in video.allowed-hosts."
    yield _f(
        "video-missing",
        E if cfg.video.mode == "require" else W,
        f"Attach a video of the incident {where}: {VIDEO_HELP}, or link a recording on "
        f"{', '.join(cfg.video.hosts) or 'an allowed host'}.{hint}",
        section.line if section else None,
    )


def _quoted(entry: TimelineEntry) -> str:
    assert entry.when is not None
    return quote_time(entry.stamp, entry.when, entry.local, entry.zone, entry.zone_source == "written")


def timeline_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    latest: TimelineEntry | None = None
    for entry in inc.timeline:
        if entry.error:
            yield _f(
                "timeline-format",
                W,
                f"Timeline line '{entry.text[:80]}': {entry.error}; write it as "
                f"'- MM/DD HH:MM: what happened' (add a zone such as JST or +09:00 unless it is in "
                f"{cfg.timezone}) or keep the 'xx/xx xx:xx' slot.",
                entry.line,
            )
            continue
        if entry.when is None:
            continue
        if latest is not None and latest.when is not None and entry.when < latest.when:
            # Quoted as written, with the zone each was read in: a line read in the wrong zone shows as one.
            unnamed = entry.zone_source != "written" or latest.zone_source != "written"
            hint = " (or write the zone on a line that has none, if it was read in the wrong zone)" if unnamed else ""
            yield _f(
                "timeline-order",
                W,
                f"Timeline entry {_quoted(entry)} is earlier than the entry {_quoted(latest)} above it "
                f"(line {latest.line}): move it up so the timeline reads in order{hint}.",
                entry.line,
            )
        if latest is None or latest.when is None or entry.when >= latest.when:
            latest = entry
    yield from _zone_rules(inc, cfg)


# The zone to suggest for ``timezone:`` when a timeline is written in one of these.
_IANA = {
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "ICT": "Asia/Bangkok",
    "WIB": "Asia/Jakarta",
    "PHT": "Asia/Manila",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "EET": "Europe/Helsinki",
    "EEST": "Europe/Helsinki",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
}


def _zone_rules(inc: Incident, cfg: Config) -> Iterator[Finding]:
    """Times that name no zone, read in the team zone (UTC), in a body whose other times name another zone.

    A line without a zone takes the zone of the line above that wrote one; only lines above the
    first such line (and a zoneless postmortem date) fall back to ``timezone:``. While that is the
    default UTC and the body writes JST elsewhere, those lines may well be JST too: say so once,
    with what to do, rather than let the figures be off by hours without a word.
    """
    if cfg.timezone.upper() != "UTC":
        # The team chose its zone: a time without one is in it, as documented; but say so where a
        # heading still claims UTC, or a team that wrote UTC times under it is hours off without a word.
        yield from _heading_says_utc(inc, cfg)
        return
    named = [e for e in inc.timeline if e.zone_source == "written" and e.local is not None and e.local.utcoffset()]
    if not named:
        return
    first = named[0]
    assert first.local is not None
    label = first.zone.split(",")[0]
    suggest = _IANA.get(label.upper(), label if "/" in label else "Asia/Tokyo")
    bare = [e for e in inc.timeline if e.zone_source == "team" and e.when is not None]
    if bare:
        one = len(bare) == 1
        lines = ", ".join(str(e.line) for e in bare[:8]) + (", ..." if len(bare) > 8 else "")
        which = f"line {lines} has" if one else f"lines {lines} have"
        it, its = ("it is", "it") if one else ("they are", "them")
        # The example is the zoneless line's own time with the zone added: what the fix looks like.
        yield _f(
            "zone-unclear",
            W,
            f"Timeline {which} no zone and no line above names one, so {it} read in UTC (the `timezone:` setting), "
            f"but line {first.line} writes {label} ('{first.stamp}'): if {it} {label} too, write the zone on "
            f"{its} (e.g. '{bare[0].stamp} {label}') or set `timezone: {suggest}` in .github/incident-kit.yml "
            "if the team writes its times in that zone.",
            bare[0].line,
        )
    pm = inc.postmortem
    if pm.start is not None and pm.zone_source == "team":
        yield _f(
            "zone-unclear",
            W,
            f"The postmortem date '{pm.stamp}' names no zone, so it is read in UTC (the `timezone:` setting), "
            f"but the timeline writes {label} (line {first.line}): if the meeting is in {label}, "
            f"write the zone (e.g. '{pm.stamp} {label}') or set `timezone: {suggest}` in .github/incident-kit.yml.",
            pm.line,
        )


_UTC_HEADING = re.compile(r"\(\s*(?:UTC|GMT)\s*\)", re.I)


def _heading_says_utc(inc: Incident, cfg: Config) -> Iterator[Finding]:
    """``zone-heading-utc``: zoneless times under a ``(UTC)`` heading, read in the team's non-UTC zone.

    One finding for the whole body (timeline and postmortem date together), on the first such line,
    and only when such lines exist: an untouched template says nothing.
    """
    lines: list[tuple[int, str, str]] = []  # (line, stamp, heading)
    heading = _utc_heading(inc, "timeline")
    if heading:
        lines += [(e.line, e.stamp, heading) for e in inc.timeline if e.zone_source == "team" and e.when is not None]
    pm = inc.postmortem
    heading = _utc_heading(inc, "postmortem-datetime")
    if heading and pm.start is not None and pm.zone_source == "team" and pm.line is not None:
        lines.append((pm.line, pm.stamp, heading))
    if not lines:
        return
    headings = list(dict.fromkeys(h for _, _, h in lines))
    said = " and ".join(f"'{h}'" for h in headings) + (" says" if len(headings) == 1 else " say")
    fixed = " and ".join(f"'{_UTC_HEADING.sub(f'({cfg.timezone})', h)}'" for h in headings)
    where = ", ".join(str(n) for n, _, _ in lines[:8]) + (", ..." if len(lines) > 8 else "")
    which = f"line {where}" if len(lines) == 1 else f"lines {where}"
    first = lines[0][1]
    yield _f(
        "zone-heading-utc",
        "info",
        f"The heading {said} UTC, but times without a zone are read in {cfg.timezone} per `timezone:` "
        f"({which}; '{first}' is {cfg.timezone} time). To mean UTC, write it on the line (e.g. '{first} UTC'); "
        f"otherwise change the heading to {fixed}.",
        lines[0][0],
    )


def _utc_heading(inc: Incident, key: str) -> str:
    """The heading of that section as written when it names UTC (``Timeline(UTC)``), else ""."""
    section = inc.section(key)
    if section is None or not section.path or not _UTC_HEADING.search(fold(section.path[-1])):
        return ""
    return fold(section.path[-1]).strip()


def action_item_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    for item in inc.action_items:
        if is_none_line(item.text):
            continue  # "No action items": the postmortem's explicit outcome, nothing to track
        phrase = vague_phrase(item.text, cfg.vague_phrases, builtin=cfg.builtin_vague_phrases)
        if phrase:
            yield _f(
                "action-item-vague",
                E,
                f"Action item '{item.text[:80]}' asks people to '{phrase}': rewrite it as a change "
                "to code, the issue template or the schedule.",
                item.line,
            )
        elif not item.links:
            yield _f(
                "action-item-untracked",
                W,
                f"Action item '{item.text[:80]}' links no issue or PR: add #123 or an issue URL "
                "(the weekly check opens one for it).",
                item.line,
            )


def postmortem_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    pm = inc.postmortem
    if pm.error:
        yield _f(
            "postmortem-date",
            E,
            f"Postmortem date '{pm.written[:60]}': {pm.error}; write it as YYYY-MM-DD HH:MM "
            f"(with a zone such as JST or +09:00 unless it is in {cfg.timezone}).",
            pm.line,
        )
    elif pm.start is None and phase in (Phase.FIRST_AID_DONE, Phase.RESOLVED):
        section = inc.section("postmortem-datetime") or inc.section("postmortem")
        yield _f(
            "postmortem-unscheduled",
            W,
            "First aid is done: set the 2-hour postmortem under 'Datetime(UTC)' as "
            "YYYY-MM-DD HH:MM and invite everyone concerned.",
            pm.line or (section.line if section else None),
        )


def attendee_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    """Everyone under Attendees is invited, or named here: nobody is dropped from the invite silently."""
    missing = not_invitable(inc.postmortem.invitees, cfg.people)
    if not missing:
        return
    names = ", ".join(a.shown for a in missing)
    yield _f(
        "attendee-not-invitable",
        W,
        f"Attendees without an e-mail address, who will not get the invite: {names}. Add them under "
        "'people:' in .github/incident-kit.yml (a handle or the name as written, e.g. `山田: yamada@example.com`) "
        "or write their address.",
        missing[0].line,
    )


def structure_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    if not inc.template_like:
        yield _f(
            "not-template",
            W,
            "This body does not look like the incident template (its sections are missing): "
            "open incidents with the Incident issue template so incident-kit can follow them.",
            None,
        )
        return
    for key in inc.missing_sections:
        yield _f(
            "section-missing",
            W,
            f"The section '{REQUIRED[key]}' is missing: add it back from the incident template.",
            None,
        )


def _hm(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def agenda_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    """The agenda's time boxes must fit the meeting, and each part's steps must fit the part.

    A warning from the moment the postmortem is arranged; before that only a note (``check`` on the
    template itself shows it), so nobody is nagged about the meeting while people investigate."""
    if phase is Phase.NOT_INCIDENT or not inc.meeting.agenda:
        return
    severity = W if phase.at_least(Phase.FIRST_AID_DONE) else "info"
    length = inc.postmortem.duration_minutes
    timed = [p for p in inc.meeting.agenda if p.minutes is not None]
    total = sum(p.minutes or 0 for p in timed)
    if total > length:
        sums = " + ".join(f"{short_title(p.title)} {p.minutes}" for p in timed)
        yield _f(
            "agenda-over-length",
            severity,
            f"The agenda's time boxes add up to {total} min ({sums}), but the meeting is {_hm(length)}: "
            f"shorten the parts in the issue template (and this body), or make the meeting longer on the "
            f"Datetime line (e.g. '- {-(-total // 60)} hours').",
            inc.meeting.agenda_line,
        )
    for part in inc.meeting.agenda:
        inner = sum(p.minutes or 0 for p in part.parts)
        if part.minutes is not None and inner > part.minutes:
            sums = " + ".join(f"{short_title(p.title)} {p.minutes}" for p in part.parts)
            yield _f(
                "agenda-over-length",
                severity,
                f"'{part.title[:60]}' is {part.minutes} min but its steps add up to {inner} min ({sums}): "
                "make the steps fit the part.",
                part.line,
            )


def meeting_rules(inc: Incident, phase: Phase, cfg: Config, context: IssueContext) -> Iterator[Finding]:
    """Once the postmortem has started its roles are named; once it is over its notes are written."""
    pm = inc.postmortem
    if phase not in (Phase.IMPROVING, Phase.DONE) or pm.start is None:
        return
    for role in inc.meeting.roles if phase is Phase.IMPROVING else ():
        if role.holders or role.fallback is not None:
            continue  # a role with a fallback is done by the fallback role's holder: that one is asked for
        also = [r.label for r in inc.meeting.roles if r.fallback == role.key and not r.handles]
        covered = f", who also acts as {' and '.join(also)} unless someone else is named" if also else ""
        where = "on its line under 'Decide role'" if role.line else "under 'Decide role' in the Starting part"
        yield _f(
            "postmortem-roles-missing",
            W,
            f"The postmortem has started: name the {role.label} with an @handle {where}{covered}.",
            role.line,
        )
    now = context.now
    ended = now is not None and now >= pm.start + timedelta(minutes=pm.duration_minutes)
    if not ended and phase is not Phase.DONE and not any(a.checked for a in inc.action_items):
        return
    for notes in inc.meeting.notes:
        if notes.filled:
            continue
        what = "good points" if notes.key == "good-points" else f"ideas for {notes.key.split(':', 1)[1]}"
        yield _f(
            "meeting-notes-empty",
            W,
            f"'{notes.title[:60]}' still holds only the template's placeholder after the postmortem: "
            f"write the {what} the meeting came up with (or 'none' if there were none).",
            notes.line,
        )


def call_rules(inc: Incident, phase: Phase, cfg: Config) -> Iterator[Finding]:
    """ "Close slack call" is the template's last step: once resolved, its end belongs in the timeline."""
    if phase is Phase.NOT_INCIDENT or not phase.at_least(Phase.RESOLVED) or phase is Phase.DONE:
        return
    if call_entry(inc.timeline, CALL_END) is not None:
        return
    section = inc.section("timeline")
    yield _f(
        "call-not-closed",
        W,
        "The incident is resolved: close the Slack call and write when in the timeline "
        "('- MM/DD HH:MM: Finish slack call').",
        section.line if section else None,
    )


RULES: tuple[Rule, ...] = (
    structure_rules,
    triage_rules,
    role_rules,
    video_rules,
    timeline_rules,
    action_item_rules,
    postmortem_rules,
    attendee_rules,
    agenda_rules,
    call_rules,
    resolution_rules,
)


def evaluate(inc: Incident, context: IssueContext, cfg: Config) -> Evaluation:
    """Run every rule and order the findings by line (findings without a line first)."""
    phase = compute_phase(inc, context, cfg.labels)
    findings = [f for rule in RULES for f in rule(inc, phase, cfg)]
    findings += meeting_rules(inc, phase, cfg, context)
    if phase is Phase.DONE:
        # Every box is done; the work behind them must be too (README, "The weekly check").
        gaps = done_gaps(inc, context, tuple(findings), cfg.vague_phrases, cfg.builtin_vague_phrases)
        if gaps:
            phase = Phase.IMPROVING
            findings = [f for rule in RULES for f in rule(inc, phase, cfg)]
            findings += meeting_rules(inc, phase, cfg, context)
            findings += [
                _f("not-done", W, f"Every box is ticked, but not done yet: {g.what} ({g.owner}).", g.line) for g in gaps
            ]
    findings.sort(key=lambda f: f.line or 0)
    return Evaluation(inc, phase, tuple(findings))
