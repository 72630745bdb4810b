"""Telling people (issue #8): Slack and e-mail against real loopback servers.

An aiosmtpd server receives the mails (recipients, subject, the PDF, the calendar
part read back with icalendar); a loopback ``http.server`` stands in for Slack's
incoming webhook and checks the Block Kit JSON. Channels that are down (refused
port, HTTP 500, SMTP 451, a server that never answers) are reported and retried
next run without blocking the other channel; a re-run with the returned state
sends nothing.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from validators import icaljs

from incident_kit.apply import deliver as notify_step
from incident_kit.apply.deliver import Delivery, deliver
from incident_kit.entry import gha
from incident_kit.plan.invite import Invite, Person, build_ics, uid_for
from incident_kit.plan.messages import (
    EMAIL,
    SLACK,
    ZWJ,
    Facts,
    NotifySecrets,
    plan_messages,
    roles_key,
    slack_escape,
    told,
)
from incident_kit.settings.config import ConfigError, NotifySettings, parse_config

NOW = datetime(2026, 11, 20, 9, 3, tzinfo=UTC)
PDF = b"%PDF-1.4\n% incident-kit test report\n%%EOF\n"
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TRIAGE = (
    ("Do we think more than 50% of users are affected?", "yes"),
    ("Is our data corrupting?", "no"),
    ("Are we under attack in unprotected areas by malicious people?", "no"),
)
ROLES = {"investigator": ("alice", "bob"), "communicator": ("carol",), "recorder": ("dave",)}


# ---------------------------------------------------------------- loopback servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every mail, and answers 451 when told to."""

    mails: list[Received] = field(default_factory=list)
    busy_rcpt: set[str] = field(default_factory=set)  # addresses answered 451 at RCPT
    busy_data: bool = False  # answer 451 at DATA

    async def handle_RCPT(
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.busy_rcpt:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        if self.busy_data:
            return "451 4.3.0 Local problem, try again later"
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@dataclass
class SlackReceiver:
    posts: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    answer: bytes = b"ok"
    url: str = ""


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    with run_webhook_receiver() as receiver:
        yield receiver


@contextmanager
def run_webhook_receiver() -> Iterator[SlackReceiver]:
    """A loopback stand-in for Slack's incoming webhook (also used by the action end-to-end test)."""
    receiver = SlackReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            assert self.headers.get("Content-Type", "").startswith("application/json")
            body = json.loads(self.rfile.read(length))
            if receiver.status == 200:
                receiver.posts.append(body)
            self.send_response(receiver.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(receiver.answer if receiver.status == 200 else b"internal_error")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/secret-token-xyz"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy set in the environment must not catch the loopback webhook.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


# ---------------------------------------------------------------- facts and settings


def settings(smtp_port: int, *, slack_section: bool = True, extra: str = "", security: str = "none") -> NotifySettings:
    slack_text = '  slack: {call-link: "https://app.slack.com/huddle/T0123/C0456", mention: "<!subteam^S0123ABC>"}\n'
    text = (
        "people: {alice: alice@example.com, carol: carol@example.com, bob: bob@example.com}\n"
        "notify:\n" + (slack_text if slack_section else "") + "  email:\n"
        "    from: incident-kit@example.com\n"
        "    host: 127.0.0.1\n"
        f"    port: {smtp_port}\n"
        f"    security: {security}\n"
        "    to: [ceo@example.com, ops@example.com]\n" + extra
    )
    return parse_config(text, "x.yml").notify


def facts(**kw: Any) -> Facts:
    values: dict[str, Any] = dict(
        repository="octo/app",
        number=12,
        title="Checkout is down",
        url="https://github.com/octo/app/issues/12",
        decision="incident",
        phase="investigating",
        triage=TRIAGE,
        roles=ROLES,
        resolved=False,
        announcement=None,
    )
    values.update(kw)
    return Facts(**values)


def invite_facts(sequence: int = 0, start: datetime = START, cancelled: bool = False) -> dict[str, Any]:
    attendees = (Person("alice", "alice@example.com"), Person(None, "ceo@example.com"))
    invite = Invite(
        uid=uid_for("octo/app", 12),
        title="Checkout is down",
        url="https://github.com/octo/app/issues/12",
        start=start,
        end=start + timedelta(hours=2),
        attendees=attendees,
        missing=(),
        organizer="incident-kit@example.com",
        sequence=sequence,
        stamp=NOW,
        cancelled=cancelled,
    )
    return dict(
        postmortem_times=(f"{start:%Y-%m-%d %H:%M} UTC", f"{start + timedelta(hours=9):%Y-%m-%d %H:%M} Asia/Tokyo"),
        google_link="https://calendar.google.com/calendar/render?action=TEMPLATE&text=Postmortem",
        invite_uid=invite.uid,
        invite_sequence=sequence,
        invite_ics=build_ics(invite),
        invite_cancelled=cancelled,
        attendee_emails=tuple(str(p.email) for p in attendees),
    )


def secrets(slack: SlackReceiver | None = None, webhook: str = "") -> NotifySecrets:
    return NotifySecrets(slack_webhook=webhook or (slack.url if slack else ""))


def run(f: Facts, s: NotifySettings, sec: NotifySecrets, state: dict[str, Any], **kw: Any) -> Delivery:
    return deliver(f, s, sec, state, dry_run=kw.pop("dry_run", False), now=kw.pop("now", NOW))


def texts(payload: Any) -> list[str]:
    """Every string in a Slack payload (text fields, button labels, urls)."""
    if isinstance(payload, dict):
        return [t for v in payload.values() for t in texts(v)]
    if isinstance(payload, list):
        return [t for v in payload for t in texts(v)]
    return [payload] if isinstance(payload, str) else []


def calendar_part(message: EmailMessage) -> EmailMessage:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    assert isinstance(part, EmailMessage)
    return part


# ---------------------------------------------------------------- the pure plan


def test_nothing_is_planned_unless_configured() -> None:
    assert plan_messages(facts(resolved=True, **invite_facts()), NotifySettings(), {}) == []


def test_nothing_before_the_decision_or_for_a_false_alarm() -> None:
    s = settings(25)
    assert plan_messages(facts(decision="undecided"), s, {}) == []
    assert plan_messages(facts(decision="not-incident", resolved=True), s, {}) == []


def test_the_announcement_waits_for_the_communicator() -> None:
    s = settings(25)
    planned = plan_messages(facts(roles={"investigator": ("alice",)}), s, {})
    assert [(m.channel, m.key) for m in planned] == [(SLACK, "declared")]
    with_text = plan_messages(facts(roles={}, announcement="We are on it."), s, {})
    assert (EMAIL, "announcement") in [(m.channel, m.key) for m in with_text]


def test_declaration_payload_blocks() -> None:
    [declared, announcement] = plan_messages(facts(), settings(25), {})
    assert declared.key == "declared" and declared.covers == (roles_key(ROLES),)
    payload = declared.slack
    assert payload is not None and payload["parse"] == "none"
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds == ["header", "section", "section", "section", "actions"]
    assert payload["blocks"][0]["text"]["text"] == "🚨 Incident declared"
    first = payload["blocks"][1]["text"]["text"]
    assert first.startswith(
        "<!subteam^S0123ABC>\n*<https://github.com/octo/app/issues/12|octo/app#12: Checkout is down>*"
    )
    assert "Decision: *incident*" in first
    fields = [f["text"] for f in payload["blocks"][2]["fields"]]
    assert fields[0] == "*Do we think more than 50% of users are affected?*\nyes" and len(fields) == 3
    roles = payload["blocks"][3]["text"]["text"]
    assert f"*Investigator:* @{ZWJ}alice @{ZWJ}bob" in roles and f"*Communicator:* @{ZWJ}carol" in roles
    buttons = {e["text"]["text"]: e["url"] for e in payload["blocks"][4]["elements"]}
    assert buttons == {
        "📞 Join the call": "https://app.slack.com/huddle/T0123/C0456",
        "Open the issue": "https://github.com/octo/app/issues/12",
    }
    assert all(b["text"]["verbatim"] for b in payload["blocks"] if b["type"] == "section" and "text" in b)
    assert announcement.channel == EMAIL and [r.address for r in announcement.to] == [
        "ceo@example.com",
        "ops@example.com",
    ]


def test_slack_escape() -> None:
    assert slack_escape("a & b <!here> <@U123> @channel") == (
        f"a &amp; b &lt;!here&gt; &lt;@{ZWJ}U123&gt; @{ZWJ}channel"
    )


def test_roles_key_ignores_order_and_case() -> None:
    assert roles_key({"investigator": ("Bob", "alice")}) == roles_key({"investigator": ("alice", "bob")})
    assert roles_key({"investigator": ("alice",)}) != roles_key({"recorder": ("alice",)})


# ---------------------------------------------------------------- over real servers


def test_the_whole_story_once_per_fact(inbox: tuple[Inbox, int], slack: SlackReceiver, tmp_path: Path) -> None:
    box, port = inbox
    s, sec = settings(port), secrets(slack)

    # 1. Declared, with roles: one Slack post (roles inside) and the announcement to stakeholders.
    first = run(facts(), s, sec, {})
    assert first.failures == []
    assert len(slack.posts) == 1 and slack.posts[0]["blocks"][0]["text"]["text"] == "🚨 Incident declared"
    [mail] = box.mails
    assert sorted(mail.rcpt_tos) == ["ceo@example.com", "ops@example.com"]
    assert mail.mail_from == "incident-kit@example.com"
    assert mail.message["Subject"] == "Incident: Checkout is down (octo/app#12)"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    body = mail.message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Communicator: @carol" in text and "more than 50% of users are affected?: yes" in text
    assert set(first.state) == {SLACK, EMAIL}
    assert set(first.state[SLACK]) == {"declared", roles_key(ROLES)}
    assert first.notes == [
        "Slack: incident declared (11/20 09:03 UTC)",
        "E-mail to ceo@example.com, ops@example.com: announcement (11/20 09:03 UTC)",
    ]
    assert first.sent == [
        "posted 'incident declared' to Slack",
        "e-mailed the announcement to ceo@example.com, ops@example.com",
    ]

    # 2. The same facts again, with the state fed back: nothing at all.
    again = run(facts(), s, sec, first.state, now=NOW + timedelta(minutes=1))
    assert again.sent == [] and again.failures == [] and again.state == first.state
    assert len(slack.posts) == 1 and len(box.mails) == 1

    # 3. Roles change: a roles post, no mail.
    new_roles = {**ROLES, "recorder": ("erin",)}
    later = NOW + timedelta(minutes=7)
    third = run(facts(roles=new_roles), s, sec, again.state, now=later)
    assert third.sent == ["posted 'roles: Investigator @alice @bob, Communicator @carol, Recorder @erin' to Slack"]
    assert slack.posts[-1]["blocks"][0]["text"]["text"] == "👥 Roles"
    assert len(box.mails) == 1

    # 4. Resolved, postmortem invite and the report, in one run.
    done = facts(
        roles=new_roles,
        resolved=True,
        phase="postmortem-scheduled",
        report_url="https://github.com/octo/app/blob/main/incidents/2026/12-checkout-is-down.pdf",
        report_pdf=PDF,
        report_name="incidents/2026/12-checkout-is-down.pdf",
        report_fingerprint="abc123",
        report_version="1",  # issue #14: at the resolution, stakeholders get version 1 of 2
        **invite_facts(),
    )
    fourth = run(done, s, sec, third.state, now=later + timedelta(hours=1))
    assert fourth.failures == []
    heads = [p["blocks"][0]["text"]["text"] for p in slack.posts[-3:]]
    assert heads == ["✅ Incident resolved", "📅 Postmortem scheduled", "📄 Incident report (1 of 2)"]
    pm = slack.posts[-2]
    assert "2026-12-01 10:00 UTC · 2026-12-01 19:00 Asia/Tokyo" in pm["blocks"][1]["text"]["text"]
    assert pm["blocks"][2]["elements"][0]["url"].startswith("https://calendar.google.com/")
    resolved, invite, report = box.mails[1:]
    assert resolved.message["Subject"] == "Resolved: Checkout is down (octo/app#12)"
    assert resolved.message["References"] == first_message_id(box)
    assert sorted(resolved.rcpt_tos) == ["ceo@example.com", "ops@example.com"]

    assert sorted(invite.rcpt_tos) == ["alice@example.com", "ceo@example.com"]
    assert invite.message["Subject"] == "Invitation: Postmortem: Checkout is down"
    part = calendar_part(invite.message)
    assert part.get_param("method") == "REQUEST" and str(part.get_param("charset")).upper() == "UTF-8"
    assert invite.message.get_content_type() == "multipart/alternative"
    cal = icalendar.Calendar.from_ical(part.get_content())
    [event] = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == uid_for("octo/app", 12) and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == START
    # The mailed calendar part as Thunderbird's parser (Mozilla's ical.js) reads it.
    mailed = tmp_path / "mailed.ics"
    content = part.get_content()
    mailed.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    [seen] = icaljs([mailed])
    assert seen["method"] == "REQUEST" and seen["events"][0]["start"] == START.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert seen["events"][0]["uid"] == uid_for("octo/app", 12)

    assert sorted(report.rcpt_tos) == ["ceo@example.com", "ops@example.com"]
    [attachment] = list(report.message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "12-checkout-is-down.pdf"
    assert attachment.get_content() == PDF

    assert told(fourth.state) == {
        "announcement": ["Slack", "ceo@example.com", "ops@example.com"],
        "resolved": ["Slack", "ceo@example.com", "ops@example.com"],
    }
    assert "E-mail to @alice, ceo@example.com: postmortem invite (2026-12-01 10:00 UTC) (11/20 10:10 UTC)" in (
        fourth.notes
    )

    # 5. Re-run: nothing. 6. The meeting moves: an update with the same UID, a higher SEQUENCE.
    fifth = run(done, s, sec, fourth.state)
    assert fifth.sent == [] and len(box.mails) == 4 and len(slack.posts) == 5
    moved = replace(done, **invite_facts(sequence=1, start=START + timedelta(days=1)))
    sixth = run(moved, s, sec, fifth.state)
    update = box.mails[-1]
    assert update.message["Subject"] == "Updated invitation: Postmortem: Checkout is down"
    event = icalendar.Calendar.from_ical(calendar_part(update.message).get_content()).walk("VEVENT")[0]
    assert str(event["UID"]) == uid_for("octo/app", 12) and int(event["SEQUENCE"]) == 1
    assert slack.posts[-1]["blocks"][0]["text"]["text"] == "📅 Postmortem moved"

    # 7. Cancelled: METHOD:CANCEL to everyone who had the invite.
    gone = replace(done, **invite_facts(sequence=2, start=START + timedelta(days=1), cancelled=True))
    seventh = run(gone, s, sec, sixth.state)
    cancel = box.mails[-1]
    assert cancel.message["Subject"] == "Cancelled: Postmortem: Checkout is down"
    part = calendar_part(cancel.message)
    assert part.get_param("method") == "CANCEL"
    assert str(icalendar.Calendar.from_ical(part.get_content())["METHOD"]) == "CANCEL"
    assert sorted(cancel.rcpt_tos) == ["alice@example.com", "ceo@example.com"]
    assert slack.posts[-1]["blocks"][0]["text"]["text"] == "❌ Postmortem cancelled"
    assert run(gone, s, sec, seventh.state).sent == []


def first_message_id(box: Inbox) -> str:
    return str(box.mails[0].message["Message-ID"])


def test_a_title_cannot_ping_anyone(inbox: tuple[Inbox, int], slack: SlackReceiver) -> None:
    _, port = inbox
    title = "<!channel> @here <!here|x> <@U024BE7LH> <!everyone> & <https://evil.example|click>"
    s = settings(port)
    done = run(facts(title=title, roles={"communicator": ("here",)}, resolved=True), s, secrets(slack), {})
    assert done.failures == []
    assert len(slack.posts) == 2
    for payload in slack.posts:
        assert payload["parse"] == "none"
        for text in texts(payload):
            # The only control sequence is the team's own mention from the settings.
            assert text.replace("<!subteam^S0123ABC>", "").count("<!") == 0
            assert "<@" not in text and "@here" not in text and "@channel" not in text
            assert "<https://evil" not in text
        for block in payload["blocks"]:
            for obj in [block.get("text"), *block.get("fields", [])]:
                if obj and obj["type"] == "mrkdwn":
                    assert obj["verbatim"] is True
    first = slack.posts[0]["blocks"][1]["text"]["text"]
    assert f"&lt;!channel&gt; @{ZWJ}here" in first and "&amp; &lt;https://evil.example|click&gt;" in first


def test_the_communicators_own_announcement(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    s = settings(port, slack_section=False)
    first = run(facts(), s, NotifySecrets(), {})
    assert first.state[EMAIL]["announcement"]["text"] == "default"
    words = "Checkout fails for card payments since 08:40 UTC.\nNext update at 10:00."
    second = run(facts(announcement=words), s, NotifySecrets(), first.state)
    assert len(box.mails) == 2
    update = box.mails[1].message
    assert update["Subject"] == "Update on the incident: Checkout is down (octo/app#12)"
    body = update.get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n").startswith(words)
    assert run(facts(announcement=words), s, NotifySecrets(), second.state).sent == []
    assert told(second.state)["announcement"] == ["ceo@example.com", "ops@example.com"]
    # Written before the first announcement went out: only that text goes, once.
    box.mails.clear()
    fresh = run(facts(announcement=words), s, NotifySecrets(), {})
    assert len(box.mails) == 1 and fresh.state[EMAIL]["announcement"]["text"] == "comment"


# ---------------------------------------------------------------- channels that are down


def test_slack_refused_does_not_block_email_and_is_retried(inbox: tuple[Inbox, int], slack: SlackReceiver) -> None:
    box, port = inbox
    s = settings(port)
    dead = f"http://127.0.0.1:{free_port()}/services/T/B/secret-token-xyz"
    first = run(facts(resolved=True), s, NotifySecrets(slack_webhook=dead), {})
    assert first.failures == ["Slack: connection refused (1 more message waiting); retried next run"]
    assert "Slack: connection refused (1 more message waiting); retried next run" in first.notes
    assert SLACK not in first.state
    assert [m.message["Subject"].split(":")[0] for m in box.mails] == ["Incident", "Resolved"]
    second = run(facts(resolved=True), s, secrets(slack), first.state)
    assert second.failures == [] and len(slack.posts) == 2 and len(box.mails) == 2


def test_slack_http_500_is_retried_next_run(inbox: tuple[Inbox, int], slack: SlackReceiver) -> None:
    _, port = inbox
    s = settings(port, slack_section=True)
    slack.status = 500
    first = run(facts(), s, secrets(slack), {})
    assert first.failures == ["Slack: HTTP 500 (internal_error); retried next run"]
    assert SLACK not in first.state and EMAIL in first.state
    slack.status = 200
    second = run(facts(), s, secrets(slack), first.state)
    assert second.sent == ["posted 'incident declared' to Slack"] and len(slack.posts) == 1


def test_smtp_451_at_data_is_retried_and_slack_still_posts(inbox: tuple[Inbox, int], slack: SlackReceiver) -> None:
    box, port = inbox
    box.busy_data = True
    s = settings(port)
    first = run(facts(), s, secrets(slack), {})
    assert first.failures == ["E-mail (announcement): 451 4.3.0 Local problem, try again later; retried next run"]
    assert len(slack.posts) == 1 and EMAIL not in first.state
    box.busy_data = False
    second = run(facts(), s, secrets(slack), first.state)
    assert second.sent == ["e-mailed the announcement to ceo@example.com, ops@example.com"]
    assert len(slack.posts) == 1 and len(box.mails) == 1


def test_smtp_451_for_one_recipient_retries_only_them(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    box.busy_rcpt = {"ops@example.com"}
    s = settings(port, slack_section=False)
    first = run(facts(), s, NotifySecrets(), {})
    assert box.mails[0].rcpt_tos == ["ceo@example.com"]
    assert first.state[EMAIL]["announcement"]["to"] == ["ceo@example.com"]
    assert first.state[EMAIL]["announcement"]["retry"] == ["ops@example.com"]
    assert first.failures == [
        "E-mail (announcement): refused for ops@example.com (451 4.3.0 Mailbox busy, try again later); retried next run"
    ]
    box.busy_rcpt = set()
    second = run(facts(), s, NotifySecrets(), first.state)
    assert box.mails[1].rcpt_tos == ["ops@example.com"] and second.failures == []
    assert second.state[EMAIL]["announcement"]["to"] == ["ceo@example.com", "ops@example.com"]
    assert "retry" not in second.state[EMAIL]["announcement"]
    assert run(facts(), s, NotifySecrets(), second.state).sent == [] and len(box.mails) == 2


def test_smtp_451_for_everyone_is_a_failure(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    box.busy_rcpt = {"ceo@example.com", "ops@example.com"}
    first = run(facts(), settings(port, slack_section=False), NotifySecrets(), {})
    assert first.failures == [
        "E-mail (announcement): every recipient refused: 451 4.3.0 Mailbox busy, try again later; retried next run"
    ]
    assert first.state == {}


def test_smtp_refused_does_not_block_slack(slack: SlackReceiver) -> None:
    port = free_port()
    first = run(facts(resolved=True), settings(port), secrets(slack), {})
    assert first.failures == [
        f"E-mail: connection refused (host 127.0.0.1, port {port}) (1 more mail waiting); retried next run"
    ]
    assert len(slack.posts) == 2 and set(first.state) == {SLACK}


def test_silent_servers_time_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that accepts the connection and never answers costs TIMEOUT, not the job."""
    assert notify_step.TIMEOUT == 10
    monkeypatch.setattr(notify_step, "TIMEOUT", 0.3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = silent.getsockname()[1]
        webhook = f"http://127.0.0.1:{port}/hook"
        done = run(facts(), settings(port), NotifySecrets(slack_webhook=webhook), {})
    assert done.failures == [
        "Slack: no answer within 0.3 s; retried next run",
        f"E-mail: no answer within 0.3 s (host 127.0.0.1, port {port}); retried next run",
    ]
    assert done.state == {}


def test_slack_without_a_webhook_says_which_secret(inbox: tuple[Inbox, int]) -> None:
    _, port = inbox
    done = run(facts(), settings(port), NotifySecrets(), {})
    assert done.failures == [
        "Slack: no webhook: pass the secret INCIDENT_KIT_SLACK_WEBHOOK as the input slack-webhook; retried next run"
    ]
    assert set(done.state) == {EMAIL}


def test_a_webhook_without_the_slack_section_posts_nothing(inbox: tuple[Inbox, int], slack: SlackReceiver) -> None:
    _, port = inbox
    done = run(facts(), settings(port, slack_section=False), secrets(slack), {})
    assert slack.posts == []
    assert "Slack: a webhook is set but `notify.slack` is not in the settings, so nothing is posted." in done.notes


def test_dry_run_sends_nothing(inbox: tuple[Inbox, int], slack: SlackReceiver) -> None:
    box, port = inbox
    done = run(facts(), settings(port), secrets(slack), {}, dry_run=True)
    assert slack.posts == [] and box.mails == [] and done.state == {} and done.sent == []
    assert done.notes == [
        "Dry run: would send Slack: incident declared",
        "Dry run: would send E-mail to ceo@example.com, ops@example.com: announcement",
    ]


def test_the_whole_bot_state_is_accepted(inbox: tuple[Inbox, int], slack: SlackReceiver) -> None:
    _, port = inbox
    first = run(facts(), settings(port), secrets(slack), {})
    bot_state = {"v": 1, "phase": "investigating", "notify": first.state}
    assert run(facts(), settings(port), secrets(slack), bot_state).sent == []


def test_secrets_never_reach_notes_or_repr(inbox: tuple[Inbox, int], slack: SlackReceiver) -> None:
    _, port = inbox
    slack.status = 404
    sec = NotifySecrets(slack_webhook=slack.url, smtp_user="bot", smtp_password="hunter2-very-secret")
    done = run(facts(), settings(port), sec, {})  # security: none, so the login is refused up front
    everything = "\n".join(done.notes + done.failures + done.sent) + repr(sec) + str(sec)
    assert "secret-token-xyz" not in everything and "hunter2" not in everything
    assert "E-mail: not logging in over an unencrypted connection; set notify.email.security to starttls or tls" in (
        everything
    )
    assert repr(sec) == "NotifySecrets(slack_webhook=set, smtp_user=set, smtp_password=set)"


# ---------------------------------------------------------------- STARTTLS, TLS and login


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made here (no network, no files shipped)."""
    crypto = pytest.importorskip("cryptography")
    del crypto
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_and_logged_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str) -> None:
    import ssl

    cert, key = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    # The client verifies as it would in production, trusting only this test's certificate.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login.decode(), data.password.decode()))
        # handled=False: aiosmtpd answers 235 or 535 itself.
        return AuthResult(success=data.password == b"right-password", handled=False)

    handler = Inbox()
    port = free_port()
    options: dict[str, Any] = {"authenticator": authenticator}
    if security == "starttls":
        options.update(tls_context=server_context, require_starttls=True, auth_require_tls=True)
    else:
        # aiosmtpd does not count implicit TLS as TLS for AUTH; the socket is encrypted all the same.
        options.update(ssl_context=server_context, auth_require_tls=False)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        s = settings(port, slack_section=False, security=security)
        wrong = run(facts(), s, NotifySecrets(smtp_user="bot", smtp_password="wrong-password"), {})
        assert wrong.failures == [
            "E-mail: login refused: check the secrets passed as smtp-user and smtp-password; retried next run"
        ]
        right = run(facts(), s, NotifySecrets(smtp_user="bot", smtp_password="right-password"), wrong.state)
        assert right.failures == [] and len(handler.mails) == 1
        # smtplib tries each mechanism the server offers (PLAIN, then LOGIN) before giving up.
        assert {password for _, password in logins[:-1]} == {"wrong-password"}
        assert logins[-1] == ("bot", "right-password")
    finally:
        controller.stop()


# ---------------------------------------------------------------- settings and inputs


def test_notify_secrets_from_the_environment() -> None:
    env = {
        "INCIDENT_KIT_SLACK_WEBHOOK": "https://hooks.slack.com/services/T/B/xyz",
        "INCIDENT_KIT_SMTP_USER": "bot",
        "INCIDENT_KIT_SMTP_PASSWORD": "pw",
    }
    got = gha.notify_secrets(env)
    assert (got.slack_webhook, got.smtp_user, got.smtp_password) == (
        "https://hooks.slack.com/services/T/B/xyz",
        "bot",
        "pw",
    )
    assert gha.notify_secrets({}) == NotifySecrets()
    with pytest.raises(gha.InputError) as err:
        gha.notify_secrets({"INCIDENT_KIT_SLACK_WEBHOOK": "http://hooks.example.com/secret-token"})
    assert "input 'slack-webhook'" in str(err.value) and "secret-token" not in str(err.value)
    with pytest.raises(gha.InputError, match="'smtp-user' is not"):
        gha.notify_secrets({"INCIDENT_KIT_SMTP_PASSWORD": "pw"})


def test_notify_is_a_part() -> None:
    assert "notify" in gha.PARTS


def test_settings_resolve_handles_and_default_to_stakeholders() -> None:
    cfg = parse_config(
        "people: {alice: alice@example.com}\n"
        "stakeholders: [alice, bob, ceo@example.com]\n"
        "notify:\n  email: {from: bot@example.com, host: smtp.example.com}\n"
    )
    assert cfg.notify.slack is None and cfg.notify.email is not None
    email_settings = cfg.notify.email
    assert email_settings.recipients == (("alice@example.com", "@alice"), ("ceo@example.com", "ceo@example.com"))
    assert email_settings.unresolved == ("bob",)
    assert email_settings.port == 0 and email_settings.security == "starttls"
    assert email_settings.announcement_prefix == "Announcement:"
    with pytest.raises(ConfigError, match=r"x.yml:4: 'notify.email.to' names @bob, who has no address"):
        parse_config(
            "people: {alice: alice@example.com}\nnotify:\n  email:\n    to: [alice, bob]\n"
            "    from: a@example.com\n    host: h.example.com\n",
            "x.yml",
        )


def test_a_japanese_title_with_a_line_break_stays_one_header(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    title = "決済が失敗する\r\nBcc: everyone@example.com"
    done = run(facts(title=title), settings(port, slack_section=False), NotifySecrets(), {})
    assert done.failures == [] and len(box.mails) == 1
    [mail] = box.mails
    assert sorted(mail.rcpt_tos) == ["ceo@example.com", "ops@example.com"]
    assert mail.message["Subject"] == "Incident: 決済が失敗する Bcc: everyone@example.com (octo/app#12)"
    assert mail.message["Bcc"] is None


# ---------------------------------------------------------------- the demo, telling people


def test_demo_walk_tells_each_fact_exactly_once(inbox: tuple[Inbox, int], slack: SlackReceiver, tmp_path: Path) -> None:
    """The local-backend demo with both channels on loopback: each announcement goes out once,
    the report PDF and the calendar invite attached where the template asks."""
    from incident_kit.entry.demo import DEMO_SETTINGS, run_demo
    from incident_kit.settings.config import parse_config

    handler, port = inbox
    settings = DEMO_SETTINGS + (
        "notify:\n"
        "  slack:\n"
        "    call-link: https://example.slack.com/huddle/T0/C0\n"
        "  email:\n"
        "    from: incidents@example.com\n"
        "    host: 127.0.0.1\n"
        f"    port: {port}\n"
        "    security: none\n"
    )
    config = parse_config(settings, "demo settings")
    secrets = NotifySecrets(slack_webhook=slack.url)
    assert run_demo(tmp_path, config, secrets) == 0
    heads = [str(p.get("text", "")) for p in slack.posts]
    # Declared, resolved and the postmortem once each; the report once per committed version
    # (steps 6, 7 and 8 each commit a new one).
    assert sum(h.startswith("\U0001f6a8 Incident declared") for h in heads) == 1, heads
    # Issue #14: the demo resolves, takes it back, and resolves again: two resolutions, one retraction.
    assert sum("Incident resolved" in h for h in heads) == 2, heads
    assert sum("Resolution taken back" in h for h in heads) == 1, heads
    assert sum("ostmortem" in h for h in heads) == 1, heads
    subjects = [str(m.message["Subject"]) for m in handler.mails]
    others = Counter(s.split(":")[0] for s in subjects if "Incident report" not in s)
    assert others == Counter({"Incident": 1, "Resolved": 2, "Not resolved after all": 1, "Invitation": 1}), subjects
    invites = [m for m in handler.mails if any(p.get_content_type() == "text/calendar" for p in m.message.walk())]
    assert len(invites) == 1
    calendar = next(p for p in invites[0].message.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    reports = [m for m in handler.mails if any(p.get_content_type() == "application/pdf" for p in m.message.walk())]
    # At most twice (issue #14): version 1 at the first resolution, the final one when the action items
    # are written; the versions between (the postmortem's roles, step 9, issue #17) stay in the repository.
    assert len(reports) == 2
    assert [str(m.message["Subject"]).split(":")[0] for m in reports] == [
        "Incident report (1 of 2)",
        "Incident report (final)",
    ]
    # Running the whole demo again against the same servers starts a new sandbox (new facts),
    # but re-runs within it sent nothing twice: the counts above hold per walk.
