"""The corpus of bodies written the way teams write (tests/corpus/): each reads as labelled.

``corpus/bodies/`` holds 100 template bodies filled in English, Japanese and both, full-width,
with CRLF or phone edits, placeholders left and every time form (built by corpus_build.py from
hand-labelled parts); ``corpus/handwritten/`` holds bodies written whole by hand. For each one
the expected decision, triage answers, roles, times (UTC), postmortem, people who cannot be
invited, vague action items and findings are in the JSON beside them.

The property at the end: bodies that are NFKC-equivalent in what people typed (an answer, a
handle, a time, an action item typed full-width or not) give the same reading.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import corpus_build
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit.body.model import IssueContext
from incident_kit.body.parse import parse_incident
from incident_kit.body.roles import address_of
from incident_kit.rules.evaluate import Evaluation, evaluate
from incident_kit.settings.config import Config

CORPUS = Path(__file__).resolve().parent / "corpus"
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _load(name: str, folder: str) -> list[tuple[str, Path, dict[str, Any]]]:
    index = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return [(f"{folder}/{k}", CORPUS / folder / k, v) for k, v in index.items()]


CASES = _load("expected.json", "bodies") + _load("handwritten.json", "handwritten")


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def check(body: str, zone: str, people: dict[str, str]) -> Evaluation:
    config = Config(timezone=zone, people=people)
    inc = parse_incident(body, reference=CREATED, video_hosts=config.video.hosts, timezone=config.timezone)
    return evaluate(inc, IssueContext(created_at=CREATED, now=CREATED), config)


def test_the_corpus_is_large_and_varied() -> None:
    bodies = [p.read_bytes() for _, p, _ in CASES]
    assert len(bodies) >= 100
    assert sum(b"\r\n" in b for b in bodies) >= 30  # saved by the web UI
    assert sum("＠".encode() in b or "ｙ".encode() in b or "１".encode() in b for b in bodies) >= 20  # full-width
    assert sum("気".encode() in b for b in bodies) >= 20  # Japanese
    decisions = {e["decision"] for _, _, e in CASES}
    assert decisions == {"incident", "not-incident", "undecided"}


@pytest.mark.parametrize(("path", "want"), [pytest.param(p, e, id=i) for i, p, e in CASES])
def test_body_reads_as_labelled(path: Path, want: dict[str, Any]) -> None:
    body = path.read_bytes().decode("utf-8")
    if want.get("crlf"):
        body = body.replace("\n", "\r\n")
    people = want["people"]
    ev = check(body, want["timezone"], people)
    inc = ev.incident
    assert str(ev.decision) == want["decision"]
    assert [str(q.answer) for q in inc.triage] == want["triage"]
    assert {r.key: list(r.handles) for r in inc.roles} == want["roles"]
    assert [iso(e.when) for e in inc.timeline if not e.slot] == want["timeline"]
    assert iso(inc.postmortem.start) == want["postmortem"]["start"]
    assert inc.postmortem.duration_minutes == want["postmortem"]["minutes"]
    assert [a.shown for a in inc.postmortem.invitees if address_of(a, people) is None] == want["uninvitable"]
    vague = [f.line for f in ev.findings if f.rule == "action-item-vague"]
    assert [a.text for a in inc.action_items if a.line in vague] == want["vague"]
    rules = {f.rule for f in ev.findings}
    for rule, present in want["findings"].items():
        assert (rule in rules) is present, (rule, [f.message for f in ev.findings if f.rule == rule])
    # Every finding says what to do, and none quotes a traceback.
    assert all(f.message and "Traceback" not in f.message for f in ev.findings)


def test_messages_quote_what_was_written() -> None:
    path = CORPUS / "handwritten" / "en-mixed-crlf.md"
    ev = check(path.read_text(encoding="utf-8"), "UTC", {})
    messages = [f.message for f in ev.findings if f.rule == "triage-not-an-answer"]
    assert any("'(y/n)' is not an answer" in m for m in messages)
    ticked = next(m for m in messages if "'maybe'" in m)
    assert "ticked box with a non-answer is not a yes" in ticked and "write y" in ticked
    cst = next(f.message for f in ev.findings if f.rule == "timeline-format")
    assert "'CST' could mean" in cst and "offset" in cst


# --------------------------------------------------------------------------- NFKC equivalence

# What a Japanese keyboard or a phone types instead of ASCII: full-width forms (NFKC folds each back).
_WIDE = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_WIDE[" "] = "\u3000"


@dataclass(frozen=True)
class Reading:
    decision: str
    triage: tuple[str, ...]
    roles: tuple[tuple[str, ...], ...]
    times: tuple[str | None, ...]
    postmortem: tuple[str | None, int]
    findings: tuple[tuple[str, int | None], ...]


def reading(ev: Evaluation) -> Reading:
    inc = ev.incident
    return Reading(
        str(ev.decision),
        tuple(str(q.answer) for q in inc.triage),
        tuple(r.handles for r in inc.roles),
        tuple(iso(e.when) for e in inc.timeline),
        (iso(inc.postmortem.start), inc.postmortem.duration_minutes),
        tuple((f.rule, f.line) for f in ev.findings),
    )


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, len(corpus_build.cases()) - 1), mask=st.lists(st.booleans(), min_size=64, max_size=64))
def test_nfkc_equivalent_bodies_read_the_same(index: int, mask: list[bool]) -> None:
    case = corpus_build.cases()[index]

    def widen(text: str) -> str:
        # Widen some characters of what the person typed, by a pattern the strategy chooses.
        return "".join(_WIDE.get(c, c) if mask[n % len(mask)] else c for n, c in enumerate(text))

    plain = corpus_build.build(case)
    wide = corpus_build.build(case, widen)
    assert unicodedata.normalize("NFKC", wide) == unicodedata.normalize("NFKC", plain)
    people = case.attendees[1]
    assert reading(check(wide, case.zone, people)) == reading(check(plain, case.zone, people))
