"""The notify step of a run: send what :mod:`incident_kit.plan.messages` plans, record it, never raise.

This is the only module that talks to Slack (an incoming webhook, over
``urllib.request``) and to an SMTP server (``smtplib``). A message that went out
is recorded under its fact key in the returned state, which the caller stores
as the bot state's ``"notify"`` entry, so the next run does not send it again. A
channel that fails (connection refused, HTTP 500, SMTP 451, a timeout) is
reported in notes and failures and is *not* recorded, so the next run tries
again; it never stops the other channel or the rest of the run. Every network
call gives up after :data:`TIMEOUT` seconds. In a dry run nothing is sent.

Wiring (for ``reconcile``): only for a trusted issue; ``state`` is the stored
``"notify"`` entry (the whole bot state is accepted too); store ``Delivery.state``
back under ``"notify"``; show ``Delivery.notes`` as status notes and
``Delivery.failures`` in the job summary.
"""

from __future__ import annotations

import copy
import json
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import smtplib  # imported where mail is sent: most events send none (issue #16)

from incident_kit.plan.messages import (
    EMAIL,
    SLACK,
    Facts,
    Message,
    NotifySecrets,
    Recipient,
    channel_record,
    email_message,
    plan_messages,
    record_delivery,
    sent_lines,
)
from incident_kit.settings.config import EmailSettings, NotifySettings

TIMEOUT = 10.0  # seconds; a run must not hang on a dead server (the job has a 10-minute timeout)
PORTS = {"starttls": 587, "tls": 465, "none": 25}
RETRY = "retried next run"


@dataclass
class Delivery:
    state: dict[str, Any]  # the new "notify" entry of the bot state
    notes: list[str] = field(default_factory=list)  # lines for the status comment
    failures: list[str] = field(default_factory=list)  # channel failures, for the job summary
    sent: list[str] = field(default_factory=list)  # what was sent this run, as sentences


class _ChannelDown(Exception):
    """The channel cannot take any message now (connection, login, TLS): stop trying it this run."""


class _NotSent(Exception):
    """This message was refused; the channel itself may take the next one."""


def notify_entry(state: dict[str, Any]) -> dict[str, Any]:
    """The record of what was sent: ``state`` itself, or its "notify" entry when given the whole
    bot state (a record never has a "notify" key of its own)."""
    inner = state.get("notify")
    if isinstance(inner, dict):
        return inner
    return state


def deliver(
    facts: Facts,
    settings: NotifySettings,
    secrets: NotifySecrets,
    state: dict[str, Any],
    *,
    dry_run: bool,
    now: datetime,
) -> Delivery:
    """Send every message due for ``facts`` and return the new record (no budget, no claims: the
    issue run goes through :mod:`incident_kit.apply.reconcile`, which adds both)."""
    record = copy.deepcopy(notify_entry(state))
    messages = plan_messages(facts, settings, record)
    out = Delivery(record)
    notes = setup_notes(settings, secrets)
    if dry_run:
        out.notes = sent_lines(record) + [f"Dry run: would send {m.describe()}" for m in messages] + notes
        return out
    channels = Channels(settings, secrets)
    try:
        for message in messages:
            problem = channels.problem(message.channel)
            if problem:
                if problem not in out.failures:
                    out.failures.append(problem)
                continue
            try:
                delivered, refused = channels.send(message, now)
            except NotSent as exc:
                if channels.went_down(message.channel):
                    out.failures.append(message.channel)  # replaced below by the channel's note and count
                elif not channels.is_down(message.channel):
                    out.failures.append(str(exc))
                continue
            out.state = record_delivery(out.state, message, now, delivered, refused)
            out.sent.append(sent_sentence(message, delivered))
            if refused:
                out.failures.append(channels.refused_note(message, refused))
    finally:
        channels.close()
    out.failures = [channels.down_note(f) if f in (SLACK, EMAIL) else f for f in out.failures]
    out.notes = sent_lines(out.state) + list(out.failures) + notes
    return out


def setup_notes(settings: NotifySettings, secrets: NotifySecrets) -> list[str]:
    notes: list[str] = []
    if secrets.slack_webhook and settings.slack is None:
        notes.append("Slack: a webhook is set but `notify.slack` is not in the settings, so nothing is posted.")
    if settings.email is not None and settings.email.unresolved:
        handles = ", ".join("@" + h for h in settings.email.unresolved)
        notes.append(
            f"E-mail: no address for {handles}: add them under `people:` in .github/incident-kit.yml to tell them."
        )
    return notes


