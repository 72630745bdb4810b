"""People talking (pure): the Slack call, the first discoverer's account, the investigators' progress.

The template asks for three things nobody could see before: a call started at once
and kept until the incident is resolved ("Join to slack call room ... / 2min",
"Close slack call"), hearing from the first discoverer, and investigators who
"comment all information and progress to this issue". The call's times come from
the timeline's lines (the bot cannot see Slack); the first discoverer is the
reporter, whose account is the "Find this incident by" line or a comment of theirs;
a progress silence is measured from the investigators' comments.

Everything here is a function of the issue and the clock, and the texts carry
times, not durations, so a re-run at a later minute writes the same status: one
nudge per quiet period, ended by the next comment from an investigator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from incident_kit.basics.times import parse_iso
from incident_kit.body.meeting import CALL_END, CALL_START, call_entry
from incident_kit.body.model import Incident, Phase, TimelineEntry
from incident_kit.body.roles import handles
from incident_kit.body.text import fold
from incident_kit.github.port import CommentData
from incident_kit.settings.config import Config

CALL_BOX_MINUTES = 2  # "Join to slack call room ... / 2min"
_FOUND_BY = re.compile(r"^find(?:s|ing)? (?:this |the )?incident by\b\s*:?\s*(?P<how>.*)$", re.I)
_FOUND_PLACEHOLDER = re.compile(r"^\(?\s*user,\s*staff.*\)?$|^\(?\.*\)?$", re.I)
_LIVE = (Phase.REPORTED, Phase.TRIAGED, Phase.INVESTIGATING, Phase.FIRST_AID_DONE)


@dataclass(frozen=True)
class Call:
    link: str  # the team's call-link setting ("" when none)
    start: TimelineEntry | None  # the timeline line with the call's start time
    end: TimelineEntry | None


@dataclass(frozen=True)
class Discoverer:
    reporter: str  # the author: the first discoverer unless the timeline names someone
    named: tuple[str, ...]  # @handles on the "Find this incident by" line
    account: str  # "" while none is recorded; else where it is ("the timeline, line 63", a comment link)


@dataclass(frozen=True)
class Silence:
    investigators: tuple[str, ...]
    since: datetime  # the quiet period began then (the last investigator comment, or investigating began)
    minutes: int  # the team's setting


@dataclass(frozen=True)
class Conversation:
    call: Call
    discoverer: Discoverer
    silence: Silence | None


def call_of(incident: Incident, config: Config) -> Call:
    slack = config.notify.slack
    link = slack.call_link if slack is not None else ""
    return Call(link, call_entry(incident.timeline, CALL_START), call_entry(incident.timeline, CALL_END))


def discoverer_of(incident: Incident, author: str, comments: list[CommentData], bot: str) -> Discoverer:
    """The reporter, and where their account is: a filled "Find this incident by" line or their comment."""
    account = ""
    named: tuple[str, ...] = ()
    for entry in incident.timeline:
        m = _FOUND_BY.match(fold(entry.description))
        if m is None or entry.slot:
            continue
        how = m["how"].strip()
        named = handles(how)
        if how and not _FOUND_PLACEHOLDER.match(how):
            account = f"the timeline (line {entry.line})"
        break
    if not account:
        theirs = next((c for c in comments if c.author == author and c.author != bot and c.body.strip()), None)
        if theirs is not None:
            account = f"[their comment]({theirs.html_url})" if theirs.html_url else "their comment"
    return Discoverer(author, named, account)


def silence_of(
    incident: Incident,
    phase: Phase,
    comments: list[CommentData],
    entries: list[dict[str, Any]],
    created_at: datetime,
    now: datetime,
    config: Config,
) -> Silence | None:
    """The investigators' quiet period, when it is longer than the team's setting; else None."""
    minutes = config.progress_silence_minutes
    investigators = incident.role("investigator").handles
    if minutes <= 0 or phase is not Phase.INVESTIGATING or not investigators:
        return None
    # Investigating began when the investigators were named (recorded), else the written "Start investigating".
    named = next(
        (e for e in entries if e.get("k") == "role" and str(e.get("key", "")).startswith("investigator")), None
    )
    began = parse_iso(named.get("t")) if named is not None else None
    if began is None:
        written = next(
            (
                e
                for e in incident.timeline
                if e.when is not None and fold(e.description).lower().startswith("start inv")
            ),
            None,
        )
        began = written.when if written is not None and written.when is not None else created_at
    wanted = {h.lower() for h in investigators}
    spoke = [c.created_at for c in comments if c.author.lower() in wanted]
    since = max([began, *spoke])
    if now - since < timedelta(minutes=minutes):
        return None
    return Silence(investigators, since, minutes)


def conversation(
    incident: Incident,
    phase: Phase,
    *,
    author: str,
    comments: list[CommentData],
    bot: str,
    entries: list[dict[str, Any]],
    created_at: datetime,
    now: datetime,
    config: Config,
) -> Conversation:
    return Conversation(
        call_of(incident, config),
        discoverer_of(incident, author, comments, bot),
        silence_of(incident, phase, comments, entries, created_at, now, config),
    )


def call_text(call: Call) -> str:
    """The status table's Call row."""
    parts: list[str] = []
    if call.link:
        parts.append(f"[Join the Slack call]({call.link})")
    if call.start is not None and call.start.when is not None:
        parts.append(f"started {call.start.when:%m/%d %H:%M} UTC")
    if call.end is not None and call.end.when is not None:
        parts.append(f"closed {call.end.when:%m/%d %H:%M} UTC")
    elif call.start is None:
        parts.append("start not written yet ('Start slack call by @' in the timeline)")
    return " · ".join(parts)


def discoverer_text(d: Discoverer) -> str:
    who = " ".join("@" + h for h in d.named) if d.named else f"@{d.reporter} (opened the issue)"
    return f"{who} · account: {d.account}" if d.account else f"{who} · account: **not recorded yet**"


def steps(conv: Conversation, incident: Incident, phase: Phase) -> list[str]:
    """The lines these three add to the status comment's "Next"."""
    out: list[str] = []
    if phase is Phase.NOT_INCIDENT:
        return out
    investigators = " ".join("@" + h for h in incident.role("investigator").handles)
    if phase in _LIVE and conv.call.start is None:
        join = f" ({conv.call.link})" if conv.call.link else ""
        out.append(
            f"Everyone: join the Slack call{join} within 2 minutes and stay until the incident is resolved; "
            "the Recorder writes 'Start slack call by @...' with its time in the timeline."
        )
    if not conv.discoverer.account and phase is not Phase.DONE:
        d = conv.discoverer
        who = investigators or "Everyone on the call"
        out.append(
            f"{who}: hear from the first discoverer @{d.reporter} and record their account: fill "
            f"'Find this incident by' in the timeline, or @{d.reporter} comments here what they saw and when."
        )
    if phase.at_least(Phase.RESOLVED) and phase is not Phase.DONE and conv.call.end is None:
        out.append("Close the Slack call and write '- MM/DD HH:MM: Finish slack call' in the timeline.")
    return out


def silence_line(s: Silence) -> str:
    who = " ".join("@" + h for h in s.investigators)
    return (
        f"{who}: no progress comment from an investigator since {s.since:%m/%d %H:%M} UTC (the team asks for one "
        f"at least every {s.minutes} min while investigating): comment what you found and what you try next, "
        "even if it is nothing yet."
    )
