"""The bot's state: what incident-kit remembers about one issue between runs, typed and versioned.

The state lives in the bot's own status comment, as JSON inside an HTML comment
(``<!-- incident-kit:state {...} -->``). Everything that reads it goes through
:func:`load`, which never raises: a missing block is an empty state, a corrupt
or hand-broken block is ignored, a field of the wrong type is dropped, an
older layout is migrated, and each of these leaves a sentence in
:attr:`BotState.problems` that the status comment shows once. :func:`dump` writes
the current layout (:data:`FORMAT`).

Layouts: version 0 is the unversioned form and version 1 the same form with
``"v": 1`` (both written before the format was checked); version 2 adds the
write-ahead ``claims`` of messages being sent (see :mod:`incident_kit.apply.reconcile`);
version 3 adds ``people``, the trusted version of an outsider's roles and attendees lines
(see :mod:`incident_kit.plan.trust`).
A state from a newer version is read for the fields this version knows, and
the fields it does not know are written back unchanged.

A damaged record of what was sent (``notify``) is special: sending from an
empty record could tell people twice, so :attr:`BotState.record_lost` makes the
plan hold every message that would now go out as "may have been sent" instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from incident_kit.basics import markers

FORMAT = 3
STATE_BLOCK = markers.STATE_PAYLOAD
UNKNOWN_RUN = "unknown"  # the claimant of a message that may have gone before the record was lost

# The keys this version reads; anything else is kept as written (a newer version's field).
_KNOWN = ("v", "decision", "phase", "timeline", "facts", "confirmed_by", "invite", "report", "notify", "followups")
_KNOWN_2 = (*_KNOWN, "claims")
_KNOWN_3 = (*_KNOWN_2, "people", "dropped")
# The state's JSON is kept under this many characters, so the status comment always fits
# GitHub's 65,536 (the rest is the readable part, which is cut to fit; the state never is).
STATE_BUDGET = 40_000
MAX_ENTRY_TEXT = 200  # characters of one recorded timeline entry's text


@dataclass(frozen=True)
class Claim:
    """A message a run is about to send (write-ahead): the fact's channel and key, the run and time."""

    channel: str  # "slack" or "email"
    key: str  # the fact key, e.g. "declared", "invite:<uid>:0"
    run: str  # the claiming run's token; UNKNOWN_RUN when the record of what was sent was lost
    at: str  # ISO time, UTC
    what: str = ""  # the status comment's words for the message

    def dump(self) -> dict[str, str]:
        return {"ch": self.channel, "k": self.key, "by": self.run, "t": self.at, "w": self.what}


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _texts(raw: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str | None] | None:
    """The named text fields of a stored record (None when absent or null); None when one is not text."""
    out: dict[str, str | None] = {}
    for name in names:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            return None
        out[name] = value
    return out


