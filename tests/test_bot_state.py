"""The typed bot state: stored states read back to the same JSON, damaged records are dropped and said,
and no JSON at all makes ``load`` raise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_at_most_once import final_status, sandbox, settings, settle, smtp, webhook  # noqa: F401  (fixtures)
from test_notify import no_proxy  # noqa: F401  (autouse)

from incident_kit.basics import markers
from incident_kit.plan.bot_state import (
    FORMAT,
    FollowupNote,
    InviteRecord,
    ReportRecord,
    dump,
    from_dict,
    load,
    to_json,
)
from incident_kit.plan.messages import NotifySecrets
from incident_kit.plan.status import MARKER

# States as they are stored, taken from the other tests (each written by some version of incident-kit,
# or by a person editing one), and one with every record incident-kit writes.
STORED: list[dict[str, Any]] = [
    {
        "decision": "incident",
        "notify": {"slack": {"declared": {"t": "2026-11-20T09:00:00Z", "w": "incident declared", "to": ["Slack"]}}},
        "phase": "investigating",
        "timeline": [],
    },
    {"notify": {"slack": {"declared": {"t": "2026-11-20T09:00:00Z"}}}, "decision": "a > b --"},
    {"timeline": [{"t": "2020-01-01T00:00:00Z", "who": "mallory", "what": "fixed everything", "k": "x"}]},
    {"followups": [{"number": 99, "key": "k1"}], "confirmed_by": "mallory"},
    {"invite": {"start": "2026-11-19T10:00:00", "end": "9999-12-31T23:59:00Z", "cancelled": False, "seq": 0}},
    {
        "v": 2,
        "decision": "incident",
        "phase": "resolved",
        "timeline": [{"t": "2026-11-20T09:00:00Z", "who": "alice", "what": "opened", "k": "opened"}],
        "facts": {"labels": ["incident"], "assignees": ["alice"], "state": "open"},
        "confirmed_by": "carol",
        "invite": {
            "seq": 1,
            "fp": "0123456789abcdef",
            "stamp": "2026-11-20T09:00:00Z",
            "start": "2026-11-25T05:00:00Z",
            "end": "2026-11-25T07:00:00Z",
            "cancelled": False,
            "blob": "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
            "url": "https://github.com/octo/app/blob/main/postmortems/2026/12.ics",
            "path": "postmortems/2026/12.ics",
        },
        "report": {"fp": "fedcba", "path": "reports/12.pdf", "url": "about:blank#pending"},
        "notify": {
            "slack": {"declared": {"t": "2026-11-20T09:00:00Z", "w": "incident declared", "to": ["Slack"]}},
            "email": {
                "announcement": {"t": "2026-11-20T09:01:00Z", "w": "declared", "to": ["carol"], "retry": ["dave"]},
                "announcement:1": {"t": "2026-11-20T09:01:00Z", "w": "declared", "to": ["carol"], "in": "announcement"},
            },
        },
        "claims": [{"ch": "slack", "k": "resolved", "by": "run-7", "t": "2026-11-20T10:00:00Z", "w": "resolved"}],
        "followups": [{"number": 31, "text": "Add an alert", "key": "k1"}],
    },
    # A newer version's state: fields and record keys this version does not know are kept.
    {"v": 9, "decision": "incident", "phase": "", "timeline": [], "later": [1], "invite": {"seq": 0, "tz": "x"}},
]


@pytest.mark.parametrize("raw", STORED)
def test_a_stored_state_reads_back_to_the_same_json(raw: dict[str, Any]) -> None:
    state = load(f"{MARKER}\n{markers.state(json.dumps(raw))}")
    expected = {"v": FORMAT, "decision": "", "phase": "", "timeline": [], **raw}
    expected["v"] = FORMAT
    assert dump(state) == expected
    # ...and again through the comment, any number of times: a newer version's fields outlive this version's writes.
    again = state
    for _ in range(3):
        again = load(f"{MARKER}\n{markers.state(to_json(again))}")
        assert dump(again) == expected
    assert not state.record_lost and all("ignored" not in p for p in state.problems), state.problems


def test_the_records_are_typed() -> None:
    state = from_dict(STORED[5])
    assert state.invite == InviteRecord(
        1,
        "0123456789abcdef",
        "2026-11-20T09:00:00Z",
        "2026-11-25T05:00:00Z",
        "2026-11-25T07:00:00Z",
        False,
        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
        "https://github.com/octo/app/blob/main/postmortems/2026/12.ics",
        "postmortems/2026/12.ics",
    )
    assert state.report == ReportRecord("fedcba", "reports/12.pdf", "about:blank#pending")
    assert state.followups == (FollowupNote(31, "Add an alert", "k1"),)


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ({"invite": {"seq": "3", "fp": "x"}}, "`invite`"),
        ({"invite": {"seq": -1}}, "`invite`"),
        ({"invite": {"seq": True}}, "`invite`"),
        ({"invite": {"seq": 0, "cancelled": "no"}}, "`invite`"),
        ({"invite": [1]}, "`invite`"),
        ({"report": {"path": 12}}, "`report`"),
        ({"report": "reports/12.pdf"}, "`report`"),
        ({"followups": [{"number": "31"}, {"number": 32, "text": ["x"]}, {"number": 33}]}, "2 damaged"),
        ({"followups": {"number": 31}}, "`followups`"),
    ],
)
def test_a_damaged_record_is_dropped_and_said(raw: dict[str, Any], said: str) -> None:
    state = from_dict(raw)
    assert any(said in p for p in state.problems), state.problems
    assert state.invite is None and state.report is None
    assert state.followups == ((FollowupNote(33),) if "followups" in raw and isinstance(raw["followups"], list) else ())
    assert "invite" not in dump(state) and "report" not in dump(state)


def test_a_state_the_bot_wrote_reads_back_identically(
    tmp_path: Path,
    smtp: tuple[Any, int],  # noqa: F811
    webhook: Any,  # noqa: F811
) -> None:
    box, port = smtp
    config, secrets = settings(port), NotifySecrets(slack_webhook=webhook.url)
    repo, number = sandbox(tmp_path)
    settle(repo, number, config, secrets, 50)
    body = final_status(repo, number)
    found = markers.STATE_PAYLOAD.search(body)
    assert found is not None
    raw = json.loads(found.group(1))
    state = load(body)
    assert raw["notify"] and state.sent and state.problems == ()
    assert dump(state) == raw


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["v", "decision", "phase", "timeline", "facts", "confirmed_by", "invite", "report", "notify", "claims", "followups"]
)
RECORD_KEYS = st.sampled_from(["seq", "fp", "stamp", "start", "end", "cancelled", "url", "path", "number", "text"])
RECORDS = st.dictionaries(RECORD_KEYS, JSON, max_size=6)
STATES = st.dictionaries(KEYS, JSON | RECORDS | st.lists(RECORDS, max_size=3), max_size=8)


@given(STATES | JSON)
def test_load_never_raises_on_any_json(value: Any) -> None:
    state = load(f"{MARKER}\n{markers.state(json.dumps(value))}")
    again = load(f"{MARKER}\n{markers.state(to_json(state))}")
    if state.version <= FORMAT:
        assert dump(again) == dump(state) and again.problems == ()
