"""Real bodies written by others parse and evaluate cleanly, and read their task boxes right.

Covers every issue and comment body under ../shared/fixtures: the octokit
webhook payloads (issues, issue_comment), the recorded real payloads in
webhooks/issues_real (CRLF bodies from the web UI), the OpenAPI example
responses, PyGithub's recorded API traffic, the stefanbuck issue-form bodies,
the github-docs issue templates, and the examples of the GFM task-list spec and
of cmark-gfm's own task-list tests. For each one, ``parse_incident`` +
``evaluate`` (with the labels, state and creation time the payload carries)
return a sane evaluation. For the spec examples, the task items found match the
spec's expected HTML box by box; for issue forms, the ticked boxes match the
values an independent issue-form parser extracted (expected.json).

Everything is skipped when ../shared is absent (CI runs without it).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incident_kit.body.model import Answer, Decision, IssueContext
from incident_kit.body.parse import parse_incident
from incident_kit.rules.evaluate import RULE_IDS, Evaluation, evaluate
from incident_kit.settings.config import Config

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- collecting bodies


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _context(owner: dict[str, Any]) -> IssueContext:
    """The IssueContext the bot would build from the object that holds the body."""
    labels = owner.get("labels")
    names = (
        frozenset(label["name"] for label in labels if isinstance(label, dict) and isinstance(label.get("name"), str))
        if isinstance(labels, list)
        else frozenset()
    )
    state = owner.get("state") if owner.get("state") in ("open", "closed") else "open"
    reason = owner.get("state_reason") if isinstance(owner.get("state_reason"), str) else None
    return IssueContext(
        labels=names, state=state, state_reason=reason, created_at=_when(owner.get("created_at")), now=NOW
    )


def _bodies(node: object, path: str, owner: dict[str, Any] | None = None) -> list[tuple[str, object, IssueContext]]:
    """Every ``body`` field (string or null) in a JSON document, with the context of its owner.

    A comment's context comes from the issue of the same payload when the comment has none:
    the bot evaluates the issue's labels and state, whatever the comment says.
    """
    out: list[tuple[str, object, IssueContext]] = []
    if isinstance(node, dict):
        if "body" in node and (node["body"] is None or isinstance(node["body"], str)):
            holder = node if ("labels" in node or owner is None) else owner
            out.append((f"{path}.body", node["body"], _context(holder)))
        issue = node.get("issue") if isinstance(node.get("issue"), dict) else None
        for key, value in node.items():
            if key != "body":
                out.extend(_bodies(value, f"{path}.{key}", issue or (node if "labels" in node else owner)))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            out.extend(_bodies(value, f"{path}[{n}]", owner))
    return out


def _replay_documents(path: Path) -> list[object]:
    """The JSON request and response bodies of a PyGithub ReplayData recording (one per line)."""
    docs: list[object] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line[:1] in ("{", "["):
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a Python repr, not JSON
    return docs


def collect() -> list[tuple[str, object, IssueContext]]:
    """(id, body, context) for every issue/comment body in ../shared/fixtures."""
    if not FIXTURES.is_dir():
        return []
    plain = IssueContext(now=NOW)
    out: list[tuple[str, object, IssueContext]] = []
    for p in sorted(
        [
            *FIXTURES.glob("webhooks/issues*/*.json"),
            *FIXTURES.glob("webhooks/issue_comment/*.json"),
            *FIXTURES.glob("openapi/examples/*.json"),
        ]
    ):
        out += _bodies(json.loads(p.read_text(encoding="utf-8")), str(p.relative_to(FIXTURES)))
    for p in sorted(FIXTURES.glob("pygithub_replay/*.txt")):
        for n, doc in enumerate(_replay_documents(p)):
            out += _bodies(doc, f"{p.relative_to(FIXTURES)}#{n}")
    for p in sorted([*FIXTURES.glob("issue_forms/*/*/issue-body.md"), *FIXTURES.glob("issue_templates/*/*.md")]):
        out.append((str(p.relative_to(FIXTURES)), p.read_text(encoding="utf-8"), plain))
    # The raw bytes too, as `incident-kit check FILE` would read a file saved from a payload.
    for p in sorted(FIXTURES.glob("webhooks/issues_real/*.json")):
        body = json.loads(p.read_text(encoding="utf-8"))["issue"]["body"]
        out.append((f"{p.relative_to(FIXTURES)}:bytes", body.encode("utf-8"), plain))
    return out


BODIES = collect()


def _params(cases: list[Any], ids: list[str]) -> list[Any]:
    if not cases:
        return [pytest.param(None, id="shared-absent")]
    return [pytest.param(c, id=i) for c, i in zip(cases, ids, strict=True)]


def sane(ev: Evaluation) -> None:
    inc = ev.incident
    last = inc.body.count("\n") + 1
    assert "\r" not in inc.body
    for f in ev.findings:
        assert f.rule in RULE_IDS and (f.line is None or 1 <= f.line <= last), f
    assert all(1 <= i.line <= last and (i.task or not i.checked) for i in inc.items)
    assert all(1 <= h.line <= last for h in inc.headings)
    answers = [q.answer for q in inc.triage]
    if Answer.YES in answers:
        assert ev.decision is Decision.INCIDENT
    elif answers.count(Answer.NO) == 3:
        assert ev.decision is Decision.NOT_INCIDENT
    else:
        assert ev.decision is Decision.UNDECIDED


# --------------------------------------------------------------------------- every body


def test_fixtures_found() -> None:
    """The collection really reaches every kind of source (guards against a renamed folder)."""
    if not FIXTURES.is_dir():
        pytest.skip("../shared is not present")
    names = " ".join(name for name, _, _ in BODIES)
    for kind in (
        "webhooks/issues/",
        "webhooks/issues_real/",
        "webhooks/issue_comment/",
        "openapi/examples/",
        "pygithub_replay/",
        "issue_forms/",
        "issue_templates/",
    ):
        assert kind in names, kind
    assert any(body is None for _, body, _ in BODIES)  # opened.with-empty-body: "body": null
    assert any(isinstance(b, str) and "\r\n" in b for _, b, _ in BODIES)  # web UI bodies
    assert len(BODIES) > 50


@pytest.mark.parametrize("case", _params(BODIES, [name for name, _, _ in BODIES]))
def test_body_parses_and_evaluates(case: tuple[str, object, IssueContext] | None) -> None:
    if case is None:
        pytest.skip("../shared is not present")
    _, body, context = case
    inc = parse_incident(body, reference=context.created_at or NOW)
    ev = evaluate(inc, context, Config())
    sane(ev)
    # None of these is an incident body: the tool must say so instead of inventing one.
    assert not inc.template_like
    assert any(f.rule == "not-template" for f in ev.findings)


def test_real_crlf_bodies_read_like_lf() -> None:
    """The web UI's CRLF bodies give the same items and headings as their LF twins."""
    real = [(n, b) for n, b, _ in BODIES if "issues_real" in n and isinstance(b, str)]
    if not real:
        pytest.skip("../shared is not present")
    for _, body in real:
        a, b = parse_incident(body), parse_incident(body.replace("\r\n", "\n"))
        assert a.items == b.items and a.headings == b.headings
    tracked = parse_incident(next(b for n, b in real if "opened" in n))
    assert [h.text for h in tracked.headings] == ["Description", "Tracking Issues"]
    assert tracked.tasks and not any(t.checked for t in tracked.tasks)