def _rest(raw: Mapping[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    # Keys this version does not read, and known keys stored as null, are written back as read,
    # so a record of a newer version (or with an explicit null) round-trips unchanged.
    return {k: v for k, v in raw.items() if k not in known or v is None}


def _dump(extra: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    return {**extra, **{k: v for k, v in fields.items() if v is not None}}


_INVITE_TEXTS = ("fp", "stamp", "start", "end", "blob", "url", "path")


@dataclass(frozen=True)
class InviteRecord:
    """The postmortem invite last planned or committed: its SEQUENCE, the fingerprint that moves it,
    DTSTAMP, the meeting's times (ISO, UTC), and where the .ics file is (blob sha, path, URL)."""

    seq: int
    fp: str | None = None
    stamp: str | None = None
    start: str | None = None
    end: str | None = None
    cancelled: bool | None = None
    blob: str | None = None
    url: str | None = None
    path: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    # The start was already in the past when this date was first planned (a typo'd year, say): the
    # "postmortem-past" warning holds for as long as the date stays, on every run (issue #13).
    past: bool | None = None

    @staticmethod
    def parse(raw: Any) -> InviteRecord | None:
        """The record in its stored JSON form; None when it is not what incident-kit writes."""
        if not isinstance(raw, dict) or not _is_count(raw.get("seq")):
            return None
        t = _texts(raw, _INVITE_TEXTS)
        cancelled, past = raw.get("cancelled"), raw.get("past")
        if t is None or not all(v is None or isinstance(v, bool) for v in (cancelled, past)):
            return None
        return InviteRecord(
            raw["seq"], t["fp"], t["stamp"], t["start"], t["end"], cancelled, t["blob"], t["url"], t["path"],
            _rest(raw, ("seq", "cancelled", "past", *_INVITE_TEXTS)), past,
        )  # fmt: skip

    def dump(self) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in ("seq", "cancelled", "past", *_INVITE_TEXTS)}
        return _dump(self.extra, fields)


@dataclass(frozen=True)
class ReportRecord:
    """The PDF report last committed: the fingerprint of its input, its path and URL."""

    fp: str | None = None
    path: str | None = None
    url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @staticmethod
    def parse(raw: Any) -> ReportRecord | None:
        t = _texts(raw, ("fp", "path", "url")) if isinstance(raw, dict) else None
        if t is None:
            return None
        return ReportRecord(t["fp"], t["path"], t["url"], _rest(raw, ("fp", "path", "url")))

    def dump(self) -> dict[str, Any]:
        return _dump(self.extra, {"fp": self.fp, "path": self.path, "url": self.url})


@dataclass(frozen=True)
class FollowupNote:
    """A follow-up issue the weekly check opened for this incident, as the status comment lists it
    (the weekly state file's own record is :class:`incident_kit.plan.weekly.FollowupRecord`)."""

    number: int
    text: str | None = None
    key: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @staticmethod
    def parse(raw: Any) -> FollowupNote | None:
        t = _texts(raw, ("text", "key")) if isinstance(raw, dict) else None
        if t is None or not _is_count(raw.get("number")):
            return None
        return FollowupNote(raw["number"], t["text"], t["key"], _rest(raw, ("number", "text", "key")))

    def dump(self) -> dict[str, Any]:
        return _dump(self.extra, {"number": self.number, "text": self.text, "key": self.key})


def followup_notes(raw: Any, problems: list[str] | None = None) -> tuple[FollowupNote, ...]:
    """The follow-up notes of a stored list; damaged entries are dropped (and said in ``problems``)."""
    items = raw if isinstance(raw, list) else []
    kept = tuple(n for n in (FollowupNote.parse(i) for i in items) if n is not None)
    if problems is not None and len(kept) != len(items):
        problems.append(f"{len(items) - len(kept)} damaged entr(ies) of the stored `followups` were ignored")
    return kept


@dataclass(frozen=True)
class BotState:
    """One issue's remembered state. The invite, report and follow-up records are typed; the
    timeline, the facts snapshot and the record of what was sent keep their plain JSON shape."""

    decision: str = ""
    phase: str = ""
    timeline: tuple[dict[str, Any], ...] = ()  # the bot's recorded timeline entries
    facts: dict[str, Any] | None = None  # the snapshot of the issue the timeline was last recorded against
    confirmed_by: str | None = None  # who with access confirmed an outsider's report
    invite: InviteRecord | None = None  # the postmortem invite last committed
    report: ReportRecord | None = None  # the PDF report last committed
    sent: dict[str, Any] = field(default_factory=dict)  # what was told to whom: {"slack": {key: entry}, ...}
    claims: tuple[Claim, ...] = ()  # messages being sent, or sent by a run that died before recording
    followups: tuple[FollowupNote, ...] = ()  # follow-up issues the weekly check opened
    people: dict[str, Any] | None = None  # the trusted roles and attendees of an outsider's issue
    dropped: int = 0  # recorded timeline entries dropped (oldest first) to keep the state in budget
    unknown: dict[str, Any] = field(default_factory=dict)  # fields of a newer version, written back as read
    version: int = FORMAT  # the layout this state was read from
    problems: tuple[str, ...] = ()  # what load ignored or migrated, for the status comment (never dumped)
    record_lost: bool = False  # the record of what was sent could not be read

    def claim_for(self, channel: str, key: str) -> Claim | None:
        return next((c for c in self.claims if c.channel == channel and c.key == key), None)

    def with_claims(self, claims: tuple[Claim, ...]) -> BotState:
        return replace(self, claims=claims)

    def view(self) -> dict[str, Any]:
        """The state as the JSON object it is stored as (what the pure planners read)."""
        return dump(self)


def dump(state: BotState) -> dict[str, Any]:
    out: dict[str, Any] = dict(state.unknown)
    out.update({"v": FORMAT, "decision": state.decision, "phase": state.phase, "timeline": list(state.timeline)})
    if state.facts is not None:
        out["facts"] = state.facts
    if state.confirmed_by:
        out["confirmed_by"] = state.confirmed_by
    if state.invite is not None:
        out["invite"] = state.invite.dump()
    if state.report is not None:
        out["report"] = state.report.dump()
    if state.sent:
        out["notify"] = state.sent
    if state.claims:
        out["claims"] = [c.dump() for c in state.claims]
    if state.followups:
        out["followups"] = [f.dump() for f in state.followups]
    if state.people is not None:
        out["people"] = state.people
    if state.dropped:
        out["dropped"] = state.dropped
    return out


def to_json(state: BotState) -> str:
    """JSON that cannot close the HTML comment it sits in."""
    return json_text(dump(state))


def json_text(value: dict[str, Any]) -> str:
    """Compact JSON that cannot close the HTML comment it sits in. Not ASCII-escaped: a Japanese
    character is one character, not the six of ``\\uXXXX`` (the comment's limit counts characters)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("--", "-\\u002d").replace(">", "\\u003e")


def compact(state: BotState, budget: int = STATE_BUDGET) -> BotState:
    """The state within ``budget`` characters of JSON: each entry's text bounded, then the oldest
    recorded timeline entries dropped first (counted in ``dropped``, which the status comment shows),
    then, as a last resort, the per-box snapshot (the next run records no box changes, only that)."""
    timeline = tuple(
        {**e, "what": str(e.get("what", ""))[:MAX_ENTRY_TEXT]} if len(str(e.get("what", ""))) > MAX_ENTRY_TEXT else e
        for e in state.timeline
    )
    state = replace(state, timeline=timeline)
    size = len(to_json(state))
    if size <= budget:
        return state
    sizes = [len(json_text(e)) + 1 for e in timeline]
    drop = 0
    while drop < len(timeline) and size > budget:
        size -= sizes[drop]
        drop += 1
    state = replace(state, timeline=timeline[drop:], dropped=state.dropped + drop)
    if len(to_json(state)) > budget and state.facts is not None:
        state = replace(state, facts={**state.facts, "tasks": {}})
    return state


def load(body: str | None) -> BotState:
    """The state in a status comment's text (the bot's own comment only: the caller checks the author)."""
    if body is None:
        return BotState()
    m = STATE_BLOCK.search(body)
    if not m:
        if markers.STATE_NAME in body:
            return _lost("the state block of this comment is damaged")
        return BotState()
    try:
        raw = json.loads(m.group(1))
    except ValueError:
        return _lost("the state block of this comment is not valid JSON (edited by hand?)")
    if not isinstance(raw, dict):
        return _lost("the state block of this comment is not a JSON object")
    return from_dict(raw)


def from_dict(raw: dict[str, Any]) -> BotState:
    problems: list[str] = []
    version = raw.get("v", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        problems.append(f"the state's format version {str(version)[:20]!r} is not a number; read as version 0")
        version = 0
    known = _KNOWN_2 if version >= 2 else _KNOWN
    if version > FORMAT:
        problems.append(
            f"the state was written by a newer incident-kit (format {version}); this version ({FORMAT}) reads "
            "the fields it knows and keeps the rest: upgrade incident-kit in the workflows"
        )
    # A newer version's fields are kept, and kept again after this version wrote the state back as
    # format FORMAT: otherwise they would survive one write and vanish on the next.
    unknown = {k: v for k, v in raw.items() if k not in _KNOWN_3} if version >= FORMAT else {}

    def typed(name: str, kind: type | tuple[type, ...]) -> Any:
        value = raw.get(name)
        if value is None:
            return None
        if isinstance(value, kind) and not isinstance(value, bool):
            return value
        problems.append(f"the stored `{name}` was not what incident-kit writes and was ignored")
        return None

    def entries(name: str) -> tuple[dict[str, Any], ...]:
        value = typed(name, list)
        if value is None:
            return ()
        kept = tuple(e for e in value if isinstance(e, dict))
        if len(kept) != len(value):
            problems.append(f"{len(value) - len(kept)} damaged entr(ies) of the stored `{name}` were ignored")
        return kept

    def record(name: str, parse: Any) -> Any:
        value = raw.get(name)
        parsed = None if value is None else parse(value)
        if value is not None and parsed is None:
            problems.append(f"the stored `{name}` was not what incident-kit writes and was ignored")
        return parsed

    sent = typed("notify", dict)
    record_lost = "notify" in raw and sent is None
    claims: list[Claim] = []
    raw_claims = typed("claims", list) if "claims" in known else None
    for item in raw_claims or []:
        claim = _claim(item)
        if claim is None:
            problems.append("a damaged claim of a message was ignored")
            record_lost = True  # it named a message that may have gone out
        else:
            claims.append(claim)
    return BotState(
        decision=str(raw.get("decision") or ""),
        phase=str(raw.get("phase") or ""),
        timeline=entries("timeline"),
        facts=typed("facts", dict),
        confirmed_by=typed("confirmed_by", str) or None,
        invite=record("invite", InviteRecord.parse),
        report=record("report", ReportRecord.parse),
        sent=_clean_record(sent or {}, problems),
        claims=tuple(claims),
        followups=followup_notes(typed("followups", list), problems),
        people=typed("people", dict) if version >= 3 else None,
        dropped=typed("dropped", int) or 0 if version >= 3 else 0,
        unknown=unknown,
        version=version,
        problems=tuple(problems),
        record_lost=record_lost,
    )


def _claim(item: Any) -> Claim | None:
    if not isinstance(item, dict):
        return None
    values = [item.get(k) for k in ("ch", "k", "by", "t")]
    texts = [v for v in values if isinstance(v, str) and v]
    if len(texts) != len(values):
        return None
    return Claim(texts[0], texts[1], texts[2], texts[3], str(item.get("w") or ""))


def _clean_record(sent: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The record of what was sent with damaged channel records dropped (and said)."""
    out: dict[str, Any] = {}
    for channel, record in sent.items():
        if isinstance(record, dict):
            out[channel] = {k: v for k, v in record.items() if isinstance(v, dict)}
        else:
            problems.append(f"the stored record of {channel} messages was damaged and was ignored")
    return out


def _lost(why: str) -> BotState:
    return BotState(
        version=0,
        problems=(f"{why}: incident-kit started a fresh record, and holds the messages it may have sent before",),
        record_lost=True,
    )


def merge_sent(mine: BotState, fresh: BotState, run: str) -> BotState:
    """``mine`` with the record of what was sent brought up to date with ``fresh`` (the comment as it
    is now): another run may have recorded a delivery or claimed a message since this run read it.
    A delivery anyone recorded is kept; claims of other runs are kept; this run's own claims are
    ``mine``'s."""
    sent: dict[str, Any] = {ch: dict(rec) for ch, rec in fresh.sent.items()}
    for channel, record in mine.sent.items():
        target = sent.setdefault(channel, {})
        for key, entry in record.items():
            theirs = target.get(key)
            # Keep the richer entry: more recipients reached, fewer left to retry.
            if theirs is None or len(entry.get("to") or []) >= len(theirs.get("to") or []):
                target[key] = entry
    delivered = {(ch, k) for ch, rec in sent.items() for k, e in rec.items() if not e.get("retry")}
    others = [c for c in fresh.claims if c.run != run]
    ours = [c for c in mine.claims if c.run == run or c.run == UNKNOWN_RUN]
    seen: set[tuple[str, str]] = set()
    claims: list[Claim] = []
    for c in [*others, *ours]:
        if (c.channel, c.key) in seen or (c.channel, c.key) in delivered:
            continue
        seen.add((c.channel, c.key))
        claims.append(c)
    # A claim that lost (another run's claim on the same key came first) is dropped from "ours".
    return replace(mine, sent=sent, claims=tuple(claims))
