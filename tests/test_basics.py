"""The shared facts in ``basics/``: machine times, markers, limits, attachment URLs, role order.

Each fact has one home. Besides testing the module itself, every section ends with a
test that reads the source of the package and fails when a second copy of the fact
reappears outside its home (a literal marker, ``65536``, a hand-written ISO parse...),
so the next change adds an import instead of a copy.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from incident_kit.basics import attachment_urls, limits, markers, roles, times
from incident_kit.plan.followup import marker, read_marker
from incident_kit.plan.invite import next_sequence

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "incident_kit"
JST = timezone(timedelta(hours=9))


def _sources() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(PACKAGE)): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))
    }


SOURCES = _sources()


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes of a module and of its classes and functions."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _constants(home: str) -> list[tuple[str, int, object]]:
    """(file, line, value) of every constant in the package's code outside ``home`` (docstrings aside)."""
    found = []
    for name, tree in SOURCES.items():
        if name == home:
            continue
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and id(node) not in skip:
                found.append((name, node.lineno, node.value))
    return found


def test_the_copy_finder_sees_code_and_skips_docstrings() -> None:
    # The guards below are only as good as this scan: it must see the package's strings and numbers.
    everything = _constants("none")
    values = {v for _, _, v in everything}
    assert 65_536 in values  # basics/limits.py is not excluded here, so its number is seen
    assert any(isinstance(v, str) and "%m/%d %H:%M" in v for v in values)  # f-string parts are seen
    docstring_only = "What a follow-up's marker says"  # the FollowupRef docstring
    assert not any(isinstance(v, str) and docstring_only in v for v in values)
    assert 65_536 not in {v for _, _, v in _constants("basics/limits.py")}  # and its home is left out


# --------------------------------------------------------------------------- times


def test_parse_iso_reads_z_offsets_and_naive_as_aware_utc() -> None:
    nine = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert times.parse_iso("2026-11-20T09:00:00Z") == nine
    assert times.parse_iso("2026-11-20T18:00:00+09:00") == nine
    assert times.parse_iso("2026-11-20T01:00:00-08:00") == nine
    assert times.parse_iso(" 2026-11-20T09:00:00 ") == nine  # no zone: GitHub's and PyGithub's naive times are UTC
    assert times.parse_iso("2026-11-20T09:00:00.123456Z") == nine.replace(microsecond=123456)
    for text in ("2026-11-20T18:00:00+09:00", "2026-11-20T09:00:00", "2026-11-20T09:00:00Z"):
        moment = times.parse_iso(text)
        assert moment is not None and moment.tzinfo is UTC  # UTC itself, not just some offset


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", 0, 1.5, [], {}, "yesterday", "2026-13-01T00:00:00Z", "2026-11-20 25:00", "11/20 09:00", "Z"],
)
def test_parse_iso_gives_none_for_anything_else(value: object) -> None:
    assert times.parse_iso(value) is None


def test_parse_iso_out_of_range_offsets_are_none_not_a_crash() -> None:
    # Converting these to UTC leaves datetime's range: OverflowError inside, None outside.
    assert times.parse_iso("0001-01-01T00:00:00+01:00") is None
    assert times.parse_iso("9999-12-31T23:59:59-01:00") is None


def test_require_iso_says_what_was_wrong_and_what_to_write() -> None:
    assert times.require_iso("2026-11-20T18:00:00+09:00", "--now") == datetime(2026, 11, 20, 9, tzinfo=UTC)
    with pytest.raises(ValueError) as caught:
        times.require_iso("next tuesday", "--created-at")
    message = str(caught.value)
    assert "--created-at" in message and "'next tuesday'" in message and times.EXAMPLE in message


def test_format_iso_converts_to_utc_before_writing_z() -> None:
    assert times.format_iso(datetime(2026, 11, 20, 18, 0, tzinfo=JST)) == "2026-11-20T09:00:00Z"
    assert times.format_iso(datetime(2026, 11, 20, 9, 0)) == "2026-11-20T09:00:00Z"  # naive means UTC
    assert times.format_iso(datetime(2026, 11, 20, 9, 0, 5, 999_999, tzinfo=UTC)) == "2026-11-20T09:00:05Z"
    assert times.format_iso(datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0005-01-02T03:04:05Z"  # four-digit year
    assert times.format_iso_basic(datetime(2026, 11, 20, 18, 0, tzinfo=JST)) == "20261120T090000Z"


def test_format_utc_is_what_people_read() -> None:
    assert times.format_utc(datetime(2026, 12, 1, 19, 0, tzinfo=JST)) == "2026-12-01 10:00 UTC"
    assert times.format_utc(datetime(2026, 12, 1, 10, 0, 59)) == "2026-12-01 10:00 UTC"


def test_to_utc() -> None:
    assert times.to_utc(None) is None
    assert times.to_utc(datetime(2026, 1, 1, 9, tzinfo=JST)) == datetime(2026, 1, 1, tzinfo=UTC)
    assert times.to_utc(datetime(2026, 1, 1)).tzinfo is UTC


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.one_of(
            st.none(), st.just(UTC), st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
        ),
    )
)
@example(datetime(2026, 11, 20, 18, 0, tzinfo=JST))
@example(datetime(2026, 11, 20, 9, 0))
def test_format_then_parse_round_trips_to_the_same_instant(moment: datetime) -> None:
    text = times.format_iso(moment)
    assert text.endswith("Z") and len(text) == len("2026-11-20T09:00:00Z")
    back = times.parse_iso(text)
    assert back == times.to_utc(moment).replace(microsecond=0)
    assert back is not None and times.format_iso(back) == text


