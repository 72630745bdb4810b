"""The postmortem invite: who is concerned, the RFC 5545 ``.ics``, the Google Calendar link, a proposal.

Pure functions only. The ``.ics`` is built with the ``icalendar`` library (no
hand-written lines, so a title cannot smuggle in an ATTENDEE or an alarm), its
UID depends only on the repository and the issue number, and its SEQUENCE comes
from the bot's stored state, so the same incident always produces the same
bytes and a moved meeting updates the event people already have.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from incident_kit.basics.times import format_iso, format_iso_basic, parse_stored, to_utc
from incident_kit.body.model import Incident, Phase, Postmortem
from incident_kit.body.roles import address_of, not_invitable
from incident_kit.body.when import in_zones as in_zones  # re-exported: callers import it from here
from incident_kit.body.when import quote_time
from incident_kit.plan.bot_state import BotState, InviteRecord
from incident_kit.settings.config import Config

DEFAULT_ORGANIZER = "incident-kit@users.noreply.github.com"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# The template's postmortem agenda with its time boxes: the invite's description.
AGENDA = (
    "Starting (20min): purpose and rules (5min); agenda (2min); summary and timeline (10min); "
    "roles: Facilitator, Timekeeper, Writer, Rulekeeper (1min); share screen",
    "Good points of us about this incident (10min)",
    "Root problem: how to resolve it permanently? (40min: brainstorming 20min, action items 10min)",
    "Workflow problem: how to avoid incidents like this permanently? (40min)",
    "Incident mode: how can future incidents get first aid in half of this incident's time? (40min)",
    "Closing (10min): weekly check, update the template, report to stakeholders",
)
RULES = (
    "DON'T pursue liability: protect everyone's psychological safety.",
    "DON'T create action items to 'be careful' or 'do your best': update code, the issue template or the schedule.",
)


@dataclass(frozen=True)
class Person:
    handle: str | None
    email: str | None
    written: str | None = None  # the name written under Attendees, shown instead of the address

    @property
    def name(self) -> str:
        return f"@{self.handle}" if self.handle else self.written or str(self.email)


@dataclass(frozen=True)
class Invite:
    """What the invite is, before it becomes bytes."""

    uid: str
    title: str
    url: str
    start: datetime
    end: datetime
    attendees: tuple[Person, ...]  # those with an e-mail address
    missing: tuple[str, ...]  # handles concerned but without an address in ``people``
    organizer: str
    sequence: int
    stamp: datetime
    cancelled: bool = False
    agenda: tuple[str, ...] = ()  # the body's agenda, part by part with its minutes; () is the built-in one
    roles: tuple[str, ...] = ()  # the postmortem roles as named in the body ("Facilitator: @alice")


def clean(text: str, limit: int = 300) -> str:
    """One line of text: control characters (CR, LF, ...) become spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


def uid_for(repository: str, number: int) -> str:
    """Stable for the issue: the same repository and number give the same UID on every run."""
    digest = hashlib.sha256(f"{repository.lower()}#{number}".encode()).hexdigest()[:16]
    return f"incident-{number}-{digest}@incident-kit"


def concerned(
    incident: Incident,
    author: str,
    assignees: tuple[str, ...],
    commenters: tuple[str, ...],
    config: Config,
) -> tuple[tuple[Person, ...], tuple[str, ...]]:
    """Everyone concerned: reporter, roles, assignees, commenters, attendees, stakeholders.

    Returns the people with an address and the handles without one (shown, not dropped).
    """
    seen: dict[str, None] = {}
    for login in (author, *[h for r in incident.roles for h in r.handles], *assignees, *commenters):
        if login and not login.endswith("[bot]"):
            seen.setdefault(login, None)
    people = {k.lower(): v for k, v in config.people.items()}
    with_address: list[Person] = []
    # Attendees as written: handles join the logins; addresses and names (through people:) are invited.
    for named in incident.postmortem.invitees:
        if named.kind == "handle":
            seen.setdefault(named.value, None)
            continue
        address = address_of(named, config.people)
        if address:
            with_address.append(Person(None, address, named.value if named.kind == "name" else None))
    missing: list[str] = []
    for login in seen:
        email = people.get(login.lower())
        if email:
            with_address.append(Person(login, email))
        else:
            missing.append(login)
    for stakeholder in config.stakeholders:
        if "@" in stakeholder:
            with_address.append(Person(None, stakeholder))
        elif stakeholder.lower() in people:
            with_address.append(Person(stakeholder, people[stakeholder.lower()]))
        elif stakeholder not in missing:
            missing.append(stakeholder)
    unique: dict[str, Person] = {}
    for person in with_address:
        unique.setdefault(str(person.email).lower(), person)
    return tuple(sorted(unique.values(), key=lambda p: str(p.email).lower())), tuple(missing)


