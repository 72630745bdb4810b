"""Parse + evaluate never crash on any input and always return a sane model.

Property-based (hypothesis) proof that :func:`parse_incident` followed by
:func:`evaluate` accepts anything an issue body, a webhook or a terminal can
hand it: arbitrary text (lone surrogates included), markdown assembled from the
template's own fragments with every line ending, the template with its sections
shuffled and deleted, ``None``, bytes, an int, a 65,536-character body (GitHub's
maximum), binary junk and NUL bytes. "Sane" means the invariants the status
comment, the weekly check and the CLI rely on:

- every line number (findings, list items, headings, sections, triage, roles,
  timeline, links, action items, postmortem) lies within the normalised body;
- the body the line numbers refer to has no CR, no NUL and no lone surrogate;
- findings carry a known rule id and severity and are ordered by line;
- the decision follows the triage answers: any yes is an incident, three no
  are not, anything else is undecided; the phase agrees with the decision.

It also runs ``python -m incident_kit check -`` as a process on random bytes:
the exit code is 0 or 1 and no traceback is ever printed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incident_kit.body.model import Answer, Decision, IssueContext, Phase, Severity
from incident_kit.body.parse import parse_incident
from incident_kit.body.sections import REQUIRED, section_key
from incident_kit.rules.evaluate import RULE_IDS, Evaluation, evaluate
from incident_kit.settings.config import Config, Labels, VideoSettings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = (ROOT / "ISSUE_TEMPLATE" / "incident.md").read_text(encoding="utf-8")
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
GITHUB_BODY_LIMIT = 65_536  # characters GitHub accepts in an issue body
VIDEO = "https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe"

# The template as GitHub turns it into an issue body: the YAML front matter is not part of it.
BODY = TEMPLATE.split("\n---\n", 1)[1].lstrip("\n") if TEMPLATE.startswith("---\n") else TEMPLATE
HEADING_TEXTS = tuple(m.group(1) for m in re.finditer(r"^#{1,6}\s+(.+)$", BODY, re.M))
ITEM_TEXTS = tuple(m.group(1) for m in re.finditer(r"^\s*(?:[-*+]|\d+\.)\s+(?:\[[ xX]\]\s+)?(.+)$", BODY, re.M))
TRIAGE_LINES = tuple(line for line in BODY.split("\n") if "TODO(y/n)" in line)
LABELS = Labels()


# --------------------------------------------------------------------------- helpers


def run(
    body: object,
    *,
    reference: datetime = CREATED,
    context: IssueContext | None = None,
    config: Config | None = None,
) -> Evaluation:
    cfg = config or Config()
    inc = parse_incident(body, reference=reference, video_hosts=cfg.video.hosts)
    ctx = context or IssueContext(created_at=reference, now=reference)
    return evaluate(inc, ctx, cfg)


def expected_decision(answers: list[Answer]) -> Decision:
    """The template's rule, restated independently of model.py."""
    if Answer.YES in answers:
        return Decision.INCIDENT
    if len(answers) == 3 and all(a is Answer.NO for a in answers):
        return Decision.NOT_INCIDENT
    return Decision.UNDECIDED


