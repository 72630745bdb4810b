"""The runner-facing module (outputs, summary, log commands), real webhook payloads, and the demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, TOKEN, job, parse_output_file
from helpers import VIDEO

from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.entry import gha
from incident_kit.plan.status import MARKER

ROOT = Path(__file__).resolve().parents[1]


def test_outputs_use_unguessable_heredoc_delimiters(tmp_path: Path) -> None:
    out = tmp_path / "out"
    evil = "line1\nghadelimiter_x\nerrors=999\nEOF"
    gha.set_outputs(str(out), {"phase": evil, "errors": "2"})
    text = out.read_text()
    assert parse_output_file(text) == {"phase": evil, "errors": "2"}
    delimiters = [line.split("<<", 1)[1] for line in text.splitlines() if "<<" in line]
    assert len(set(delimiters)) == 2 and all(len(d) > 30 for d in delimiters)


def test_annotations_and_untrusted_text_cannot_issue_commands(capsys: pytest.CaptureFixture[str]) -> None:
    gha.annotation("error", "a: b, c", "first\n::add-mask::secret\r\n100%")
    gha.print_untrusted("::error::spoof\n::set-output name=x::y")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "::error title=a%3A b%2C c::first%0A::add-mask::secret%0D%0A100%25"
    token = lines[1].removeprefix("::stop-commands::")
    assert len(token) == 32 and lines[-1] == f"::{token}::"
    assert lines[2:4] == ["::error::spoof", "::set-output name=x::y"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INCIDENT_KIT_DRY_RUN": "yes"}, "input 'dry-run' must be true or false"),
        ({"INCIDENT_KIT_MAX_WRITES": "-1"}, "input 'max-writes' must be a whole number"),
        ({"INCIDENT_KIT_ISSUE_NUMBER": "abc"}, "input 'issue-number' must be an issue number"),
        ({"GITHUB_REPOSITORY": ""}, "GITHUB_REPOSITORY is not set"),
    ],
)
def test_bad_inputs_are_clear_errors(
    tmp_path: Path, env: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    j = job(tmp_path, "http://127.0.0.1:9")
    assert runner.main({**j.env, **env}) == 1
    assert message in capsys.readouterr().out


def test_other_events_need_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    j = job(tmp_path, "http://127.0.0.1:9", event="push")
    assert runner.main(j.env) == 0
    assert "needs no action" in capsys.readouterr().out
    j = job(tmp_path / "d", "http://127.0.0.1:9", event="workflow_dispatch", payload={"inputs": {}})
    assert runner.main(j.env) == 1


WEBHOOKS = [
    "issues/opened.payload.json",
    "issues/edited.payload.json",
    "issues/labeled.payload.json",
    "issues/unlabeled.payload.json",
    "issues/reopened.payload.json",
    "issues/opened.with-empty-body.payload.json",
    "issues_real/codinasion-bot.issues.opened.json",
    "issues_real/codinasion-bot.issues.closed.json",
    "issue_comment/created.payload.json",
]


@pytest.mark.parametrize("name", WEBHOOKS)
def test_real_webhook_payloads_drive_a_run(shared: Path, template: str, tmp_path: Path, name: str) -> None:
    """The payload decides only which issue and who; the body is read fresh from the API."""
    path = shared / "fixtures" / "webhooks" / name
    if not path.exists():
        pytest.skip(f"{name} is not in this copy of shared/")
    payload = json.loads(path.read_text())
    repo = payload["repository"]["full_name"]
    number = payload["issue"]["number"]
    sender = payload["sender"]["login"]
    body = edits.attach_video(edits.answer(template.split("---\n", 2)[2], "50%", "y"), VIDEO)
    with FakeGitHub() as fake:
        fake.add_token(TOKEN, BOT)
        fake.add_repo(repo)
        fake.add_user(sender)
        fake.set_permission(repo, sender, "write")
        for i in range(1, number + 1):
            fake.create_issue(repo, f"issue {i}", body if i == number else "", user=sender)
        j = job(tmp_path, fake.base_url, event=name.split("/")[0].replace("issues_real", "issues"), repo=repo)
        j.env["GITHUB_EVENT_PATH"] = str(path)
        code = runner.main(j.env)
        assert code == 0
        assert j.outputs()["decision"] == "incident"
        assert "incident" in fake.label_names(repo, number)
        assert [c["body"].startswith(MARKER) for c in fake.comments(repo, number)] == [True]


def test_demo_walks_an_incident_on_the_local_backend(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "incident_kit", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    # Issue #17 added the postmortem's opening step; issue #14 a resolution taken back and re-made.
    assert res.stdout.count("re-run wrote: nothing") == 10
    steps = sorted(tmp_path.glob("step-*.md"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(steps) == 10
    # The demo shows the call (its link from the first run, then its start and end) and the meeting's roles.
    call = "| Call | [Join the Slack call](https://app.slack.com/huddle/T0DEMO/C0INCIDENTS)"
    assert call in steps[0].read_text() and "started 11/20 09:01 UTC" in steps[1].read_text()
    meeting = steps[8].read_text()
    assert "started 11/20 09:01 UTC · closed 11/20 10:25 UTC" in meeting
    assert "| Postmortem roles | Facilitator: @carol · Timekeeper: @carol (the Facilitator) · Writer: @dave" in meeting
    import icalendar

    ics = next((tmp_path / "repo" / "files" / "main" / "incidents").rglob("postmortem.ics")).read_bytes()
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert "Roles: Facilitator: @carol; Timekeeper: @carol (the Facilitator)" in str(event["DESCRIPTION"])
    from validators import icaljs

    ics_path = next((tmp_path / "repo" / "files" / "main" / "incidents").rglob("postmortem.ics"))
    [seen] = icaljs([ics_path])  # and as Thunderbird's parser reads it: the same instant and people
    assert seen["events"][0]["start"] == event.decoded("DTSTART").strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert {a["value"] for a in seen["events"][0]["attendees"]} == {str(a) for a in event["ATTENDEE"]}
    first, roles, video, resolved = (steps[i].read_text() for i in (0, 2, 3, 7))
    # Issue #14: the demo resolves, takes the resolution back (labels follow the box) and re-makes it.
    early, back = steps[5].read_text(), steps[6].read_text()
    assert "Labels: incident-improvement" in early
    assert "Labels: incident\n" in back.replace("  \n", "\n") and "- [ ] Announce resolving" in back
    assert "Labels: incident, needs-video" in first and "Incident status: reported" in first
    assert "Assignees: alice, bob" in roles
    assert "Labels: incident\n" in video.replace("  \n", "\n")
    assert "Labels: incident-improvement" in resolved and "postmortem-scheduled" in resolved
    # The weekly check runs after the story: a follow-up opened, a reminder, and the same week again: nothing.
    assert "weekly check (2026-11-30 06:17 UTC): wrote open a follow-up issue of #1" in res.stdout
    assert "the same week again wrote: nothing" in res.stdout
    assert "remind #1" in res.stdout
    reports = list((tmp_path / "repo" / "files" / "main" / "incidents").rglob("*.pdf"))
    assert len(reports) == 1 and reports[0].read_bytes().startswith(b"%PDF")
    assert list((tmp_path / "repo" / "files" / "main" / "incidents").rglob("postmortem.ics"))
    state = json.loads((tmp_path / "repo" / "repo.json").read_text())
    comments = [c for c in state["comments"] if c["author"] == "incident-kit[bot]" and MARKER in c["body"]]
    assert len(comments) == 1  # one status comment, edited in place all along
    # Running the demo again starts from a clean sandbox and ends the same way.
    again = subprocess.run(
        [sys.executable, "-m", "incident_kit", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert again.stdout == res.stdout