def test_stored_invite_stamp_is_utc_even_when_now_is_not() -> None:
    # Before basics.times, state writers put a "Z" after a local time: 18:00 JST was stored as 18:00Z.
    _, stamp, entry = next_sequence(None, "fp", datetime(2026, 11, 20, 18, 0, tzinfo=JST))
    assert entry.stamp == "2026-11-20T09:00:00Z"
    seq, again, _ = next_sequence(entry, "fp", datetime(2030, 1, 1, tzinfo=UTC))
    assert (seq, again) == (0, stamp)  # read back as the same instant


def test_machine_times_are_parsed_and_formatted_only_in_basics_times() -> None:
    copies = []
    for name, tree in SOURCES.items():
        if name == "basics/times.py":
            continue
        for node in ast.walk(tree):
            # datetime.fromisoformat(...) and the hand-made "Z" <-> "+00:00" swaps around it
            if isinstance(node, ast.Attribute) and node.attr == "fromisoformat":
                copies.append((name, node.lineno, "fromisoformat"))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace":
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if args in (["Z", "+00:00"], ["+00:00", "Z"]):
                    copies.append((name, node.lineno, f"replace{tuple(args)}"))
    copies += [(n, line, v) for n, line, v in _constants("basics/times.py") if isinstance(v, str) and "%SZ" in v]
    assert not copies, f"ISO times handled outside basics/times.py (use parse_iso/format_iso): {copies}"


# --------------------------------------------------------------------------- markers


def test_markers_keep_their_wire_form() -> None:
    # Real issues carry these already: a changed spelling would orphan every existing status comment.
    assert markers.STATUS == "<!-- incident-kit:status -->"
    assert markers.DIGEST == "<!-- incident-kit:digest -->"
    assert markers.reminder('{"week": "2026-W49"}') == '<!-- incident-kit:weekly {"week": "2026-W49"} -->'
    assert markers.followup('{"incident": 3}') == '<!-- incident-kit:followup {"incident": 3} -->'
    assert markers.state("{}") == "<!-- incident-kit:state {} -->"
    for text in (markers.STATUS, markers.DIGEST, markers.reminder("{}"), markers.followup("{}"), markers.state("{}")):
        assert text.startswith(markers.PREFIX) and text.endswith(markers.END)


def test_marker_payloads_read_back() -> None:
    assert read_marker("x\n" + marker(12, "abc") + "\ny") is not None
    ref = read_marker(marker(12, "abc"))
    assert ref is not None and (ref.incident, ref.key) == (12, "abc")
    state = {"notify": {"slack": {"declared": {"t": "2026-11-20T09:00:00Z"}}}, "text": "a > b"}
    body = markers.STATUS + "\nhello\n" + markers.state(json.dumps(state, indent=1))  # a block may span lines
    found = markers.STATE_PAYLOAD.search(body)
    assert found is not None and json.loads(found.group(1)) == state


@pytest.mark.parametrize("name", ["status", "state", "weekly", "digest", "followup"])
def test_markers_are_written_only_in_basics_markers(name: str) -> None:
    needle = f"incident-kit:{name}"
    copies = [(n, line) for n, line, v in _constants("basics/markers.py") if isinstance(v, str) and needle in v]
    templates = PACKAGE / "render" / "templates"
    copies += [(p.name, 0) for p in sorted(templates.iterdir()) if needle in p.read_text(encoding="utf-8")]
    assert not copies, f"{needle!r} written outside basics/markers.py: {copies}"


# --------------------------------------------------------------------------- limits


def test_the_sandbox_refuses_what_github_refuses(tmp_path: Path) -> None:
    from incident_kit.github.port import PortError
    from incident_kit.github.sandbox import LocalRepository

    repo = LocalRepository(tmp_path / "repo", clock=lambda: datetime(2026, 11, 20, tzinfo=UTC))
    number = repo.open_issue("t", "body", "alice")
    fits = repo.create_comment(number, "x" * limits.BODY_MAX)
    with pytest.raises(PortError, match="Body is too long"):
        repo.create_comment(number, "x" * (limits.BODY_MAX + 1))
    with pytest.raises(PortError, match="Body is too long"):
        repo.edit_comment(fits.id, "x" * (limits.BODY_MAX + 1))
    with pytest.raises(PortError, match="Body is too long"):
        repo.create_issue("t", "x" * (limits.BODY_MAX + 1), [], [])
    assert repo.list_comments(number)[0].body == "x" * limits.BODY_MAX  # the refused edit changed nothing