def sent_sentence(message: Message, delivered: list[str]) -> str:
    if message.channel == SLACK:
        return f"posted '{message.what}' to Slack"
    return f"e-mailed the {message.what} to {', '.join(delivered)}"


class NotSent(Exception):
    """This message did not go out (refused, or its channel is down); ``str()`` says why, for the status."""


class Channels:
    """The outbox of one run: sends one message at a time on Slack or by e-mail.

    One SMTP session serves the run. A channel that cannot take any message (connection, login,
    TLS, HTTP 5xx) is marked down and refuses the rest of the run's messages at once.
    """

    def __init__(self, settings: NotifySettings, secrets: NotifySecrets) -> None:
        self.settings, self.secrets = settings, secrets
        self._smtp: smtplib.SMTP | None = None
        self._down: dict[str, str] = {}
        self._waiting: dict[str, int] = {}

    def problem(self, channel: str) -> str:
        """Why ``channel`` cannot send now ("" when it can): set up wrong, or down earlier this run."""
        if channel == SLACK:
            webhook = self.secrets.slack_webhook
            if not webhook:
                return (
                    f"Slack: no webhook: pass the secret INCIDENT_KIT_SLACK_WEBHOOK as the input slack-webhook; {RETRY}"
                )
            problem = webhook_problem(webhook)
            if problem:
                return f"Slack: {problem}; {RETRY}"
        return ""

    def is_down(self, channel: str) -> bool:
        return channel in self._down

    def went_down(self, channel: str) -> bool:
        """Down, and the message just refused was the one that found out (no message waited yet)."""
        return channel in self._down and self._waiting.get(channel, 0) == 0

    def send(self, message: Message, now: datetime) -> tuple[list[str], list[str]]:
        """Send ``message``: who got it and who was refused. Raises NotSent when it did not go out."""
        if message.channel in self._down:
            self._waiting[message.channel] = self._waiting.get(message.channel, 0) + 1
            raise NotSent(self._down[message.channel])
        if message.channel == SLACK:
            try:
                post_webhook(self.secrets.slack_webhook, message.slack or {})
            except _NotSent as exc:
                raise NotSent(f"Slack: {message.what}: {self.secrets.scrub(str(exc))}; {RETRY}") from None
            except _ChannelDown as exc:
                self._down[SLACK] = f"Slack: {self.secrets.scrub(str(exc))}"
                raise NotSent(self._down[SLACK] + f"; {RETRY}") from None
            return [r.shown for r in message.to], []
        email = self.settings.email
        assert email is not None
        try:
            if self._smtp is None:
                self._smtp = connect(email, self.secrets)
            refused = _send_one(self._smtp, message, email, now)
        except _NotSent as exc:
            raise NotSent(f"E-mail ({message.what}): {self.secrets.scrub(str(exc))}; {RETRY}") from None
        except _ChannelDown as exc:
            self._down[EMAIL] = f"E-mail: {self.secrets.scrub(str(exc))}"
            raise NotSent(self._down[EMAIL] + f"; {RETRY}") from None
        self._refused = refused
        delivered = [r.shown for r in message.to if r.address.lower() not in refused]
        still = [r.shown for r in message.to if r.address.lower() in refused]
        return delivered, still

    def refused_note(self, message: Message, still: list[str]) -> str:
        why = "; ".join(sorted(set(getattr(self, "_refused", {}).values())))
        return f"E-mail ({message.what}): refused for {', '.join(still)} ({self.secrets.scrub(why)}); {RETRY}"

    def down_note(self, channel: str) -> str:
        """The channel's failure, with how many messages it left waiting (they go next run)."""
        left = self._waiting.get(channel, 0)
        noun = "message" if channel == SLACK else "mail"
        also = f" ({left} more {noun}{'s' if left != 1 else ''} waiting)" if left else ""
        return f"{self._down[channel]}{also}; {RETRY}"

    def close(self) -> None:
        if self._smtp is not None:
            import smtplib

            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


# ---------------------------------------------------------------- Slack


def webhook_problem(url: str) -> str | None:
    """Why a webhook URL cannot be used, or None. Never repeats the URL: it is a secret."""
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and loopback:
        return None  # a local test receiver; a real webhook is always https
    return "the webhook is not an https:// URL; copy the Incoming Webhook URL from Slack into the secret"