def unreachable_names(incident: Incident, config: Config) -> tuple[str, ...]:
    """Names under Attendees with no address in ``people:``: shown, never dropped silently.

    The same reading as ``check``'s ``attendee-not-invitable`` (:func:`not_invitable`); the handles
    among them are in :func:`concerned`'s second list with everyone else concerned."""
    return tuple(p.value for p in not_invitable(incident.postmortem.invitees, config.people) if p.kind == "name")


def no_address(view: PostmortemView) -> list[str]:
    """Everyone concerned who cannot be invited, as shown to people: ``@handles`` first, then the names
    written under Attendees. The status comment and ``incident-kit invite`` both print this list."""
    return [f"@{h}" for h in view.missing] + list(view.missing_names)


def fingerprint(start: datetime, end: datetime, attendees: tuple[Person, ...], cancelled: bool) -> str:
    key = f"{start.isoformat()}|{end.isoformat()}|{','.join(str(p.email).lower() for p in attendees)}|{cancelled}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def next_sequence(previous: InviteRecord | None, fp: str, now: datetime) -> tuple[int, datetime, InviteRecord]:
    """SEQUENCE and DTSTAMP for this invite: unchanged while the fingerprint is, +1 when it moves."""
    if previous is not None and previous.fp == fp:
        stamp = _parse(previous.stamp) or now
        return previous.seq, stamp, previous
    seq = previous.seq + 1 if previous is not None else 0
    stamp = now.replace(microsecond=0)
    return seq, stamp, InviteRecord(seq, fp, format_iso(stamp))


def _parse(value: Any) -> datetime | None:
    # The bot's state can be edited by hand: a year the body could not hold is not trusted either.
    return parse_stored(value)


def description(invite: Invite) -> str:
    minutes = round((invite.end - invite.start).total_seconds() / 60)
    lines = [f"Postmortem of {invite.title}", invite.url, "", f"Agenda ({_length(minutes)}):"]
    lines += [f"- {item}" for item in (invite.agenda or AGENDA)]
    if invite.roles:
        lines += ["", "Roles: " + "; ".join(invite.roles)]
    lines += ["", *RULES]
    return "\n".join(lines)