def test_github_limits_are_written_only_in_basics_limits() -> None:
    copies = [
        (n, line, v)
        for n, line, v in _constants("basics/limits.py")
        if v in (limits.BODY_MAX, str(limits.BODY_MAX)) or (isinstance(v, str) and "Body is too long" in v)
    ]
    assert not copies, f"GitHub's body limit copied outside basics/limits.py: {copies}"
    per_page = [(n, line) for n, line, v in _constants("basics/limits.py") if v == "per_page"]
    assert per_page, "the scan should see the REST backend's per_page parameter"
    github = [(n, line, v) for n, line, v in _constants("basics/limits.py") if n.startswith("github/") and v == 100]
    assert not github, f"GitHub's page size copied outside basics/limits.py: {github}"


# --------------------------------------------------------------------------- attachment URLs


@pytest.mark.parametrize(
    ("url", "image", "video"),
    [
        ("https://github.com/user-attachments/assets/71fb75fd-a0a7-48bc-8030-21ba3b5f2dec", True, True),
        ("https://github.com/o/r/assets/1/71fb75fd-a0a7-48bc-8030-21ba3b5f2dec", True, True),
        ("https://user-images.githubusercontent.com/1/2.png", True, False),
        ("https://user-images.githubusercontent.com/1/2.MOV", False, True),
        ("https://camo.githubusercontent.com/abc/68747470", True, False),
        ("http://user-images.githubusercontent.com/1/2.png", False, False),  # images over https only
        ("https://github.com.evil.example/user-attachments/assets/71fb75fd-a0a7-48bc-8030-21ba3b5f2dec", False, False),
        ("https://evilgithubusercontent.com/1.png", False, False),
        ("https://user@user-images.githubusercontent.com/1/2.png", False, False),
        ("https://user-images.githubusercontent.com:8443/1/2.png", False, False),
        ("https://github.com:abc/user-attachments/assets/x", False, False),  # a port urllib cannot read
        ("http://[x/1.png", False, False),
    ],
)
def test_attachment_urls(url: str, image: bool, video: bool) -> None:
    assert attachment_urls.is_attachment_image(url) is image
    assert attachment_urls.is_attachment_video(url) is video


def test_host_matching_takes_subdomains_not_lookalikes() -> None:
    assert attachment_urls.host_in("github.com", attachment_urls.GITHUB_HOSTS)
    assert attachment_urls.host_in("user-images.githubusercontent.com", attachment_urls.GITHUB_HOSTS)
    assert not attachment_urls.host_in("evilgithub.com", attachment_urls.GITHUB_HOSTS)
    assert attachment_urls.on_hosts("https://www.loom.com/share/1", ("loom.com",))
    assert not attachment_urls.on_hosts("http://www.loom.com/share/1", ("loom.com",))  # https unless told
    assert attachment_urls.on_hosts("http://127.0.0.1:9/x", ("127.0.0.1",), ("http",))
    assert not attachment_urls.on_hosts("https://h:abc/", ("h",))
    assert attachment_urls.host_of("HTTPS://GitHub.COM/x") == "github.com" and attachment_urls.host_of("::") == ""


def test_attachment_url_rules_are_written_only_in_basics_attachment_urls() -> None:
    rules = ("githubusercontent", "[0-9a-fA-F]{8}", "user-attachments", "/assets/")  # example URLs aside
    copies = [
        (n, line, v)
        for n, line, v in _constants("basics/attachment_urls.py")
        if isinstance(v, str) and any(r in v for r in rules) and not v.startswith("https://")
    ]
    assert not copies, f"GitHub attachment URL rules copied outside basics/attachment_urls.py: {copies}"


# --------------------------------------------------------------------------- role order


def test_role_order_and_names() -> None:
    from incident_kit.body.roles import ROLES

    assert roles.ROLE_ORDER == ("investigator", "communicator", "recorder")  # the template's order
    assert [(key, label) for key, label, _ in ROLES] == [(k, roles.ROLE_NAMES[k]) for k in roles.ROLE_ORDER]
    patterns = {key: pattern for key, _, pattern in ROLES}
    assert patterns["investigator"].match("Investigators: @a @b") and not patterns["recorder"].match("Recorded: x")


def test_role_order_is_written_only_in_basics_roles() -> None:
    copies = []
    for name, tree in SOURCES.items():
        if name == "basics/roles.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
                items = node.keys if isinstance(node, ast.Dict) else node.elts
                keys = {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}
                if set(roles.ROLE_ORDER) <= keys:
                    copies.append((name, node.lineno))
    assert not copies, f"the role order copied outside basics/roles.py: {copies}"