def post_webhook(url: str, payload: dict[str, Any]) -> None:
    """POST one message. Raises _NotSent when Slack refuses that message (400), _ChannelDown else."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "incident-kit"},
        method="POST",
    )
    try:
        # The scheme was checked (https, or http to loopback): urlopen would also open file: URLs.
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read(200)
    except urllib.error.HTTPError as exc:
        # Slack answers a short reason in the body: invalid_blocks, no_service, channel_is_archived.
        reason = _printable(exc.read(100).decode("utf-8", "replace")) or _printable(str(exc.reason))
        text = f"HTTP {exc.code}" + (f" ({reason})" if reason else "")
        if exc.code == 400:
            raise _NotSent(text) from None  # this message's content; the next one may pass
        raise _ChannelDown(text) from None
    except urllib.error.URLError as exc:
        raise _ChannelDown(_network_reason(exc.reason)) from None
    except (OSError, ValueError) as exc:
        raise _ChannelDown(_network_reason(exc)) from None


def _printable(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:100]


def _network_reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer within {TIMEOUT:g} s"
    if isinstance(reason, socket.gaierror):
        return "host not found"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed ({_printable(str(reason.reason or reason))})"
    if isinstance(reason, OSError) and reason.strerror:
        return _printable(reason.strerror).lower()
    return _printable(str(reason)) or type(reason).__name__


# ---------------------------------------------------------------- e-mail


def connect(email: EmailSettings, secrets: NotifySecrets) -> smtplib.SMTP:
    """An SMTP session, encrypted as configured and logged in when a user is given."""
    import smtplib

    port = email.port or PORTS[email.security]
    if secrets.smtp_user and email.security == "none":
        # A password must not cross the network in clear text.
        raise _ChannelDown(
            "not logging in over an unencrypted connection; set notify.email.security to starttls or tls"
        )
    try:
        connection: smtplib.SMTP
        if email.security == "tls":
            connection = smtplib.SMTP_SSL(email.host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(email.host, port, timeout=TIMEOUT)
    except (OSError, smtplib.SMTPException) as exc:
        raise _ChannelDown(f"{_smtp_reason(exc)} (host {email.host}, port {port})") from None
    try:
        if email.security == "starttls":
            connection.ehlo()
            if not connection.has_extn("starttls"):
                raise _ChannelDown(
                    "the server does not offer STARTTLS; set notify.email.security to tls (port 465) or none"
                )
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if secrets.smtp_user:
            connection.login(secrets.smtp_user, secrets.smtp_password)
    except smtplib.SMTPAuthenticationError:
        connection.close()
        raise _ChannelDown("login refused: check the secrets passed as smtp-user and smtp-password") from None
    except (OSError, smtplib.SMTPException) as exc:
        connection.close()
        raise _ChannelDown(_smtp_reason(exc)) from None
    except _ChannelDown:
        connection.close()
        raise
    return connection


def _send_one(connection: smtplib.SMTP, message: Message, email: EmailSettings, now: datetime) -> dict[str, str]:
    """Send one mail; the addresses refused (lowercased) with the server's reason."""
    import smtplib

    assert message.mail is not None
    msg = email_message(message.mail, email.sender, message.to, now)
    addresses = [r.address for r in message.to]
    try:
        refused = connection.send_message(msg, from_addr=email.sender, to_addrs=addresses)
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = sorted({_reply(code, text) for code, text in exc.recipients.values()})
        raise _NotSent("every recipient refused: " + "; ".join(reasons)) from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise _NotSent(_reply(exc.smtp_code, exc.smtp_error)) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise _ChannelDown(_smtp_reason(exc)) from None
    return {address.lower(): _reply(code, text) for address, (code, text) in refused.items()}


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {_printable(words)}".strip()


def _smtp_reason(exc: BaseException) -> str:
    import smtplib

    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib turns a read timeout into "Connection unexpectedly closed: timed out".
        if isinstance(exc.__context__, TimeoutError | socket.timeout):
            return f"no answer within {TIMEOUT:g} s"
        return "the server closed the connection"
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "the server does not support that: " + _printable(str(exc))
    return _network_reason(exc)


__all__ = ["TIMEOUT", "Channels", "Delivery", "NotSent", "Recipient", "channel_record", "deliver", "notify_entry"]
