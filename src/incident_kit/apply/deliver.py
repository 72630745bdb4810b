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
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from incident_kit.plan.messages import (
    EMAIL,
    SLACK,
    Facts,
    Message,
    NotifySecrets,
    Recipient,
    channel_record,
    email_message,
    iso,
    plan_messages,
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
    record = copy.deepcopy(notify_entry(state))
    messages = plan_messages(facts, settings, record)
    out = Delivery(record)
    setup_notes = _setup_notes(settings, secrets)
    if dry_run:
        out.notes = sent_lines(record) + [f"Dry run: would send {m.describe()}" for m in messages] + setup_notes
        return out
    slack = [m for m in messages if m.channel == SLACK]
    mails = [m for m in messages if m.channel == EMAIL]
    if slack:
        _send_slack(slack, secrets, out, now)
    if mails and settings.email is not None:
        _send_mail(mails, settings.email, secrets, out, now)
    out.notes = sent_lines(out.state) + list(out.failures) + setup_notes
    return out


def _setup_notes(settings: NotifySettings, secrets: NotifySecrets) -> list[str]:
    notes: list[str] = []
    if secrets.slack_webhook and settings.slack is None:
        notes.append("Slack: a webhook is set but `notify.slack` is not in the settings, so nothing is posted.")
    if settings.email is not None and settings.email.unresolved:
        handles = ", ".join("@" + h for h in settings.email.unresolved)
        notes.append(
            f"E-mail: no address for {handles}: add them under `people:` in .github/incident-kit.yml to tell them."
        )
    return notes


def _record(out: Delivery, message: Message, now: datetime, delivered: list[str], refused: list[str]) -> None:
    """Write down who got ``message`` (and who is still to get it)."""
    channel = out.state.setdefault(message.channel, {})
    if not isinstance(channel, dict):  # a damaged record: start this channel's again
        channel = out.state[message.channel] = {}
    previous = channel.get(message.key)
    before: dict[str, Any] = previous if isinstance(previous, dict) else {}
    got = list(dict.fromkeys([*(before.get("to") or []), *delivered]))
    entry: dict[str, Any] = {"t": iso(now), "w": message.what, "to": got}
    for name, value in message.keep:
        entry[name] = before.get(name, value)  # a retry does not rewrite what went first
    if refused:
        entry["retry"] = refused
    channel[message.key] = entry
    for key in message.covers:
        channel[key] = {"t": iso(now), "w": message.what, "to": got, "in": message.key}
    out.sent.append(
        f"posted '{message.what}' to Slack"
        if message.channel == SLACK
        else f"e-mailed the {message.what} to {', '.join(delivered)}"
    )


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


def _send_slack(messages: list[Message], secrets: NotifySecrets, out: Delivery, now: datetime) -> None:
    webhook = secrets.slack_webhook
    problem = "no webhook: pass the secret INCIDENT_KIT_SLACK_WEBHOOK as the input slack-webhook"
    if webhook:
        problem = webhook_problem(webhook) or ""
    if problem:
        out.failures.append(f"Slack: {problem}; {RETRY}")
        return
    for index, message in enumerate(messages):
        try:
            post_webhook(webhook, message.slack or {})
        except _NotSent as exc:
            out.failures.append(f"Slack: {message.what}: {secrets.scrub(str(exc))}; {RETRY}")
            continue
        except _ChannelDown as exc:
            left = len(messages) - index - 1
            also = f" ({left} more message{'s' if left != 1 else ''} waiting)" if left else ""
            out.failures.append(f"Slack: {secrets.scrub(str(exc))}{also}; {RETRY}")
            return
        _record(out, message, now, [r.shown for r in message.to], [])


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


def _send_mail(
    messages: list[Message], email: EmailSettings, secrets: NotifySecrets, out: Delivery, now: datetime
) -> None:
    connection: smtplib.SMTP | None = None
    try:
        for index, message in enumerate(messages):
            try:
                if connection is None:
                    connection = connect(email, secrets)
                refused = _send_one(connection, message, email, now)
            except _NotSent as exc:
                out.failures.append(f"E-mail ({message.what}): {secrets.scrub(str(exc))}; {RETRY}")
                continue
            except _ChannelDown as exc:
                left = len(messages) - index - 1
                also = f" ({left} more mail{'s' if left != 1 else ''} waiting)" if left else ""
                out.failures.append(f"E-mail: {secrets.scrub(str(exc))}{also}; {RETRY}")
                return
            delivered = [r.shown for r in message.to if r.address.lower() not in refused]
            still = [r.shown for r in message.to if r.address.lower() in refused]
            _record(out, message, now, delivered, still)
            if still:
                why = "; ".join(sorted(set(refused.values())))
                out.failures.append(
                    f"E-mail ({message.what}): refused for {', '.join(still)} ({secrets.scrub(why)}); {RETRY}"
                )
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()


def connect(email: EmailSettings, secrets: NotifySecrets) -> smtplib.SMTP:
    """An SMTP session, encrypted as configured and logged in when a user is given."""
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


__all__ = ["TIMEOUT", "Delivery", "Recipient", "channel_record", "deliver", "notify_entry"]