def assert_sane(ev: Evaluation, context: IssueContext | None = None) -> None:
    """Every invariant the consumers of an Evaluation rely on."""
    inc = ev.incident
    body = inc.body
    assert isinstance(body, str)
    # Line numbers refer to this text, so it must be LF-only and encodable (it is posted back).
    assert "\r" not in body and "\x00" not in body
    body.encode("utf-8")
    last = body.count("\n") + 1

    def in_range(line: int | None, *, optional: bool = True) -> bool:
        if line is None:
            return optional
        return isinstance(line, int) and 1 <= line <= last

    for f in ev.findings:
        assert f.rule in RULE_IDS, f
        assert isinstance(f.severity, Severity)
        assert f.message
        assert in_range(f.line), (f, last)
    assert [f.line or 0 for f in ev.findings] == sorted(f.line or 0 for f in ev.findings)
    assert ev.errors == sum(f.severity is Severity.ERROR for f in ev.findings)

    for h in inc.headings:
        assert 1 <= h.level <= 6 and in_range(h.line, optional=False), h
    for s in inc.sections:
        assert in_range(s.line, optional=False) and s.line <= s.end_line <= last, s
    for item in inc.items:
        assert in_range(item.line, optional=False), (item, last)
        assert item.depth >= 0
        assert item.task or not item.checked  # only a task can be ticked
    for task in inc.tasks:
        assert task.task and in_range(task.line, optional=False)
    assert [q.key for q in inc.triage] == ["users-affected", "data-corrupting", "under-attack"]
    for q in inc.triage:
        assert in_range(q.line)
        assert not q.conflict or (q.checked and q.answer is Answer.NO)
    assert [r.key for r in inc.roles] == ["investigator", "communicator", "recorder"]
    assert all(in_range(r.line) for r in inc.roles)
    assert [f.key for f in inc.record] == ["where-is-bug", "first-aid", "people-affected"]
    assert all(in_range(f.line) for f in inc.record)
    assert all(in_range(e.line, optional=False) for e in inc.timeline)
    assert all(e.when is None or e.when.tzinfo is not None for e in inc.timeline)
    assert all(in_range(link.line, optional=False) for link in inc.links)
    assert set(inc.videos) <= set(inc.links)
    assert all(in_range(a.line, optional=False) for a in inc.action_items)
    assert in_range(inc.postmortem.line)
    assert 0 <= inc.postmortem.duration_minutes <= 24 * 60
    assert set(inc.missing_sections) <= set(REQUIRED)

    # The decision follows the answers, whatever the body looked like.
    assert ev.decision is inc.decision is expected_decision([q.answer for q in inc.triage])
    assert isinstance(ev.phase, Phase)
    labels = context.labels if context else frozenset()
    if ev.decision is Decision.NOT_INCIDENT and LABELS.improvement not in labels:
        assert ev.phase is Phase.NOT_INCIDENT
    if ev.decision is Decision.UNDECIDED and ev.phase is not Phase.NOT_INCIDENT:
        # Undecided and not resolved is "reported"; resolved-while-undecided moves on.
        assert ev.phase in (Phase.REPORTED, Phase.RESOLVED, Phase.POSTMORTEM_SCHEDULED, Phase.IMPROVING, Phase.DONE)
    if any(f.rule == "triage-unanswered" for f in ev.findings):
        assert ev.decision is Decision.UNDECIDED


# --------------------------------------------------------------------------- strategies

# Any code point, lone surrogates included (exclude_categories=() is the current spelling of
# blacklist_categories=(); no codec, so nothing is filtered out for being unencodable).
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()))
WORDS = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=30)

STAMP_PART = st.text(alphabet="0123456789x", min_size=1, max_size=4)


@st.composite
def stamps(draw: st.DrawFn) -> str:
    """Timeline/postmortem stamps: real, impossible (13/45 99:99), partly filled, or slots."""
    mo, d, h, mi = (draw(STAMP_PART) for _ in range(4))
    form = draw(st.sampled_from(["md", "ymd", "slot", "iso"]))
    if form == "slot":
        return "xx/xx xx:xx"
    if form == "ymd":
        return f"{draw(STAMP_PART)}-{mo}-{d} {h}:{mi}"
    if form == "iso":
        return f"{draw(STAMP_PART)}-{mo}-{d}T{h}:{mi}:00Z"
    return f"{mo}/{d} {h}:{mi}"


INDENT = st.sampled_from(["", "", "  ", "    ", "        ", "\t", "   "])
MARKER = st.sampled_from(["-", "-", "*", "+", "1.", "2)", "10."])
BOX = st.sampled_from(["", "[ ] ", "[x] ", "[X] ", "[] ", "[xx] ", "[ ]", "[x]"])
ANSWER = st.sampled_from(
    ["TODO(y/n)", "y", "n", "yes", "No", "Y", "はい", "いいえ", "", "maybe", "n (not yet)", "TODO"]
)
HANDLES = st.lists(st.sampled_from(["@alice", "@bob", "@c-d", "a@b.com", "@", "@-x"]), max_size=3)
HTML = st.sampled_from(
    [
        "<details><summary>Logs</summary>\n\n- [ ] hidden task\n</details>",
        "<!-- a comment\n- [x] not an item\n-->",
        f'<img width="300" alt="x" src="{VIDEO}">',
        f'<video src="{VIDEO}"></video>',
        "<br>",
        "<div>\n# not a heading\n</div>",
        "<table><tr><td>- [ ] x</td></tr></table>",
    ]
)
TABLE = st.sampled_from(
    [
        "| a | b |\n|---|---|\n| - [ ] x | 1 |",
        "| when | what |\n| :-- | --: |\n| 11/27 09:30 | start |",
        "|a|\n---",
    ]
)
LINK = st.sampled_from(
    [
        VIDEO,
        f"![video]({VIDEO})",
        "https://www.loom.com/share/abc",
        "https://example.com/rec.mp4",
        "https://github.com/o/r/assets/1/5c525197-0d54-4163-bfe6-54fc656dd1fe",
        "https://user-images.githubusercontent.com/1/x.png",
        # Bracketed (IPv6) hosts, well-formed or not: they used to crash the parser.
        "http://[2001:db8::1]:8080/grafana",
        "https://[oops/x",
    ]
)


