"""The parser reads the template's structure the way GitHub renders it, from either template."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import CREATED, VIDEO

from incident_kit.body import edits
from incident_kit.body.model import Answer, Decision
from incident_kit.body.parse import parse_incident
from incident_kit.body.sections import REQUIRED


def test_shipped_template_has_every_section(template: str) -> None:
    inc = parse_incident(template, reference=CREATED)
    assert inc.missing_sections == ()
    assert {s.key for s in inc.sections if s.key} >= set(REQUIRED)
    assert inc.template_like
    # GitHub (cmark-gfm) renders 83 list items for the template; Python-Markdown only 77.
    assert len(inc.items) == 83
    assert [q.line for q in inc.triage] == [20, 21, 22]
    assert [r.line for r in inc.roles] == [24, 25, 26]
    assert inc.decision is Decision.UNDECIDED
    assert all(e.slot for e in inc.timeline) and len(inc.timeline) == 14
    assert inc.postmortem.start is None and inc.postmortem.error is None
    assert inc.action_items == ()
    assert all(not f.filled for f in inc.record)


def test_original_template_reads_the_same(template: str, original_template: str) -> None:
    """Bodies written from the user's misspelt original parse like the corrected template."""
    new = parse_incident(template, reference=CREATED)
    old = parse_incident(original_template, reference=CREATED)
    assert old.missing_sections == ()
    assert len(old.items) == len(new.items) == 83
    assert [i.checked for i in old.tasks] == [i.checked for i in new.tasks]
    assert [s.key for s in old.sections] == [s.key for s in new.sections]
    assert [q.line for q in old.triage] == [q.line for q in new.triage]
    body = edits.attach_video(original_template, VIDEO)
    assert [v.url for v in parse_incident(body).videos] == [VIDEO]


def test_template_spelling_is_fixed(template: str) -> None:
    for typo in (
        "Problemt",
        "incidet",
        "comunicator",
        "pubish",
        "haw ",
        "thsi",
        "couse",
        "ourselvs",
        "upadte",
        "sakeholders",
        "Brainstormng",
        "interupt",
    ):
        assert typo not in template
    # The slots people know are kept.
    assert template.count("TODO(y/n)") == 3
    assert template.count("xx/xx xx:xx") == 15
    assert "labels: 'incident'" in template


@pytest.mark.parametrize(
    ("written", "answer"),
    [
        ("y", Answer.YES),
        ("Y", Answer.YES),
        ("yes", Answer.YES),
        ("YES, most of them", Answer.YES),
        ("はい", Answer.YES),
        ("n", Answer.NO),
        ("No", Answer.NO),
        ("いいえ", Answer.NO),
        ("maybe", Answer.UNANSWERED),
    ],
)
def test_written_answers(template: str, written: str, answer: Answer) -> None:
    body = edits.answer(template, "50%", written)
    q = parse_incident(body).triage[0]
    assert q.answer is answer
    assert q.written == written


def test_ticked_box_without_answer_is_yes_and_written_answer_wins(template: str) -> None:
    body = edits.tick(template, "Is our data corrupting")
    assert parse_incident(body).triage[1].answer is Answer.YES
    body = edits.answer(template, "corrupting", "n", tick=True)
    q = parse_incident(body).triage[1]
    assert q.answer is Answer.NO and q.conflict


def test_decision(template: str) -> None:
    body = template
    for q in ("50%", "corrupting", "attack"):
        body = edits.answer(body, q, "n")
    assert parse_incident(body).decision is Decision.NOT_INCIDENT
    assert parse_incident(edits.answer(body, "", "y")).decision is Decision.NOT_INCIDENT  # nothing left to answer
    two_no = edits.answer(edits.answer(template, "50%", "n"), "corrupting", "no")
    assert parse_incident(two_no).decision is Decision.UNDECIDED
    assert parse_incident(edits.answer(two_no, "attack", "Y")).decision is Decision.INCIDENT


def test_crlf_and_form_style_ticks(template: str) -> None:
    body = edits.tick(edits.answer(template, "50%", "y"), "firstaid", mark="X").replace("\n", "\r\n")
    inc = parse_incident(body)
    assert inc.decision is Decision.INCIDENT
    assert [i.checked for i in inc.tasks if i.text == "firstaid"] == [True, True]


