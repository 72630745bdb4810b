"""Telling people (pure): what to say on Slack and by e-mail, to whom, and once per fact.

This module owns the messages, not their delivery. From the facts a run knows
(:class:`Facts`, plain data), the settings (``notify:``) and the record of what
was sent before, :func:`plan_messages` returns the messages still due: the Slack
posts (Block Kit payloads for an incoming webhook) and the mails (subject, text,
the report PDF, the postmortem invite as a real ``text/calendar`` part). Every
message carries a *fact key* (``declared``, ``roles:<hash>``, ``resolved``,
``retracted:<n>``, ``invite:<uid>:<sequence>``, ``report:1``, ``report:final``, ``announcement``), and a
key already in the record is never planned again, so a re-run says nothing twice.
:mod:`incident_kit.apply.deliver` sends them and writes the record.

Issue text is untrusted: on Slack it is escaped (``& < >``) and every ``@`` gets a
zero-width joiner, so a title such as ``<!channel> @here`` pings nobody; only the
mention the team wrote in its settings can ping.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from incident_kit.basics.roles import ROLE_NAMES, ROLE_ORDER
from incident_kit.basics.times import format_iso, parse_iso
from incident_kit.plan.bot_state import InviteRecord
from incident_kit.plan.invite import clean
from incident_kit.settings.config import EmailSettings, NotifySettings

SLACK, EMAIL = "slack", "email"
ZWJ = "\u200d"  # zero-width joiner: "@\u200dhere" reads as @here but is no mention
SLACK_SHOWN = "Slack"
BUTTON_URL_LIMIT = 3000  # Slack refuses the whole message when a button's url is longer
_FOOTER = "Sent by incident-kit from the incident issue; reply on the issue, not to this mail."


@dataclass(frozen=True)
class Facts:
    """What the run knows about the incident, as plain data (see the wiring notes in notify_step)."""

    repository: str
    number: int
    title: str
    url: str
    decision: str  # "incident", "not-incident", "undecided"
    phase: str
    triage: tuple[tuple[str, str], ...]  # (question label, "yes"/"no"/"unanswered")
    roles: dict[str, tuple[str, ...]]  # investigator/communicator/recorder -> handles
    resolved: bool
    announcement: str | None  # the first "Announcement:" comment by someone with access, prefix removed
    postmortem_times: tuple[str, ...] = ()  # ("2026-12-01 10:00 UTC", "2026-12-01 19:00 Asia/Tokyo")
    google_link: str = ""
    invite_uid: str = ""
    invite_sequence: int = -1
    invite_ics: bytes | None = None
    invite_cancelled: bool = False
    attendee_emails: tuple[str, ...] = ()
    report_url: str = ""
    report_pdf: bytes | None = None
    report_name: str = ""
    report_fingerprint: str = ""
    # Which report stakeholders get now: "1" (at resolution), "final" (the postmortem's action items
    # are written, or the issue is closed), "" (none). Stakeholders get at most these two.
    report_version: str = ""


@dataclass(frozen=True, repr=False)
class NotifySecrets:
    """The webhook and the SMTP login. ``repr`` says only which are set, so a log never shows them."""

    slack_webhook: str = ""
    smtp_user: str = ""
    smtp_password: str = ""

    def __repr__(self) -> str:
        def state(value: str) -> str:
            return "set" if value else "unset"

        return (
            f"NotifySecrets(slack_webhook={state(self.slack_webhook)}, smtp_user={state(self.smtp_user)}, "
            f"smtp_password={state(self.smtp_password)})"
        )

    def scrub(self, text: str) -> str:
        """Text with every secret blanked out: error messages go to a public status comment."""
        for secret in (self.slack_webhook, self.smtp_password, self.smtp_user):
            if secret:
                text = text.replace(secret, "***")
        return text


@dataclass(frozen=True)
class Recipient:
    address: str  # "" for Slack: the webhook decides the channel
    shown: str  # what the status comment shows: "Slack", "@alice", "ceo@example.com"


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    calendar: bytes | None = None  # the .ics, sent as text/calendar; method=<method>
    method: str = ""  # "REQUEST" or "CANCEL"
    attachment: Attachment | None = None
    message_id: str = ""  # the thread's first mail carries the thread id
    references: str = ""  # the others refer to it, so mail clients show one conversation


@dataclass(frozen=True)
class Message:
    """One thing to say on one channel, settling one fact (and ``covers``, when it says those too)."""

    channel: str  # SLACK or EMAIL
    key: str
    what: str  # "incident declared", "announcement", ... (the status comment's words)
    to: tuple[Recipient, ...]
    slack: dict[str, Any] | None = None
    mail: Mail | None = None
    covers: tuple[str, ...] = ()
    keep: tuple[tuple[str, str], ...] = ()  # more to keep in the record (which announcement text went)

    def describe(self) -> str:
        if self.channel == SLACK:
            return f"Slack: {self.what}"
        return f"E-mail to {', '.join(r.shown for r in self.to)}: {self.what}"


# ---------------------------------------------------------------- the record of what was sent
# state = {"slack": {key: entry}, "email": {key: entry}}; entry = {"t": ISO time, "w": what,
# "to": [shown names], "retry": [shown names refused last time], "in": key that covered it}


def channel_record(sent: dict[str, Any], channel: str) -> dict[str, Any]:
    record = sent.get(channel)
    return record if isinstance(record, dict) else {}


def _entry(sent: dict[str, Any], channel: str, key: str) -> dict[str, Any] | None:
    entry = channel_record(sent, channel).get(key)
    return entry if isinstance(entry, dict) else None


def _done(sent: dict[str, Any], channel: str, key: str) -> bool:
    """Sent, with nobody left to retry."""
    entry = _entry(sent, channel, key)
    return entry is not None and not entry.get("retry")


def _names(values: Any) -> list[str]:
    return [str(v) for v in values] if isinstance(values, list) else []


def record_delivery(
    sent: dict[str, Any], message: Message, now: datetime, delivered: list[str], refused: list[str]
) -> dict[str, Any]:
    """The record of what was sent with ``message`` written down: who got it, who is still to get it."""
    out = {ch: dict(rec) for ch, rec in sent.items() if isinstance(rec, dict)}
    channel = out.setdefault(message.channel, {})
    previous = channel.get(message.key)
    before: dict[str, Any] = previous if isinstance(previous, dict) else {}
    got = list(dict.fromkeys([*(before.get("to") or []), *delivered]))
    entry: dict[str, Any] = {"t": format_iso(now), "w": message.what, "to": got}
    for name, value in message.keep:
        entry[name] = before.get(name, value)  # a retry does not rewrite what went first
    if refused:
        entry["retry"] = refused
    channel[message.key] = entry
    for key in message.covers:
        channel[key] = {"t": format_iso(now), "w": message.what, "to": got, "in": message.key}
    return out


def told(state: dict[str, Any]) -> dict[str, list[str]]:
    """Who was told of the incident ("announcement") and of its end ("resolved"), for the status."""
    out: dict[str, list[str]] = {"announcement": [], "resolved": []}
    slack, email = channel_record(state, SLACK), channel_record(state, EMAIL)
    if isinstance(slack.get("declared"), dict):
        out["announcement"].append(SLACK_SHOWN)
    if isinstance(slack.get(resolved_key(state, SLACK)), dict):
        out["resolved"].append(SLACK_SHOWN)  # the resolution that stands (a retracted one is not)
    current = resolved_key(state, EMAIL)
    for key, entry in email.items():
        if not isinstance(entry, dict):
            continue
        bucket = "announcement" if key == "announcement" or key.startswith("announcement:") else key
        bucket = "resolved" if key == current else bucket
        if bucket in out:
            out[bucket] += [n for n in _names(entry.get("to")) if n not in out[bucket]]
    return out


def retractions(sent: dict[str, Any], channel: str) -> int:
    """How many resolutions were taken back on this channel (each retraction is its own fact)."""
    return sum(1 for key in channel_record(sent, channel) if key.startswith("retracted:"))


def resolved_key(sent: dict[str, Any], channel: str) -> str:
    """The fact key of the current resolution: ``resolved``, then ``resolved:2`` after one retraction, ..."""
    taken_back = retractions(sent, channel)
    return "resolved" if taken_back == 0 else f"resolved:{taken_back + 1}"


def delivered(sent: dict[str, Any], invite: InviteRecord | None) -> frozenset[str]:
    """The outside actions incident-kit really did, from the record of what was delivered:
    ``invite`` when the current postmortem invite was e-mailed and accepted for at least one person
    (a calendar invite is a mail; a Slack post is not one), ``report`` when the final report reached
    stakeholders (accepted by e-mail, or posted on Slack). A committed file alone is neither."""
    out: set[str] = set()
    if invite is not None and not invite.cancelled:
        seq = invite.seq
        for key, entry in channel_record(sent, EMAIL).items():
            if key.startswith("invite:") and key.endswith(f":{seq}") and isinstance(entry, dict) and entry.get("to"):
                out.add("invite")
    for channel in (EMAIL, SLACK):
        entry = _entry(sent, channel, "report:final")
        if entry is not None and entry.get("to"):
            out.add("report")
    return frozenset(out)


def sent_lines(state: dict[str, Any]) -> list[str]:
    """What was announced to whom and when, oldest first: lines for the status comment."""
    rows: list[tuple[str, int, str, str]] = []
    for order, channel in enumerate((SLACK, EMAIL)):
        for key, entry in channel_record(state, channel).items():
            if not isinstance(entry, dict) or entry.get("in") or not entry.get("to"):
                continue
            when = str(entry.get("t", ""))
            stamp = f"{moment:%m/%d %H:%M} UTC" if (moment := parse_iso(when)) else "time unknown"
            what = str(entry.get("w", "message"))
            if channel == SLACK:
                line = f"Slack: {what} ({stamp})"
            else:
                line = f"E-mail to {', '.join(_names(entry.get('to')))}: {what} ({stamp})"
            rows.append((when, order, str(key), line))
    # By time, then channel, then fact: never by dict order (the stored state comes back key-sorted).
    rows.sort()
    return [row[3] for row in rows]


# ---------------------------------------------------------------- planning


def roles_key(roles: dict[str, tuple[str, ...]]) -> str:
    """``roles:<hash>``: the same people in the same roles give the same key, in any order of handles."""
    named = {k: sorted(h.lower() for h in roles.get(k, ())) for k in ROLE_ORDER}
    return "roles:" + hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()[:12]


def invite_key(facts: Facts) -> str:
    return f"invite:{facts.invite_uid}:{facts.invite_sequence}"


def _any_role(facts: Facts) -> bool:
    return any(facts.roles.get(k) for k in ROLE_ORDER)


def plan_messages(facts: Facts, settings: NotifySettings, sent: dict[str, Any]) -> list[Message]:
    """The messages still due, in the order they should go out; nothing when nothing is configured."""
    messages: list[Message] = []
    if settings.slack is not None:
        messages += _plan_slack(facts, settings, sent)
    if settings.email is not None:
        messages += _plan_email(facts, settings.email, sent)
    return messages


def _plan_slack(facts: Facts, settings: NotifySettings, sent: dict[str, Any]) -> list[Message]:
    assert settings.slack is not None
    out: list[Message] = []
    to = (Recipient("", SLACK_SHOWN),)
    declared = _done(sent, SLACK, "declared")
    is_incident = facts.decision == "incident"
    if is_incident and not declared:
        # The declaration names the roles already set, so it settles their key as well.
        covers = (roles_key(facts.roles),) if _any_role(facts) else ()
        payload = slack_declared(facts, settings.slack.call_link, settings.slack.mention)
        out.append(Message(SLACK, "declared", "incident declared", to, slack=payload, covers=covers))
    declaring_now = bool(out)
    told_slack = declared or declaring_now
    if told_slack and _any_role(facts):
        key = roles_key(facts.roles)
        if not declaring_now and not _done(sent, SLACK, key):
            out.append(Message(SLACK, key, "roles: " + _roles_line(facts), to, slack=slack_roles(facts)))
    current = resolved_key(sent, SLACK)
    if told_slack and facts.resolved and not _done(sent, SLACK, current):
        out.append(Message(SLACK, current, "incident resolved", to, slack=slack_resolved(facts)))
    elif not facts.resolved and _entry(sent, SLACK, current) is not None:
        # The resolution was announced and then taken back: say so, once per retraction.
        key = f"retracted:{retractions(sent, SLACK) + 1}"
        out.append(Message(SLACK, key, "resolution taken back", to, slack=slack_retracted(facts)))
    if facts.invite_uid and facts.invite_sequence >= 0 and facts.postmortem_times:
        key = invite_key(facts)
        earlier = any(k.startswith(f"invite:{facts.invite_uid}:") for k in channel_record(sent, SLACK))
        # A cancellation is news only to those who heard of the meeting.
        wanted = earlier if facts.invite_cancelled else True
        if wanted and not _done(sent, SLACK, key):
            out.append(
                Message(
                    SLACK, key, _postmortem_what(facts), to, slack=slack_postmortem(facts, settings.email is not None)
                )
            )
    key = report_key(facts, sent, SLACK)
    if key and facts.report_url:
        keep = (("fp", facts.report_fingerprint),)
        out.append(Message(SLACK, key, report_what(facts), to, slack=slack_report(facts), keep=keep))
    return out


def report_key(facts: Facts, sent: dict[str, Any], channel: str) -> str:
    """``report:1`` or ``report:final`` when that version is due on the channel and not yet sent, else "".
    Stakeholders get a report at most twice: once the final one went, nothing more goes."""
    if not facts.report_fingerprint or facts.report_version not in ("1", "final"):
        return ""
    if _done(sent, channel, "report:final"):
        return ""
    key = f"report:{facts.report_version}"
    if facts.report_version == "1" and _entry(sent, channel, key) is not None and _done(sent, channel, key):
        return ""
    return key


def report_what(facts: Facts) -> str:
    return "incident report (final)" if facts.report_version == "final" else "incident report (1 of 2)"


def _postmortem_what(facts: Facts) -> str:
    if facts.invite_cancelled:
        return f"postmortem of {facts.postmortem_times[0]} cancelled"
    verb = "moved to" if facts.invite_sequence > 0 else "scheduled for"
    return f"postmortem {verb} {facts.postmortem_times[0]}"


def _pending(sent: dict[str, Any], key: str, everyone: tuple[Recipient, ...]) -> tuple[Recipient, ...] | None:
    """Whom a mail is still due to: everyone when never sent, those refused last time, or None."""
    entry = _entry(sent, EMAIL, key)
    if entry is None:
        return everyone if everyone else None
    retry = set(_names(entry.get("retry")))
    # Someone refused last time who is no longer a recipient is not chased.
    due = tuple(r for r in everyone if r.shown in retry)
    return due or None


def _plan_email(facts: Facts, email: EmailSettings, sent: dict[str, Any]) -> list[Message]:
    out: list[Message] = []
    stakeholders = tuple(Recipient(address, shown) for address, shown in email.recipients)
    thread = thread_id(facts)
    communicator = facts.roles.get("communicator", ())
    is_incident = facts.decision == "incident"
    first_sent = _entry(sent, EMAIL, "announcement")
    if is_incident and (communicator or facts.announcement):
        due = _pending(sent, "announcement", stakeholders)
        if due:
            mail = announcement_mail(facts, thread, first=True)
            # Which text went matters later: after the default, the Communicator's own text is news.
            keep = (("text", "default" if facts.announcement is None else "comment"),)
            out.append(Message(EMAIL, "announcement", _announcement_what(facts), due, mail=mail, keep=keep))
    if facts.announcement and first_sent is not None and first_sent.get("text") == "default":
        # The default went out before the Communicator wrote theirs: theirs is news too.
        key = "announcement:" + hashlib.sha256(facts.announcement.encode()).hexdigest()[:12]
        due = _pending(sent, key, stakeholders)
        if due:
            out.append(
                Message(EMAIL, key, "the Communicator's announcement", due, mail=announcement_mail(facts, thread))
            )
    current = resolved_key(sent, EMAIL)
    if facts.resolved and (is_incident or first_sent is not None):
        due = _pending(sent, current, stakeholders)
        if due:
            out.append(Message(EMAIL, current, "resolution", due, mail=resolved_mail(facts, thread)))
    elif not facts.resolved and (told_of := _entry(sent, EMAIL, current)) is not None:
        # Taken back: the people who were told of the resolution hear that it does not stand.
        people = tuple(r for r in (_recipient_named(n, email) for n in _names(told_of.get("to"))) if r is not None)
        key = f"retracted:{retractions(sent, EMAIL) + 1}"
        if people:
            out.append(Message(EMAIL, key, "resolution taken back", people, mail=retracted_mail(facts, thread)))
    if facts.invite_uid and facts.invite_sequence >= 0 and facts.invite_ics:
        names = dict(email.names)
        attendees = tuple(Recipient(a, names.get(a.lower(), a)) for a in dict.fromkeys(facts.attendee_emails))
        key = invite_key(facts)
        earlier = [
            entry
            for k, entry in channel_record(sent, EMAIL).items()
            if k.startswith(f"invite:{facts.invite_uid}:") and isinstance(entry, dict)
        ]
        if facts.invite_cancelled:
            # The cancellation goes to everyone who had the invite, and to nobody if nobody had it.
            had = dict.fromkeys(n for entry in earlier for n in _names(entry.get("to")))
            attendees = tuple(r for r in (_recipient_named(n, email) for n in had) if r is not None)
        due = _pending(sent, key, attendees)
        if due:
            mail = invite_mail(facts)
            out.append(Message(EMAIL, key, _invite_what(facts), due, mail=mail))
    key = report_key(facts, sent, EMAIL)
    if key and (facts.report_pdf or facts.report_url):
        due = _pending(sent, key, stakeholders)
        if due:
            keep = (("fp", facts.report_fingerprint),)
            out.append(Message(EMAIL, key, report_what(facts), due, mail=report_mail(facts, thread), keep=keep))
    return out


def _recipient_named(shown: str, email: EmailSettings) -> Recipient | None:
    """The recipient behind a name in the record: "@alice" through ``people``, else the address."""
    if shown.startswith("@"):
        address = next((a for a, name in email.names if name.lower() == shown.lower()), None)
        return Recipient(address, shown) if address else None
    return Recipient(shown, shown) if "@" in shown else None


def _announcement_what(facts: Facts) -> str:
    return "announcement" if facts.announcement is None else "announcement (the Communicator's text)"


def _invite_what(facts: Facts) -> str:
    when = facts.postmortem_times[0] if facts.postmortem_times else "the postmortem"
    if facts.invite_cancelled:
        return f"postmortem cancellation ({when})"
    return f"postmortem {'update' if facts.invite_sequence > 0 else 'invite'} ({when})"


# ---------------------------------------------------------------- Slack (Block Kit)


def slack_escape(text: str) -> str:
    """Untrusted text for Slack mrkdwn: control characters escaped, no mention can form."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Escaping already breaks <!channel> and <@U123>; the joiner breaks @here, @channel,
    # @everyone and @name, which Slack could otherwise link from plain text.
    return text.replace("@", "@" + ZWJ)