def _length(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    unit = "hour" if hours == 1 else "hours"
    return f"{hours} {unit} {rest} minutes" if rest else f"{hours} {unit}"


def agenda_lines(incident: Incident) -> tuple[str, ...]:
    """The agenda as the body writes it, each part with its own minutes and its timed steps: a team
    that fixes its template's time boxes sees the fix in the next invite. () when the body has none."""
    out: list[str] = []
    for part in incident.meeting.agenda:
        box = f" ({part.minutes}min)" if part.minutes is not None else ""
        steps = "; ".join(f"{clean(p.title, 80)} ({p.minutes}min)" for p in part.parts)
        out.append(f"{clean(part.title, 120)}{box}" + (f": {steps}" if steps else ""))
    total = sum(p.minutes or 0 for p in incident.meeting.agenda)
    if out and total > incident.postmortem.duration_minutes:
        out.append(
            f"(The parts add up to {total} minutes, more than the {incident.postmortem.duration_minutes}-minute "
            "meeting: the Timekeeper cuts them to fit.)"
        )
    return tuple(out)


def role_lines(incident: Incident) -> tuple[str, ...]:
    """The postmortem roles with the template's fallbacks applied; a role nobody holds yet says so."""
    out: list[str] = []
    for role in incident.meeting.roles:
        if role.holders:
            via = f" (the {role.fallback.capitalize()})" if not role.handles and role.fallback else ""
            out.append(f"{role.label}: {' '.join('@' + h for h in role.holders)}{via}")
        elif role.line is not None:
            out.append(f"{role.label}: decided at the start")
    return tuple(out)


def build_ics(invite: Invite) -> bytes:
    """The RFC 5545 bytes: METHOD:REQUEST (or CANCEL), one VEVENT, one 15-minute VALARM."""
    from icalendar import Alarm, Calendar, Event, vCalAddress, vText

    cal = Calendar()
    cal.add("prodid", "-//incident-kit//postmortem invite//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if invite.cancelled else "REQUEST")
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", to_utc(invite.stamp))
    event.add("dtstart", to_utc(invite.start))
    event.add("dtend", to_utc(invite.end))
    event.add("summary", f"Postmortem: {clean(invite.title)}")
    event.add("description", description(invite))
    event.add("url", invite.url)
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{invite.organizer}")
    organizer.params["cn"] = vText("incident-kit")
    event.add("organizer", organizer)
    for person in invite.attendees:
        attendee = vCalAddress(f"mailto:{person.email}")
        # A calendar shows CN as the person's name: the handle without "@", else the name as written.
        attendee.params["cn"] = vText(clean(person.handle or person.name, 80))
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    if not invite.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Postmortem: {clean(invite.title)} in 15 minutes")
        alarm.add("trigger", timedelta(minutes=-15))
        event.add_component(alarm)
    cal.add_component(event)
    return bytes(cal.to_ical())


def google_link(invite: Invite) -> str:
    """Google Calendar's "add event" link, prefilled with title, times, details and guests."""
    params = {
        "action": "TEMPLATE",
        "text": f"Postmortem: {clean(invite.title)}",
        "dates": f"{format_iso_basic(invite.start)}/{format_iso_basic(invite.end)}",
        "details": description(invite),
        "ctz": "UTC",
    }
    if invite.attendees:
        params["add"] = ",".join(str(p.email) for p in invite.attendees)
    return "https://calendar.google.com/calendar/render?" + urlencode(params)


def propose_slot(after: datetime, config: Config) -> datetime | None:
    """The next working day at the configured hour (in ``timezone``), skipping weekends and
    holidays, if it falls within ``postmortem.within-days`` days; else None."""
    import zoneinfo

    settings = config.postmortem
    zone = zoneinfo.ZoneInfo(config.timezone)
    day = after.astimezone(zone).date()
    for _ in range(settings.within_days):
        day = day + timedelta(days=1)
        if day.weekday() >= 5 or day in set(settings.holidays):
            continue
        return datetime(day.year, day.month, day.day, settings.hour, 0, tzinfo=zone).astimezone(UTC)
    return None


def ics_path(config: Config, year: int, number: int) -> str:
    return config.postmortem.ics_path.format(year=year, number=number)


@dataclass
class PostmortemView:
    """What the status comment shows about the postmortem."""

    times: list[str] = field(default_factory=list)
    google: str = ""
    ics_url: str = ""
    attendees: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    missing_names: list[str] = field(default_factory=list)  # names under Attendees without an address
    proposal: list[str] = field(default_factory=list)
    cancelled: bool = False
    note: str = ""
    length: str = "2 hours: no length written"  # the meeting's length and where it came from


def meeting_length(pm: Postmortem) -> str:
    """The length as read: '90 minutes as written', or '2 hours: no length written' for the default."""
    if pm.length_written:
        return f"{_length(pm.duration_minutes)} as written"
    return f"{_length(pm.duration_minutes)}: no length written"


def wants_proposal(incident: Incident, phase: Phase, config: Config) -> bool:
    return (
        config.postmortem.propose
        and incident.postmortem.start is None
        and phase in (Phase.FIRST_AID_DONE, Phase.RESOLVED)
    )


@dataclass
class InvitePlan:
    """What the invite step wants: the file (or nothing), the state to keep, what to show."""

    path: str
    content: bytes | None
    state: InviteRecord | None  # the "invite" record of the bot's state; None: leave as is
    view: PostmortemView | None
    invite: Invite | None = None
    warnings: list[tuple[str, str, int | None]] = field(default_factory=list)  # rule, message, line


def plan_invite(
    incident: Incident,
    *,
    repository: str,
    number: int,
    title: str,
    url: str,
    created_at: datetime,
    author: str,
    assignees: tuple[str, ...],
    commenters: tuple[str, ...],
    config: Config,
    state: BotState,
    phase: Phase,
    now: datetime,
) -> InvitePlan:
    path = ics_path(config, created_at.year, number)
    previous = state.invite
    pm = incident.postmortem
    zones = (config.timezone, *config.display_timezones)
    attendees, missing = concerned(incident, author, assignees, commenters, config)
    if pm.start is not None:
        start = pm.start
        end = start + timedelta(minutes=pm.duration_minutes)
        cancelled = False
    elif previous is not None and not previous.cancelled:
        start = _parse(previous.start) or now
        end = _parse(previous.end) or start + timedelta(hours=2)
        cancelled = True
    else:
        was = _parse(previous.start) if previous is not None and previous.cancelled else None
        return InvitePlan(path, None, None, _no_meeting_view(was, incident, phase, config, missing, now))
    fp = fingerprint(start, end, attendees, cancelled)
    seq, stamp, entry = next_sequence(previous, fp, now)
    # Whether the date was already past when it was first planned: decided once per date and kept in
    # the record, so the warning shows on every run while the date stays (and never for a meeting
    # that simply took place), and running twice changes nothing.
    same_date = previous is not None and previous.start == format_iso(start) and not previous.cancelled
    past = bool(previous.past) if same_date and previous is not None else start < now
    entry = replace(
        entry,
        start=format_iso(start),
        end=format_iso(end),
        cancelled=cancelled,
        past=True if past and not cancelled else None,
    )
    invite = Invite(
        uid=uid_for(repository, number),
        title=title,
        url=url,
        start=start,
        end=end,
        attendees=attendees,
        missing=missing,
        organizer=config.postmortem.organizer or DEFAULT_ORGANIZER,
        sequence=seq,
        stamp=stamp,
        cancelled=cancelled,
        agenda=agenda_lines(incident),
        roles=role_lines(incident),
    )
    warnings: list[tuple[str, str, int | None]] = []
    if not cancelled and past:
        warnings.append(("postmortem-past", past_message(incident, config), pm.line))
    if cancelled:
        view = _no_meeting_view(start, incident, phase, config, missing, now)
    else:
        view = PostmortemView(
            times=in_zones(start, zones),
            google=google_link(invite),
            # Handles only: the addresses stay in the settings file, not in a public comment.
            attendees=[p.name for p in attendees],
            missing=list(missing),
            missing_names=list(unreachable_names(incident, config)),
            length=meeting_length(incident.postmortem),
        )
    return InvitePlan(path, build_ics(invite), entry, view, invite, warnings)


def past_message(incident: Incident, config: Config) -> str:
    """``postmortem-past``: the date quoted as written, with the zone it was read in (never a bare UTC time)."""
    pm = incident.postmortem
    assert pm.start is not None
    if pm.zone_source == "team" and config.timezone.upper() == "UTC":
        when, how = f"'{pm.stamp}'", "no zone is written and no `timezone:` is set, so the time is UTC; "
    else:
        when, how = quote_time(pm.stamp, pm.start, pm.local, pm.zone, pm.zone_source == "written", year=True), ""
    return f"The postmortem date {when} is in the past: check the date ({how}the meeting is {meeting_length(pm)})."


def _no_meeting_view(
    cancelled_start: datetime | None,
    incident: Incident,
    phase: Phase,
    config: Config,
    missing: tuple[str, ...],
    now: datetime,
) -> PostmortemView | None:
    """No meeting set: say a cancelled one was withdrawn, and propose a slot when it is time."""
    zones = (config.timezone, *config.display_timezones)
    view = None
    if cancelled_start is not None:
        view = PostmortemView(times=in_zones(cancelled_start, zones), cancelled=True)
    if wants_proposal(incident, phase, config):
        slot = propose_slot(now, config)
        if slot is not None:
            view = view or PostmortemView()
            view.proposal, view.missing = in_zones(slot, zones), list(missing)
            view.missing_names = list(unreachable_names(incident, config))
    return view