def test_roles(template: str) -> None:
    body = edits.set_role(template, "Investigator", "alice", "bob-2")
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    inc = parse_incident(body)
    assert [r.handles for r in inc.roles] == [("alice", "bob-2"), ("carol",), ("dave",)]
    # e-mail addresses and trailing punctuation are not handles
    body2 = edits.set_role(template, "Communicator", "carol,")
    body2 = body2.replace("Recorder(1 person): TODO", "Recorder(1 person): mail me at x@example.com")
    inc2 = parse_incident(body2)
    assert inc2.role("communicator").handles == ("carol",)
    assert inc2.role("recorder").handles == ()


def test_record_fields_empty_while_todo(template: str) -> None:
    body = edits.fill_field(template, "First aid", "Rolled back deploy 1234")
    inc = parse_incident(body)
    assert inc.record_field("first-aid").text == "- Rolled back deploy 1234"
    assert inc.record_field("first-aid").filled
    assert not inc.record_field("where-is-bug").filled


def test_timeline_entries_and_year_across_new_year(template: str) -> None:
    body = edits.fill_slot(template, "Start this incident", "12/31 23:50")
    body = edits.fill_slot(body, "Find this incident", "01/01 00:10")
    body = edits.fill_slot(body, "Know this incident", "2027-01-01 00:20", "Know this incident by @bob")
    created = datetime(2026, 12, 31, 23, 55, tzinfo=UTC)
    entries = [e for e in parse_incident(body, reference=created).timeline if not e.slot]
    assert [e.when for e in entries] == [
        datetime(2026, 12, 31, 23, 50, tzinfo=UTC),
        datetime(2027, 1, 1, 0, 10, tzinfo=UTC),
        datetime(2027, 1, 1, 0, 20, tzinfo=UTC),
    ]
    assert entries[2].description == "Know this incident by @bob"
    # An issue opened on Jan 1st whose incident started Dec 31st: the entry is last year's.
    jan = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    first = next(e for e in parse_incident(body, reference=jan).timeline if not e.slot)
    assert first.when == datetime(2026, 12, 31, 23, 50, tzinfo=UTC)


def test_postmortem_date_and_length(template: str) -> None:
    inc = parse_incident(edits.set_postmortem(template, "2026-11-25 10:00 - 90 min"), reference=CREATED)
    assert inc.postmortem.start == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert inc.postmortem.duration_minutes == 90
    inc = parse_incident(edits.set_postmortem(template, "11/25 13:00 -  2 hours"), reference=CREATED)
    assert inc.postmortem.start == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert inc.postmortem.duration_minutes == 120
    inc = parse_incident(edits.set_postmortem(template, "11/25 13:00 - 14:30"), reference=CREATED)
    assert inc.postmortem.duration_minutes == 90
    bad = parse_incident(edits.set_postmortem(template, "02/30 25:00 - 2 hours"), reference=CREATED)
    assert bad.postmortem.start is None and "not a real date" in (bad.postmortem.error or "")
    assert bad.postmortem.line == 82 + 1


def test_action_items_with_links_and_topics(template: str) -> None:
    body = edits.set_action_item(template, "Root problem", "Add a DB constraint #12")
    body = edits.set_action_item(body, "Workflow problem", "Page on-call from the alert octo/infra#7", checked=True)
    body = edits.set_action_item(
        body,
        "Incident mode",
        "Runbook https://github.com/octo/app/issues/99 and https://github.com/octo/app/pull/3",
    )
    items = parse_incident(body).action_items
    assert [(a.topic, a.links, a.checked) for a in items] == [
        ("root-problem", ("#12",), False),
        ("workflow", ("octo/infra#7",), True),
        (
            "incident-mode",
            ("https://github.com/octo/app/issues/99", "https://github.com/octo/app/pull/3"),
            False,
        ),
    ]


def test_task_items_carry_depth_and_lines(template: str) -> None:
    inc = parse_incident(template)
    firstaid = [i for i in inc.tasks if i.text == "firstaid"]
    assert [(i.depth, i.line) for i in firstaid] == [(1, 31), (2, 34)]
    assert firstaid[0].path == ("How to resolve the incident",)


def test_code_blocks_are_not_data(template: str) -> None:
    body = edits.add_under(template, "video of incid", "```\n" + VIDEO + "\n```")
    assert parse_incident(body).videos == ()
