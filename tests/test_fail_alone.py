"""Every part can fail alone, and rendering is bounded (issue #13, items 3 and 4).

Through the action entry point against the fake GitHub API: a refused invite or report commit
(a branch rule's 409, a 403 for a token without ``contents: write``, a 422) is a finding and an
artifact while labels, assignees and the status comment still happen; the report is rendered
after them, from input bounded by :mod:`incident_kit.render.limits`, within a time limit.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, issue_payload, job, team_repo
from helpers import VIDEO

from incident_kit.apply import render_job
from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.plan.status import MARKER
from incident_kit.render import limits
from incident_kit.render.pdf import ReportComment, ReportInput, render_pdf


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with team_repo() as gh:
        yield gh


def incident(template: str, *, postmortem: bool = True, pdf: bool = False) -> str:
    body = template.split("---\n", 2)[2]
    body = edits.answer(body, "50%", "y")
    body = edits.set_role(body, "Investigator", "alice")
    body = edits.set_role(body, "Communicator", "carol")
    body = edits.set_role(body, "Recorder", "dave")
    body = edits.attach_video(body, VIDEO)
    if postmortem:
        body = edits.set_postmortem(body, "2026-12-01 10:00")
    return edits.tick(body, "Output pdf of this issue") if pdf else body


def run(fake: FakeGitHub, tmp: Path, n: int) -> tuple[int, dict[str, str], str]:
    j = job(tmp, fake.base_url, payload=issue_payload(n, "alice"))
    j.env["RUNNER_TEMP"] = str(tmp / "runner-temp")
    code = runner.main(j.env)
    return code, j.outputs(), j.summary.read_text()


def status(fake: FakeGitHub, n: int) -> str:
    [c] = [c for c in fake.comments(REPO, n) if MARKER in str(c["body"]) and c["user"]["login"] == BOT]
    return str(c["body"])


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(
    ("status_code", "message"),
    [
        (409, "Repository rule violations found"),
        (403, "Resource not accessible by integration"),
        (422, "Invalid request. sha wasn't supplied."),
    ],
)
def test_a_refused_invite_commit_is_a_finding_and_an_artifact(
    fake: FakeGitHub, template: str, tmp_path: Path, status_code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    n = fake.create_issue(REPO, "Checkout down", incident(template), user="alice")["number"]
    fake.fault("PUT", r"/contents/.*\.ics$", status=status_code, body={"message": message}, times=None)
    code, out, _ = run(fake, tmp_path, n)
    assert code == 1  # red, with an annotation that says what failed
    assert "Invite not committed" in capsys.readouterr().out
    # The rest of the run happened.
    assert "incident" in fake.label_names(REPO, n)
    assert [a["login"] for a in fake.issue(REPO, n)["assignees"]] == ["alice"]
    text = status(fake, n)
    assert "The postmortem invite could not be committed" in text and "attached to the workflow run" in text
    artifact = Path(out["report-artifact"])
    assert artifact.is_file() and artifact.read_bytes().startswith(b"BEGIN:VCALENDAR")
    # Once the branch allows it, the next run commits the invite; nothing is duplicated.
    fake.clear_faults()
    code, out, _ = run(fake, tmp_path / "2", n)
    assert code == 0 and fake.file(REPO, out["ics-path"]) is not None
    assert len([c for c in fake.comments(REPO, n) if c["user"]["login"] == BOT]) == 1


def test_a_403_on_the_report_keeps_the_rest_and_the_pdf(fake: FakeGitHub, template: str, tmp_path: Path) -> None:
    n = fake.create_issue(REPO, "x", incident(template, postmortem=False, pdf=True), user="alice")["number"]
    fake.fault("PUT", r"\.pdf$", status=403, body={"message": "Resource not accessible by integration"}, times=None)
    code, out, _ = run(fake, tmp_path, n)
    assert code == 1
    assert "incident" in fake.label_names(REPO, n)
    assert "The PDF report could not be committed" in status(fake, n)
    assert Path(out["report-artifact"]).read_bytes().startswith(b"%PDF")


def test_labels_and_status_are_applied_before_the_report_is_rendered(
    fake: FakeGitHub, template: str, tmp_path: Path
) -> None:
    n = fake.create_issue(REPO, "x", incident(template, postmortem=False, pdf=True), user="alice")["number"]
    run(fake, tmp_path, n)
    writes = [(r.method, r.path) for r in fake.writes()]
    first_pdf = next(i for i, (m, p) in enumerate(writes) if m == "PUT" and p.endswith(".pdf"))
    labels = next(i for i, (m, p) in enumerate(writes) if m == "POST" and p.endswith(f"/issues/{n}/labels"))
    comment = next(i for i, (m, p) in enumerate(writes) if m == "POST" and p.endswith(f"/issues/{n}/comments"))
    assert labels < first_pdf and comment < first_pdf
    assert "Incident report (PDF)" in status(fake, n)  # the final status links the committed report
    fake.reset_log()
    run(fake, tmp_path / "2", n)
    assert fake.writes() == []


def test_a_report_past_the_time_limit_fails_alone(
    fake: FakeGitHub, template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(render_job, "RENDER_SECONDS", 0.05)
    n = fake.create_issue(REPO, "x", incident(template, postmortem=False, pdf=True), user="alice")["number"]
    code, _, _ = run(fake, tmp_path, n)
    assert code == 1 and "Report not rendered" in capsys.readouterr().out
    assert "incident" in fake.label_names(REPO, n)
    assert "could not be rendered" in status(fake, n)
    assert fake.count("PUT", r"\.pdf$") == 0
    monkeypatch.setattr(render_job, "RENDER_SECONDS", 90.0)
    code, out, _ = run(fake, tmp_path / "2", n)
    assert code == 0 and (fake.file(REPO, out["pdf-path"]) or b"").startswith(b"%PDF")


def report(body: str, comments: tuple[str, ...] = ()) -> ReportInput:
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    return ReportInput(
        repository=REPO,
        number=1,
        title="Checkout down",
        url="https://github.com/octo/app/issues/1",
        state="closed",
        labels=("incident",),
        decision="incident",
        phase="resolved",
        roles={"investigator": ("alice",)},
        created_at=at,
        resolved_at=at,
        generated_at=at,
        body=body,
        comments=tuple(ReportComment("mallory", at, c) for c in comments),
    )


def test_a_65000_character_url_makes_a_small_pdf() -> None:
    url = "https://example.com/" + "a" * 65_000
    rendered = render_job.render_bounded(report(f"See [the log]({url}) and {url}", (url, url)))
    assert rendered.pdf is not None and len(rendered.pdf) < 500_000, len(rendered.pdf or b"")
    assert any("links longer than" in c for c in rendered.cuts)
    assert "characters cut by incident-kit" in " ".join(pdf_text(rendered.pdf).split())


def test_a_12000_row_table_is_cut_with_a_note() -> None:
    table = "| a | b |\n|---|---|\n" + "".join(f"| {i} | x |\n" for i in range(12_000))
    prepared, cuts = limits.prepare(report("intro\n\n" + table[:65_000], (table,)))
    rows = sum(
        1 for line in (prepared.body + "".join(c.body for c in prepared.comments)).split("\n") if "| x |" in line
    )
    assert rows == limits.MAX_TABLE_ROWS
    assert cuts and "table rows" in cuts[0]
    assert "table rows cut by incident-kit" in prepared.body


def test_nine_hundred_image_placements_are_cut() -> None:
    image = "![shot](https://github.com/user-attachments/assets/0f3e5c1a-1b2c-4d5e-8f90-123456789abc)\n"
    prepared, cuts = limits.prepare(report(image * 900))
    assert prepared.body.count("![shot]") == limits.MAX_IMAGES
    assert any("image placements" in c for c in cuts)


def test_the_shortened_report_says_what_was_cut() -> None:
    text = pdf_text(render_pdf(limits.shortened(report("# Body\n" + "x " * 30_000, ("c1", "c2")), "Too slow.")))
    assert "This is a shortened report." in text and "2 comment(s)" in text
    assert "first 20,000 characters" in text