@st.composite
def list_items(draw: st.DrawFn) -> str:
    text = draw(st.one_of(st.sampled_from(ITEM_TEXTS), WORDS))
    return f"{draw(INDENT)}{draw(MARKER)} {draw(BOX)}{text}"


@st.composite
def triage_lines(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(TRIAGE_LINES))
    line = line.replace("TODO(y/n)", draw(ANSWER))
    return line.replace("[ ]", draw(st.sampled_from(["[ ]", "[x]", "[X]"])), 1)


@st.composite
def fences(draw: st.DrawFn) -> str:
    fence = draw(st.sampled_from(["```", "~~~", "````"]))
    lang = draw(st.sampled_from(["", "sh", "markdown"]))
    inner = draw(st.lists(st.one_of(list_items(), WORDS, st.just("## Problem")), max_size=4))
    close = draw(st.sampled_from([fence, ""]))  # sometimes left open to the end of the body
    return "\n".join([fence + lang, *inner, close])


FRAGMENT = st.one_of(
    st.builds(
        lambda n, t, end: "#" * n + " " + t + end,
        st.integers(1, 6),
        st.sampled_from(HEADING_TEXTS),
        st.sampled_from(["", " #", " ##"]),
    ),
    st.builds(lambda t, u: f"{t}\n{u}", st.sampled_from(HEADING_TEXTS), st.sampled_from(["===", "---"])),
    list_items(),
    triage_lines(),
    st.builds(
        lambda role, h: f"    - [ ] {role}: {' '.join(h)}",
        st.sampled_from(
            ["Investigator(should be Engineer, 1 or more person)", "Communicator(1 person)", "Recorder(1 person)"]
        ),
        HANDLES,
    ),
    st.builds(lambda s, t: f"- {s}: {t}", stamps(), WORDS),
    st.builds(
        lambda s, d: f"{s} - {d}",
        stamps(),
        st.sampled_from(["2 hours", "90 min", "1.5 h", "12:00", "0.5 min", "99:99", "x"]),
    ),
    fences(),
    HTML,
    TABLE,
    LINK,
    st.sampled_from(["", "", "   ", "---", "***", "> quoted", "    indented code", "\\"]),
    WORDS,
)
EOL = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def markdown_bodies(draw: st.DrawFn, max_size: int = 40) -> str:
    """Markdown from template fragments; LF, CRLF, CR, or a different ending at each join."""
    parts = draw(st.lists(FRAGMENT, max_size=max_size))
    style = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    if style != "mixed":
        return style.join(parts).replace("\n", style) if style != "\n" else "\n".join(parts)
    return "".join(p + draw(EOL) for p in parts)


def _template_chunks() -> list[str]:
    """The template body cut before each heading: each chunk is one heading and its lines."""
    chunks: list[list[str]] = [[]]
    for line in BODY.split("\n"):
        if line.startswith("#") and chunks[-1]:
            chunks.append([])
        chunks[-1].append(line)
    return ["\n".join(c) for c in chunks]


CHUNKS = _template_chunks()


@st.composite
def shuffled_templates(draw: st.DrawFn) -> tuple[str, list[str]]:
    order = draw(st.permutations(CHUNKS))
    keep = draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    kept = [c for c, k in zip(order, keep, strict=True) if k]
    eol = draw(EOL)
    return eol.join(kept).replace("\n", eol) if eol != "\n" else "\n".join(kept), kept