# --------------------------------------------------------------------------- issue forms


def _forms() -> list[tuple[str, str, list[str]]]:
    out = []
    for body in sorted(FIXTURES.glob("issue_forms/*/*/issue-body.md")) if FIXTURES.is_dir() else []:
        expected = json.loads((body.parent / "expected.json").read_text(encoding="utf-8"))
        ticked = [v for value in expected.values() if isinstance(value, list) for v in value]
        out.append((body.parent.name, body.read_text(encoding="utf-8"), ticked))
    return out


FORMS = _forms()


@pytest.mark.parametrize("case", _params(FORMS, [name for name, _, _ in FORMS]))
def test_issue_form_checkboxes(case: tuple[str, str, list[str]] | None) -> None:
    """Ticked boxes are the values stefanbuck/github-issue-parser extracted (forms write [X])."""
    if case is None:
        pytest.skip("../shared is not present")
    _, body, ticked = case
    inc = parse_incident(body)
    assert sorted(t.text for t in inc.tasks if t.checked) == sorted(ticked)
    # "- [] Never give up" is not a checkbox (GFM needs a space or x between the brackets).
    assert all(not i.text.startswith("[") for i in inc.tasks)


# --------------------------------------------------------------------------- GFM spec examples

_EXAMPLE = re.compile(r"^`{32} example[^\n]*\n(.*?)^\.\n(.*?)^`{32}$", re.M | re.S)
_LI = re.compile(r"<li>(<input[^>]*>)?")


def _spec_examples() -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for name in ("gfm-spec-0.29-tasklist.md", "cmark-gfm-extensions-tasklist.txt"):
        path = FIXTURES / "markdown" / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for n, m in enumerate(_EXAMPLE.finditer(text), 1):
            # The spec writes tabs as "→"; these examples have none, but keep the convention.
            out.append((f"{name}#{n}", m.group(1).replace("→", "\t"), m.group(2)))
    return out


SPEC = _spec_examples()


def _expected_boxes(html: str) -> list[tuple[bool, bool]]:
    """(task, checked) per <li> of the expected HTML, whichever attribute order it uses."""
    out = []
    for m in _LI.finditer(html):
        box = m.group(1) or ""
        task = 'type="checkbox"' in box
        out.append((task, task and 'checked=""' in box))
    return out


def test_spec_examples_found() -> None:
    if not FIXTURES.is_dir():
        pytest.skip("../shared is not present")
    assert len(SPEC) >= 5  # 2 in the GFM spec, 3 in cmark-gfm's tests


@pytest.mark.parametrize("case", _params(SPEC, [name for name, _, _ in SPEC]))
def test_spec_task_items(case: tuple[str, str, str] | None) -> None:
    if case is None:
        pytest.skip("../shared is not present")
    _, markdown, html = case
    inc = parse_incident(markdown)
    expected = _expected_boxes(html)
    assert expected, "the expected HTML has list items"
    assert [(i.task, i.checked) for i in inc.items] == expected
    # The nesting the spec shows ("task lists can be arbitrarily nested") is read as depth.
    assert [i.depth for i in inc.items] == _depths(html)
    sane(evaluate(inc, IssueContext(now=NOW), Config()))


def _depths(html: str) -> list[int]:
    depths, level = [], 0
    for tag in re.findall(r"</?(?:ul|ol)>|<li>", html):
        if tag in ("<ul>", "<ol>"):
            level += 1
        elif tag in ("</ul>", "</ol>"):
            level -= 1
        else:
            depths.append(level - 1)
    return depths