def _slack_url(url: str) -> str:
    """A URL inside <url|text>: the characters that would end or split the link are encoded."""
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack does not auto-link names, channels or URLs in it.
    return {"type": "mrkdwn", "text": text[:3000], "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def _button(text: str, url: str) -> dict[str, Any] | None:
    if not url.startswith(("https://", "http://")) or len(url) > BUTTON_URL_LIMIT:
        return None
    return {"type": "button", "text": {"type": "plain_text", "text": text, "emoji": True}, "url": url}


def _link_line(facts: Facts) -> str:
    label = slack_escape(f"{facts.repository}#{facts.number}: {clean(facts.title, 200)}")
    return f"*<{_slack_url(facts.url)}|{label}>*"


def _roles_line(facts: Facts) -> str:
    parts = []
    for key in ROLE_ORDER:
        handles = facts.roles.get(key, ())
        parts.append(f"{ROLE_NAMES[key]} {' '.join('@' + h for h in handles) if handles else 'not named'}")
    return ", ".join(parts)


def _roles_mrkdwn(facts: Facts) -> str:
    lines = []
    for key in ROLE_ORDER:
        handles = facts.roles.get(key, ())
        who = slack_escape(" ".join("@" + h for h in handles)) if handles else "_not named_"
        lines.append(f"*{ROLE_NAMES[key]}:* {who}")
    return "\n".join(lines)


def _payload(text: str, blocks: list[dict[str, Any] | None], mention: str = "") -> dict[str, Any]:
    # "parse": "none" keeps Slack from turning plain names into mentions; only the team's own
    # configured mention (already in Slack's <!here> form) is live.
    fallback = f"{mention} {text}".strip() if mention else text
    return {"text": fallback[:3000], "parse": "none", "blocks": [b for b in blocks if b is not None]}


def _actions(*buttons: dict[str, Any] | None) -> dict[str, Any] | None:
    elements = [b for b in buttons if b is not None]
    return {"type": "actions", "elements": elements} if elements else None


def slack_declared(facts: Facts, call_link: str = "", mention: str = "") -> dict[str, Any]:
    lines = [_link_line(facts), f"Decision: *{slack_escape(facts.decision)}* (one or more yes)"]
    if mention:
        lines.insert(0, mention)
    fields = [_mrkdwn(f"*{slack_escape(clean(label, 150))}*\n{slack_escape(answer)}") for label, answer in facts.triage]
    blocks: list[dict[str, Any] | None] = [_header("🚨 Incident declared"), _section("\n".join(lines))]
    if fields:
        blocks.append({"type": "section", "fields": fields[:10]})
    if _any_role(facts):
        blocks.append(_section(_roles_mrkdwn(facts)))
    blocks.append(_actions(_button("📞 Join the call", call_link), _button("Open the issue", facts.url)))
    text = f"🚨 Incident declared: {slack_escape(clean(facts.title, 200))} ({facts.repository}#{facts.number})"
    return _payload(text, blocks, mention)


def slack_roles(facts: Facts) -> dict[str, Any]:
    blocks: list[dict[str, Any] | None] = [
        _header("👥 Roles"),
        _section(_link_line(facts) + "\n" + _roles_mrkdwn(facts)),
    ]
    text = f"👥 Roles for {facts.repository}#{facts.number}: {slack_escape(_roles_line(facts))}"
    return _payload(text, blocks)


def slack_resolved(facts: Facts) -> dict[str, Any]:
    blocks: list[dict[str, Any] | None] = [
        _header("✅ Incident resolved"),
        _section(_link_line(facts) + "\nFirst aid is done and the incident is resolved; a postmortem follows."),
    ]
    text = f"✅ Incident resolved: {slack_escape(clean(facts.title, 200))} ({facts.repository}#{facts.number})"
    return _payload(text, blocks)


def slack_retracted(facts: Facts) -> dict[str, Any]:
    blocks: list[dict[str, Any] | None] = [
        _header("↩️ Resolution taken back"),
        _section(
            _link_line(facts) + "\nThe incident is not resolved after all: the work goes on. We will tell you again."
        ),
    ]
    text = f"↩️ Resolution taken back: {slack_escape(clean(facts.title, 200))} ({facts.repository}#{facts.number})"
    return _payload(text, blocks)


def slack_postmortem(facts: Facts, mailed: bool = False) -> dict[str, Any]:
    times = " · ".join(slack_escape(t) for t in facts.postmortem_times)
    if facts.invite_cancelled:
        head, body = "❌ Postmortem cancelled", f"The postmortem of {times} is cancelled."
    else:
        head = "📅 Postmortem moved" if facts.invite_sequence > 0 else "📅 Postmortem scheduled"
        # Only e-mail delivers a calendar invite; without it, say what each person has to do.
        how = (
            "Everyone concerned gets a calendar invite by e-mail."
            if mailed
            else "No invite is e-mailed: add it to your calendar with the button."
        )
        body = f"*{times}*, 2 hours. {how}"
    button = None if facts.invite_cancelled else _button("Add to Google Calendar", facts.google_link)
    blocks: list[dict[str, Any] | None] = [_header(head), _section(_link_line(facts) + "\n" + body), _actions(button)]
    return _payload(f"{head}: {facts.repository}#{facts.number}", blocks)


def slack_report(facts: Facts) -> dict[str, Any]:
    name = slack_escape(clean(facts.report_name or "the report", 200))
    blocks: list[dict[str, Any] | None] = [
        _header("📄 Incident report (final)" if facts.report_version == "final" else "📄 Incident report (1 of 2)"),
        _section(_link_line(facts) + f"\nThe report is committed: <{_slack_url(facts.report_url)}|{name}>"),
    ]
    return _payload(f"📄 Incident report of {facts.repository}#{facts.number}", blocks)


# ---------------------------------------------------------------- e-mail


def thread_id(facts: Facts) -> str:
    """A Message-ID stable for the incident: the announcement carries it, later mails refer to it."""
    digest = hashlib.sha256(f"{facts.repository.lower()}#{facts.number}".encode()).hexdigest()[:16]
    return f"<incident-{facts.number}-{digest}@incident-kit>"


def _subject(prefix: str, facts: Facts) -> str:
    return clean(f"{prefix}: {clean(facts.title, 150)} ({facts.repository}#{facts.number})", 250)


def _roles_text(facts: Facts) -> list[str]:
    lines = []
    for key in ROLE_ORDER:
        handles = facts.roles.get(key, ())
        lines.append(f"{ROLE_NAMES[key]}: {' '.join('@' + h for h in handles) if handles else 'not named yet'}")
    return lines


def announcement_text(facts: Facts) -> str:
    """The default announcement: what happened, why it is an incident, who to ask."""
    yes = [label for label, answer in facts.triage if answer == "yes"]
    communicator = " ".join("@" + h for h in facts.roles.get("communicator", ())) or "not named yet"
    lines = [
        clean(facts.title, 300),
        facts.url,
        "",
        f"We are handling an incident in {facts.repository} (issue #{facts.number}).",
    ]
    if yes:
        lines += ["", "It is an incident because:", *[f"- {clean(label, 200)}: yes" for label in yes]]
    lines += [
        "",
        f"Communicator: {communicator}. Please ask the Communicator for news, so the investigators can focus.",
        "",
        *_roles_text(facts),
        "",
        f"Progress is written on the issue: {facts.url}",
    ]
    return "\n".join(lines)


def announcement_mail(facts: Facts, thread: str, *, first: bool = False) -> Mail:
    if facts.announcement is None:
        text = announcement_text(facts)
    else:
        communicator = " ".join("@" + h for h in facts.roles.get("communicator", ())) or "not named yet"
        text = f"{facts.announcement.strip()}\n\n{clean(facts.title, 300)}\n{facts.url}\nCommunicator: {communicator}"
    prefix = "Incident" if first else "Update on the incident"
    if first:
        return Mail(_subject(prefix, facts), text, message_id=thread)
    return Mail(_subject(prefix, facts), text, references=thread)


def resolved_mail(facts: Facts, thread: str) -> Mail:
    lines = [
        clean(facts.title, 300),
        facts.url,
        "",
        f"The incident in {facts.repository} (issue #{facts.number}) is resolved: first aid is done.",
    ]
    if facts.postmortem_times:
        lines += ["", "Postmortem: " + " / ".join(facts.postmortem_times)]
    else:
        lines += ["", "A 2-hour postmortem follows; its invite comes separately."]
    return Mail(_subject("Resolved", facts), "\n".join(lines), references=thread)


def retracted_mail(facts: Facts, thread: str) -> Mail:
    lines = [
        clean(facts.title, 300),
        facts.url,
        "",
        f"Correction: the incident in {facts.repository} (issue #{facts.number}) is not resolved after all.",
        "The resolution announced earlier is taken back; the team is still working on it.",
        "You will be told again when it is resolved.",
    ]
    return Mail(_subject("Not resolved after all", facts), "\n".join(lines), references=thread)


def invite_mail(facts: Facts) -> Mail:
    when = " / ".join(facts.postmortem_times) or "(see the invite)"
    title = clean(facts.title, 150)
    if facts.invite_cancelled:
        subject = f"Cancelled: Postmortem: {title}"
        text = f"The postmortem of {title} ({when}) is cancelled.\n{facts.url}"
        method = "CANCEL"
    else:
        subject = f"{'Updated invitation' if facts.invite_sequence > 0 else 'Invitation'}: Postmortem: {title}"
        text = "\n".join(
            [
                f"Postmortem of {title}",
                f"When: {when} (2 hours)",
                facts.url,
                "",
                "Accept or decline in your calendar. The agenda is in the invite.",
            ]
            + ([f"Google Calendar: {facts.google_link}"] if facts.google_link else [])
        )
        method = "REQUEST"
    return Mail(clean(subject, 250), text, calendar=facts.invite_ics, method=method)


def report_mail(facts: Facts, thread: str) -> Mail:
    lines = [clean(facts.title, 300), facts.url, "", f"The incident report of {facts.repository}#{facts.number}"]
    lines[-1] += " is attached." if facts.report_pdf else "."
    if facts.report_version == "final":
        lines.append("This is the final version: the postmortem is finished. You get no further report.")
    else:
        lines.append(
            "This is version 1 of 2, as of the resolution. The final version follows when the postmortem's "
            "action items are written or the issue is closed."
        )
    if facts.report_url:
        lines.append(f"In the repository: {facts.report_url}")
    attachment = None
    if facts.report_pdf:
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", facts.report_name.rsplit("/", 1)[-1]) or "incident-report.pdf"
        attachment = Attachment(
            name if name.endswith(".pdf") else name + ".pdf", "application", "pdf", facts.report_pdf
        )
    version = "final" if facts.report_version == "final" else "1 of 2"
    subject = _subject(f"Incident report ({version})", facts)
    return Mail(subject, "\n".join(lines), attachment=attachment, references=thread)


def email_message(mail: Mail, sender: str, to: tuple[Recipient, ...], now: datetime) -> EmailMessage:
    """The MIME message: text, then the calendar part as an alternative (so clients show
    accept/decline), then the attachment."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(r.address for r in to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(now.timestamp(), usegmt=True)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the bot
    if mail.message_id:
        msg["Message-ID"] = mail.message_id
    if mail.references:
        msg["In-Reply-To"] = mail.references
        msg["References"] = mail.references
    msg.set_content(mail.text + "\n\n-- \n" + _FOOTER + "\n")
    if mail.calendar is not None:
        msg.add_alternative(
            mail.calendar, maintype="text", subtype="calendar", params={"method": mail.method, "charset": "UTF-8"}
        )
    if mail.attachment is not None:
        a = mail.attachment
        msg.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
    return msg


__all__ = [
    "EMAIL",
    "SLACK",
    "Facts",
    "Mail",
    "Message",
    "NotifySecrets",
    "Recipient",
    "email_message",
    "plan_messages",
    "record_delivery",
    "sent_lines",
    "slack_escape",
    "told",
]