CONTEXTS = st.builds(
    IssueContext,
    labels=st.frozensets(st.sampled_from(LABELS.all)),
    state=st.sampled_from(["open", "closed"]),
    state_reason=st.sampled_from([None, "completed", "not_planned"]),
    created_at=st.just(CREATED),
    now=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
    fulfilled=st.frozensets(st.sampled_from(["invite", "report"])),
)
CONFIGS = st.builds(Config, video=st.builds(VideoSettings, mode=st.sampled_from(["require", "warn", "off"])))
# Issue creation times: the year boundaries are where yearless dates change year.
REFERENCES = st.one_of(
    st.just(CREATED),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
)

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- properties


@FAST
@given(text=ANY_TEXT)
def test_arbitrary_text(text: str) -> None:
    assert_sane(run(text))


@FAST
@given(body=markdown_bodies(), reference=REFERENCES, context=CONTEXTS, config=CONFIGS)
def test_markdown_from_template_fragments(
    body: str, reference: datetime, context: IssueContext, config: Config
) -> None:
    ev = run(body, reference=reference, context=context, config=config)
    assert_sane(ev, context)
    # CRLF and CR are read as LF: the same body with LF endings gives the same model.
    lf = body.replace("\r\n", "\n").replace("\r", "\n")
    assert run(lf, reference=reference, context=context, config=config) == ev


@FAST
@given(case=shuffled_templates())
def test_template_with_sections_shuffled_or_deleted(case: tuple[str, list[str]]) -> None:
    body, kept = case
    ev = run(body)
    assert_sane(ev)
    # A section is reported missing exactly when its heading's chunk was deleted: order
    # does not matter because headings are recognised by their text, not their position.
    present = {section_key(c.split("\n", 1)[0].lstrip("#").strip()) for c in kept if c.startswith("#")}
    assert set(ev.incident.missing_sections) == set(REQUIRED) - present
    if not kept:
        assert ev.incident.items == () and ev.incident.headings == ()


@FAST
@given(
    answers=st.lists(st.tuples(ANSWER, st.booleans()), min_size=3, max_size=3),
    crlf=st.booleans(),
)
def test_decision_follows_triage_answers(answers: list[tuple[str, bool]], crlf: bool) -> None:
    """Fill the three TODO(y/n) slots and tick boxes; the decision follows the template's rule."""
    body = BODY
    expected: list[Answer] = []
    for line, (written, ticked) in zip(TRIAGE_LINES, answers, strict=True):
        new = line.replace("TODO(y/n)", written)
        if ticked:
            new = new.replace("[ ]", "[x]", 1)
        body = body.replace(line, new, 1)
        word = written.split(" ")[0].lower()
        if word in ("y", "yes", "はい"):
            expected.append(Answer.YES)
        elif word in ("n", "no", "いいえ"):
            expected.append(Answer.NO)
        elif written.strip() in ("", "TODO", "TODO(y/n)"):  # nothing written: a ticked box alone means yes
            expected.append(Answer.YES if ticked else Answer.UNANSWERED)
        else:  # "maybe" is not an answer, ticked or not (issue #12: it used to count as yes when ticked)
            expected.append(Answer.UNANSWERED)
    if crlf:
        body = body.replace("\n", "\r\n")
    ev = run(body)
    assert_sane(ev)
    assert [q.answer for q in ev.incident.triage] == expected
    assert ev.decision is expected_decision(expected)
    conflicts = [f for f in ev.findings if f.rule == "triage-conflict"]
    assert len(conflicts) == sum(t and a is Answer.NO for (_, t), a in zip(answers, expected, strict=True))
    unanswered = [f for f in ev.findings if f.rule == "triage-unanswered"]
    if ev.decision is Decision.UNDECIDED:
        assert len(unanswered) == expected.count(Answer.UNANSWERED) > 0
    else:
        assert unanswered == []


