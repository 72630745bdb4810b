"""Every rule id fires on a real body written from the template, and only in its phase."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import VIDEO, check, line_of, rules

from incident_kit.body import edits
from incident_kit.body.model import IssueContext, Phase
from incident_kit.plan.bot_state import BotState, FollowupNote
from incident_kit.plan.status import StatusView, render_status
from incident_kit.rules.evaluate import RULE_IDS
from incident_kit.settings.config import Config, VideoSettings


def declared(template: str) -> str:
    """An incident: one yes, two no, a video attached."""
    body = edits.answer(template, "50%", "y")
    body = edits.answer(body, "corrupting", "n")
    body = edits.answer(body, "attack", "n")
    return edits.attach_video(body, VIDEO)


def staffed(template: str) -> str:
    body = edits.set_role(declared(template), "Investigator", "alice", "bob")
    body = edits.set_role(body, "Communicator", "carol")
    return edits.set_role(body, "Recorder", "dave")


def first_aided(template: str) -> str:
    return edits.tick(staffed(template), "firstaid")


def resolved(template: str) -> str:
    return edits.tick(first_aided(template), "Announce resolving this incident")


def test_fresh_template_asks_for_triage_and_video(template: str) -> None:
    ev = check(template)
    assert ev.phase is Phase.REPORTED
    assert rules(ev) == ["triage-unanswered"] * 3 + ["video-missing"]
    assert [f.line for f in ev.findings[:3]] == [20, 21, 22]
    assert "TODO(y/n)" in ev.findings[0].message


def test_triage_conflict(template: str) -> None:
    body = edits.answer(declared(template), "corrupting", "n", tick=True)
    body = edits.tick(body, "Is our data corrupting")
    ev = check(body)
    assert "triage-conflict" in rules(ev)
    conflict = next(f for f in ev.findings if f.rule == "triage-conflict")
    assert conflict.line == 21 and conflict.severity == "error"


def test_triage_unanswered_stops_once_decided(template: str) -> None:
    body = edits.answer(template, "attack", "yes")
    assert "triage-unanswered" not in rules(check(body))


def test_roles_missing_only_once_it_is_an_incident(template: str) -> None:
    assert "roles-missing" not in rules(check(template))
    ev = check(declared(template))
    assert ev.phase is Phase.TRIAGED
    assert rules(ev) == ["roles-missing"] * 3
    assert [f.line for f in ev.findings] == [24, 25, 26]
    assert rules(check(staffed(template))) == []


def test_role_count(template: str) -> None:
    body = edits.set_role(declared(template), "Communicator", "carol", "erin")
    ev = check(body)
    counted = [f for f in ev.findings if f.rule == "role-count"]
    assert len(counted) == 1 and counted[0].line == 25
    assert "@carol, @erin" in counted[0].message
    # Several investigators are fine.
    assert "role-count" not in rules(check(edits.set_role(declared(template), "Investigator", "a", "b", "c")))


def test_video_missing_modes(template: str) -> None:
    body = edits.answer(template, "50%", "y")
    ev = check(body)
    video = next(f for f in ev.findings if f.rule == "video-missing")
    assert video.severity == "error" and video.line == 49
    assert ".mp4" in video.message and "10 MB" in video.message
    warn = Config(video=VideoSettings(mode="warn"))
    assert next(f for f in check(body, config=warn).findings if f.rule == "video-missing").severity == "warning"
    assert "video-missing" not in rules(check(body, config=Config(video=VideoSettings(mode="off"))))
    assert "video-missing" not in rules(check(edits.attach_video(body, "https://www.loom.com/share/abc")))
    # A non-incident does not need a video.
    no = template
    for q in ("50%", "corrupting", "attack"):
        no = edits.answer(no, q, "n")
    ev = check(no)
    assert ev.phase is Phase.NOT_INCIDENT and "video-missing" not in rules(ev)


def test_video_as_image_does_not_count(template: str) -> None:
    body = edits.add_under(template, "video of incid", f'<img width="600" alt="Image" src="{VIDEO}" />')
    assert "video-missing" in rules(check(body))


def test_timeline_format_and_order(template: str) -> None:
    body = edits.fill_slot(staffed(template), "Start this incident", "11/20 08:30")
    body = edits.fill_slot(body, "Find this incident", "11/20 08:10")  # before the previous one
    body = edits.fill_slot(body, "Know this incident", "11/2x 08:40")
    body = edits.fill_slot(body, "Create this issue", "02/30 09:00")
    ev = check(body)
    got = [(f.rule, f.line) for f in ev.findings]
    assert ("timeline-order", line_of(body, "11/20 08:10")) in got
    assert ("timeline-format", line_of(body, "11/2x 08:40")) in got
    assert ("timeline-format", line_of(body, "02/30 09:00")) in got
    fmt = next(f for f in ev.findings if f.line == line_of(body, "02/30 09:00"))
    assert "not a real date" in fmt.message


def test_action_items_vague_and_untracked(template: str) -> None:
    body = edits.set_action_item(resolved(template), "Root problem", "Everyone should be careful when deploying")
    body = edits.set_action_item(body, "Workflow problem", "Add a staging smoke test")
    body = edits.set_action_item(body, "Incident mode", "本番作業は気をつける")
    ev = check(body, labels=("incident-improvement",))
    got = [(f.rule, f.severity) for f in ev.findings if f.rule.startswith("action-item")]
    assert got == [
        ("action-item-vague", "error"),
        ("action-item-untracked", "warning"),
        ("action-item-vague", "error"),
    ]
    custom = Config(vague_phrases=("add a staging",))
    assert [f.rule for f in check(body, config=custom).findings if f.rule.startswith("action")][
        1
    ] == "action-item-vague"
    tracked = edits.set_action_item(resolved(template), "Root problem", "Add a unique index, see #42")
    assert not [f for f in check(tracked).findings if f.rule.startswith("action-item")]


def test_postmortem_unscheduled_only_after_first_aid(template: str) -> None:
    assert "postmortem-unscheduled" not in rules(check(staffed(template)))
    ev = check(first_aided(template))
    assert ev.phase is Phase.FIRST_AID_DONE
    assert rules(ev) == ["postmortem-unscheduled"]
    assert ev.findings[0].line == line_of(first_aided(template), "xx/xx xx:xx -  2 hours")
    scheduled = edits.set_postmortem(first_aided(template), "2026-11-23 10:00 - 2 hours")
    assert "postmortem-unscheduled" not in rules(check(scheduled))


def test_postmortem_date(template: str) -> None:
    body = edits.set_postmortem(staffed(template), "02/30 25:00 - 2 hours")
    f = next(f for f in check(body).findings if f.rule == "postmortem-date")
    assert f.line == line_of(body, "02/30 25:00") and f.severity == "error"


def test_sections_missing_and_not_template(template: str) -> None:
    cut = template.replace("### First aid\n- TODO\n", "")
    ev = check(cut)
    missing = [f for f in ev.findings if f.rule == "section-missing"]
    assert len(missing) == 1 and "### First aid" in missing[0].message
    assert rules(check("just some words")) == [
        "not-template",
        "triage-unanswered",
        "triage-unanswered",
        "triage-unanswered",
        "video-missing",
    ]


def test_phases_in_order(template: str) -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert check(template).phase is Phase.REPORTED
    assert check(declared(template)).phase is Phase.TRIAGED
    assert check(staffed(template)).phase is Phase.INVESTIGATING
    assert check(first_aided(template)).phase is Phase.FIRST_AID_DONE
    assert check(resolved(template)).phase is Phase.RESOLVED
    pm = edits.set_postmortem(resolved(template), "2026-12-01 10:00")
    assert check(pm, now=now).phase is Phase.POSTMORTEM_SCHEDULED
    assert check(pm, now=datetime(2026, 12, 1, 10, 5, tzinfo=UTC)).phase is Phase.IMPROVING
    # Closed as completed counts as resolved; closed as not planned does not.
    assert check(first_aided(template), closed=True).phase is Phase.RESOLVED
    done = pm
    while "- [ ]" in done:
        done = done.replace("- [ ]", "- [x]", 1)
    done = done.replace("    - [ ]", "    - [x]")
    # Issue #14: every box ticked is not done while the Record says TODO and no action item is written.
    ticked_only = check(done)
    assert ticked_only.phase is Phase.IMPROVING
    missing = [f.message for f in ticked_only.findings if f.rule == "not-done"]
    assert any("How many people was affected?" in m and "(Recorder)" in m for m in missing)
    assert any("concrete action item" in m and "(Writer)" in m for m in missing)
    full = edits.fill_field(pm, "How many", "About 3,200 checkout attempts failed")
    full = edits.fill_field(full, "Where is", "Payment client timeout set to 0")
    full = edits.fill_field(full, "First aid", "Rolled back to the previous release")
    full = edits.set_action_item(full, "Root problem", "Reject a zero timeout in the payment client #101")
    full = tick_all_but_no(full)
    assert check(full).phase is Phase.DONE
    # An explicit "no action items" line is an outcome too; an error finding is not done.
    recorded = edits.fill_field(edits.fill_field(pm, "Where is", "A flag"), "First aid", "Flag turned off")
    none = edits.set_action_item(edits.fill_field(recorded, "How many", "Nobody"), "Root", "No action items")
    none = tick_all_but_no(none)
    assert check(none).phase is Phase.DONE
    conflicted = none.replace("- [ ] Is our data corrupting?: n", "- [x] Is our data corrupting?: n")
    assert conflicted != none
    ev = check(conflicted)
    assert ev.phase is Phase.IMPROVING and "triage-conflict" in rules(ev) and "not-done" in rules(ev)


def tick_all_but_no(body: str) -> str:
    """Every box ticked, except the triage questions answered no (ticking those is a conflict)."""
    return "\n".join(
        line if line.rstrip().endswith(": n") else line.replace("- [ ]", "- [x]", 1) for line in body.split("\n")
    )


def test_resolving_needs_a_decided_incident(template: str) -> None:
    early = edits.tick(template, "Announce resolving this incident")
    ev = check(early)
    assert ev.phase is Phase.REPORTED  # the tick changes nothing
    [finding] = [f for f in ev.findings if f.rule == "resolve-undecided"]
    assert "has not decided" in finding.message and finding.severity == "warning"
    assert finding.line == line_of(early, "Announce resolving")
    no = edits.answer(edits.answer(edits.answer(early, "50%", "n"), "corrupting", "n"), "attack", "n")
    ev = check(no)
    assert ev.phase is Phase.NOT_INCIDENT
    assert "nothing to resolve" in next(f.message for f in ev.findings if f.rule == "resolve-undecided")
    assert "resolve-undecided" not in rules(check(resolved(template)))


def test_role_intent(template: str) -> None:
    team = Config(engineers=("alice", "bob"))
    body = edits.set_role(declared(template), "Investigator", "alice", "zoe")
    body = edits.set_role(body, "Communicator", "alice")
    body = edits.set_role(body, "Recorder", "dave")
    ev = check(body, config=team)
    [outsider] = [f for f in ev.findings if f.rule == "investigator-not-engineer"]
    assert "@zoe" in outsider.message and "engineers:" in outsider.message
    [both] = [f for f in ev.findings if f.rule == "communicator-investigates"]
    assert "@alice" in both.message and "so the investigators can focus" in both.message
    # Without `engineers:` nobody is checked against it; a team of two may double up.
    assert "investigator-not-engineer" not in rules(check(body))
    pair = edits.set_role(declared(template), "Investigator", "alice")
    pair = edits.set_role(edits.set_role(pair, "Communicator", "alice"), "Recorder", "bob")
    assert "communicator-investigates" not in rules(check(pair))


def test_bot_fulfilled_items_count_as_done(template: str) -> None:
    from incident_kit.body.checklist import open_items_by_section
    from incident_kit.body.model import IssueContext
    from incident_kit.body.parse import parse_incident
    from incident_kit.settings.config import Labels

    inc = parse_incident(resolved(template))
    before = open_items_by_section(inc, IssueContext(labels=frozenset({"incident"})), Labels())
    after = open_items_by_section(inc, IssueContext(labels=frozenset({"incident-improvement"})), Labels())
    top = "How to resolve the incident"
    assert before[top] - after[top] == 2  # remove "incident" label, put "incident-improvement" label


def test_triage_not_an_answer_quotes_what_was_written(template: str) -> None:
    body = edits.answer(template, "50%", "maybe", tick=True)
    body = edits.answer(body, "corrupting", "ｎ")
    ev = check(body)
    assert [q.answer.value for q in ev.incident.triage[:2]] == ["unanswered", "no"]
    found = [f for f in ev.findings if f.rule == "triage-not-an-answer"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].line == line_of(body, "maybe")
    assert "'maybe' is not an answer" in found[0].message and "ticked box" in found[0].message
    # Once another answer decides, a non-answer is still shown, as a warning.
    decided = edits.answer(body, "attack", "y")
    assert [(f.rule, f.severity) for f in check(decided).findings if f.rule.startswith("triage")] == [
        ("triage-not-an-answer", "warning")
    ]


def test_attendee_not_invitable_names_who(template: str) -> None:
    body = edits.add_under(template, "Attendees", "- 山田さん, suzuki@example.com\n- ＠taro")
    names = [f.message for f in check(body).findings if f.rule == "attendee-not-invitable"]
    assert len(names) == 1 and "山田, @taro" in names[0] and "people:" in names[0]
    invited = Config(people={"taro": "taro@example.com", "山田": "yamada@example.com"})
    assert not [f for f in check(body, config=invited).findings if f.rule == "attendee-not-invitable"]


def test_zone_unclear_names_the_lines_read_as_utc(template: str) -> None:
    body = edits.fill_slot(staffed(template), "Start this incident", "11/20 09:40")
    body = edits.fill_slot(body, "Find this incident", "11/20 19:01 JST")
    ev = check(body)
    [finding] = [f for f in ev.findings if f.rule == "zone-unclear"]
    assert finding.line == line_of(body, "11/20 09:40") and "timezone: Asia/Tokyo" in finding.message
    assert "zone-unclear" not in rules(check(body, config=Config(timezone="Asia/Tokyo")))


def test_zone_heading_utc_when_the_team_zone_is_not_utc(template: str) -> None:
    body = edits.fill_slot(staffed(template), "Start this incident", "11/20 19:40")
    [finding] = [f for f in check(body, config=Config(timezone="Asia/Tokyo")).findings if f.rule == "zone-heading-utc"]
    assert finding.line == line_of(body, "11/20 19:40") and "read in Asia/Tokyo per `timezone:`" in finding.message
    assert "zone-heading-utc" not in rules(check(body))


def test_role_not_handle_names_the_dropped_name(template: str) -> None:
    body = staffed(template).replace("@alice @bob", "@alice, bob", 1)
    [finding] = [f for f in check(body).findings if f.rule == "role-not-handle"]
    assert finding.line == line_of(body, "@alice, bob") and "'bob'" in finding.message and "@bob" in finding.message


def test_readme_rules_table_lists_every_rule() -> None:
    import pathlib
    import re

    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Rules", 1)[1].split("\n\n", 2)[1]
    listed = re.findall(r"^\| `([a-z-]+)` \|", table, re.M)
    # The rules, and the findings the plan adds (the invite step, the recorded timeline, assignment).
    assert set(listed) == {*RULE_IDS, "postmortem-past", "timeline-conflict", "assignee-unavailable"}


def test_every_rule_id_is_tested() -> None:
    import pathlib

    text = pathlib.Path(__file__).read_text()
    untested = [r for r in RULE_IDS if f'"{r}"' not in text.replace(f'"{r}" ', "")]
    assert untested == []


@pytest.mark.parametrize("body", [None, "", "\x00", "# Problem\n### Video of incident\n"])
def test_degenerate_bodies(body: object) -> None:
    ev = check(body)
    assert ev.phase is Phase.REPORTED
    assert "video-missing" in rules(ev)


# ---------------------------------------------------------------- the call and the meeting (issue #17)


def test_agenda_over_length_fires_on_the_original_template_with_the_sum(original_template: str, template: str) -> None:
    ev = check(original_template)
    [finding] = [f for f in ev.findings if f.rule == "agenda-over-length"]
    assert "add up to 160 min" in finding.message and finding.severity == "info"
    assert finding.line == line_of(original_template, "#### Agenda and minutes")
    later = check(resolved(original_template), labels=("incident",))
    assert [f.severity for f in later.findings if f.rule == "agenda-over-length"] == ["warning"]
    assert "agenda-over-length" not in rules(check(resolved(template)))  # the corrected template fits 2 hours


def test_call_not_closed_once_resolved_until_the_end_is_written(template: str) -> None:
    assert "call-not-closed" not in rules(check(first_aided(template), labels=("incident",)))
    body = resolved(template)
    assert rules(check(body, labels=("incident",))).count("call-not-closed") == 1
    closed = edits.fill_slot(body, "Finish slack call", "11/20 11:00")
    assert "call-not-closed" not in rules(check(closed, labels=("incident",)))


def test_postmortem_roles_missing_and_meeting_notes_empty_after_the_meeting(template: str) -> None:
    body = edits.set_postmortem(resolved(template), "2026-11-24 10:00")
    before = check(body, labels=("incident",), now=datetime(2026, 11, 23, tzinfo=UTC))
    assert {"postmortem-roles-missing", "meeting-notes-empty"}.isdisjoint(rules(before))
    during = check(body, labels=("incident",), now=datetime(2026, 11, 24, 10, 30, tzinfo=UTC))
    assert rules(during).count("postmortem-roles-missing") == 2 and "meeting-notes-empty" not in rules(during)
    after = check(body, labels=("incident",), now=datetime(2026, 11, 24, 12, 30, tzinfo=UTC))
    assert rules(after).count("meeting-notes-empty") == 4
    body = edits.set_meeting_role(edits.set_meeting_role(body, "Facilitator", "alice"), "Writer", "bob")
    for topic in ("good point", "Root problem", "Workflow problem", "Incident mode"):
        body = edits.set_notes(body, topic, "an idea")
    done = check(body, labels=("incident",), now=datetime(2026, 11, 24, 12, 30, tzinfo=UTC))
    assert {"postmortem-roles-missing", "meeting-notes-empty"}.isdisjoint(rules(done))


def test_a_done_incident_with_follow_ups_does_not_promise_it_is_finished(template: str) -> None:
    # Every box is done, but the weekly check closes the incident only once its follow-up issues
    # are closed (an event run does not look them up): the status says so instead of "finished".
    pm = edits.set_postmortem(resolved(template), "2026-12-01 10:00")
    body = edits.fill_field(pm, "How many", "About 3,200 checkout attempts failed")
    body = edits.fill_field(body, "Where is", "Payment client timeout set to 0")
    body = edits.fill_field(body, "First aid", "Rolled back to the previous release")
    body = tick_all_but_no(edits.set_action_item(body, "Root problem", "Reject a zero timeout in the client #101"))
    ev = check(body)
    assert ev.phase is Phase.DONE
    context = IssueContext()
    without = render_status(StatusView("t", ev, context, Config(), BotState()))
    assert "Every box is done" in without and "follow-up issues (" not in without
    state = BotState(followups=(FollowupNote(31, "Reject a zero timeout"), FollowupNote(32)))
    with_followups = render_status(StatusView("t", ev, context, Config(), state))
    assert "The weekly check closes this issue once its follow-up issues (#31, #32) are closed." in with_followups