@FAST
@given(data=st.binary(max_size=2048))
def test_binary_junk(data: bytes) -> None:
    # Both as the CLI reads it (decoded with errors=replace) and raw bytes handed to the parser.
    assert_sane(run(data.decode("utf-8", "replace")))
    assert_sane(run(data))
    assert run(data).incident.body == run(data.decode("utf-8", "replace")).incident.body


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=markdown_bodies(max_size=60))
def test_bodies_at_the_github_limit(body: str) -> None:
    """Random fragments repeated to exactly 65,536 characters (GitHub's body limit)."""
    seed = BODY + "\n" + body
    big = (seed * (GITHUB_BODY_LIMIT // len(seed) + 1))[:GITHUB_BODY_LIMIT]
    assert len(big) == GITHUB_BODY_LIMIT
    assert_sane(run(big))


def _filled_to_limit() -> str:
    """The template with timeline entries added until the body is exactly 65,536 characters."""
    head, tail = BODY.split("- xx/xx xx:xx: ...", 1)
    entries: list[str] = []
    n = 0
    while len(head) + sum(map(len, entries)) + len(tail) < GITHUB_BODY_LIMIT:
        entries.append(
            f"- 11/{20 + n % 8:02d} {n % 24:02d}:{n % 60:02d}: checked dashboard #{n}, "
            f"@alice says error rate is {n % 97}% ({'はい' if n % 2 else 'no'})\n"
        )
        n += 1
    body = head + "".join(entries) + tail
    return body[:GITHUB_BODY_LIMIT]


SPECIAL_BODIES = {
    "none": None,
    "bytes": b"bytes",
    "bytearray": bytearray(b"## Problem\r\n- [x] a"),
    "int": 12345,
    "float-nan": float("nan"),
    "empty": "",
    "lone-surrogate": "\ud800",
    "surrogates-in-template": BODY.replace("TODO(y/n)", "\udfff\ud800y", 1),
    "nul-bytes": "\x00" * 10 + BODY.replace("\n", "\x00\n"),
    "nul-only": "\x00",
    "cr-only-template": BODY.replace("\n", "\r"),
    "crlf-template": BODY.replace("\n", "\r\n"),
    "template": TEMPLATE,  # with front matter, as `incident-kit check ISSUE_TEMPLATE/incident.md`
    "filled-to-limit": _filled_to_limit(),
    "limit-of-one-char": "-" * GITHUB_BODY_LIMIT,
    "limit-of-newlines": "\n" * GITHUB_BODY_LIMIT,
    "limit-of-crlf": "\r\n" * (GITHUB_BODY_LIMIT // 2),
    "limit-of-nesting": "".join("  " * i + "- [ ] x\n" for i in range(200)),
    "limit-of-brackets": "[" * GITHUB_BODY_LIMIT,
    # Many headings / many short sections: a quarter of the limit keeps this test fast; the
    # same shapes at the full limit are timed in test_worst_case_bodies_at_the_limit.
    "many-headings": "#\n" * (GITHUB_BODY_LIMIT // 8),
    "many-short-sections": "## a\n- [ ] b\n" * (GITHUB_BODY_LIMIT // 44),
    "deep-quote": ">" * 5000 + " - [x] deep",
    "unclosed-fence": "```\n" + BODY,
    "front-matter-only": "---\nname: x\n---",
}


@pytest.mark.parametrize("body", SPECIAL_BODIES.values(), ids=SPECIAL_BODIES.keys())
def test_special_bodies(body: object) -> None:
    ev = run(body)
    assert_sane(ev)
    if isinstance(body, str) and len(body) == GITHUB_BODY_LIMIT:
        assert len(ev.incident.body) <= GITHUB_BODY_LIMIT


def test_filled_to_limit_is_exactly_the_limit_and_still_read() -> None:
    body = _filled_to_limit()
    assert len(body) == GITHUB_BODY_LIMIT
    inc = run(body).incident
    assert inc.missing_sections == ()  # the tail of the template survived the padding
    assert len(inc.timeline) > 400 and all(e.error is None for e in inc.timeline if not e.slot)


# --------------------------------------------------------------------------- regressions

# Found by this file: video.find_links() cuts URLs at "]" (its _URL pattern excludes "]") and
# video.classify() called urllib.parse.urlsplit(), which raises ValueError("Invalid IPv6 URL")
# on the unbalanced "[". Any body naming an IPv6 host (an incident about a server!) crashed
# parse_incident wherever links are scanned: under "Video of incident", or anywhere when that
# heading is gone. video._split() now treats such a URL as having no host and no path.
BRACKETED_HOST_BODIES = {
    "ipv6-anywhere-without-video-heading": "curl http://[::1]:8080/health returned 500",
    "ipv6-under-video-heading": BODY.replace(
        "### Video of incident (MUST attach)\n",
        "### Video of incident (MUST attach)\nGrafana: http://[2001:db8::1]:3000/d/x\n",
    ),
    "placeholder-host": "## Problem\nsee https://[internal-host]/dashboard",
}


@pytest.mark.parametrize("body", BRACKETED_HOST_BODIES.values(), ids=BRACKETED_HOST_BODIES.keys())
def test_bracketed_host_urls(body: str) -> None:
    ev = run(body)
    assert_sane(ev)
    assert all(link.kind != "video" for link in ev.incident.links)  # none of them is a video


# --------------------------------------------------------------------------- worst cases at the limit

# The densest 65,536-character bodies: every line a heading, or a heading and a task. Their
# speed is measured by bench/bench_check.py (timed tests are not how this project measures);
# here they must parse completely and correctly.
WORST_CASES = {
    "empty-headings": "#\n" * (GITHUB_BODY_LIMIT // 2),
    "short-sections-with-a-task": ("## a\n- [ ] b\n" * GITHUB_BODY_LIMIT)[:GITHUB_BODY_LIMIT],
}


@pytest.mark.parametrize("body", WORST_CASES.values(), ids=WORST_CASES.keys())
def test_worst_case_bodies_at_the_limit(body: str) -> None:
    assert len(body) == GITHUB_BODY_LIMIT
    ev = run(body)
    assert_sane(ev)
    lines = body.split("\n")
    assert len(ev.incident.headings) == sum(line.startswith("#") for line in lines)
    assert len(ev.incident.tasks) == sum(line == "- [ ] b" for line in lines)


# --------------------------------------------------------------------------- the CLI process


@pytest.fixture(scope="module")
def cli_cwd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # An empty folder: no .github/incident-kit.yml of the developer's checkout is picked up.
    return tmp_path_factory.mktemp("cli")


def _cli(data: bytes, cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "incident_kit", "check", "-", *args],
        input=data,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


CLI_INPUT = st.one_of(
    st.binary(max_size=4096),
    st.builds(
        lambda b, junk: b.encode("utf-8", "surrogatepass") + junk, markdown_bodies(max_size=15), st.binary(max_size=64)
    ),
    st.builds(lambda junk, cut: BODY.encode()[:cut] + junk, st.binary(max_size=256), st.integers(0, len(BODY))),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=CLI_INPUT, fmt=st.sampled_from(["text", "json"]))
def test_cli_on_random_bytes(cli_cwd: Path, data: bytes, fmt: str) -> None:
    proc = _cli(data, cli_cwd, "--format", fmt)
    assert proc.returncode in (0, 1), proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stderr + proc.stdout
    if fmt == "json":
        out = json.loads(proc.stdout)
        assert out["decision"] in {d.value for d in Decision}
        assert proc.returncode == (1 if out["errors"] else 0)
    else:
        assert proc.stdout.rstrip().splitlines()[-1].startswith(b"decision: ")


def test_cli_on_a_bracketed_host_url(cli_cwd: Path) -> None:
    proc = _cli(BRACKETED_HOST_BODIES["ipv6-anywhere-without-video-heading"].encode(), cli_cwd)
    assert proc.returncode in (0, 1) and b"Traceback" not in proc.stderr, proc.stderr


def test_cli_on_a_non_utf8_stdout(cli_cwd: Path) -> None:
    """Regression, found by this file: findings quote the body (Japanese, emoji), and printing
    them to a stdout that is not UTF-8 (Windows consoles and pipes, PYTHONIOENCODING=ascii)
    raised UnicodeEncodeError with a traceback. cli.main() now writes with backslashreplace."""
    body = BODY.replace("xx/xx xx:xx: Trigger", "13/45 99:99: 気をつける Trigger", 1).encode()
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    for fmt in ("text", "json"):
        proc = _cli(body, cli_cwd, "--format", fmt, env=env)
        assert proc.returncode in (0, 1) and b"Traceback" not in proc.stderr, proc.stderr
        if fmt == "json":  # "\u6c17" is also a JSON escape: the document reads back intact
            messages = " ".join(f["message"] for f in json.loads(proc.stdout)["findings"])
            assert "気をつける" in messages
        else:
            assert b"\\u6c17" in proc.stdout  # 気, escaped rather than lost
