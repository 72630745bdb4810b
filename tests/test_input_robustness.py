"""Reading what a team or a runner hands incident-kit never fails with anything but the documented errors.

Property-based (hypothesis), in the style of ``test_robustness``: for arbitrary
settings text (and YAML assembled from the real setting names with hostile
values: explicit tags, anchors, Unicode digits, braces, deep nesting), arbitrary
settings bytes, arbitrary action inputs and event payloads, and arbitrary weekly
state files, loading either succeeds with sane values or raises the one error
type the caller turns into an annotation (:class:`ConfigError`, :class:`InputError`).
The state file, which nobody but the bot writes, is never an error at all: it
is read or ignored with a note.

The ``@settings`` below set only what these tests need (no deadline: a
5,000-deep document takes a moment); the number of examples and derandomisation
come from the loaded profile.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incident_kit.entry import action, gha
from incident_kit.plan.weekly import load_state
from incident_kit.settings.config import Config, ConfigError, decode_settings, parse_config

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# The setting names as the schema knows them, nested where they nest.
KEYS: dict[str, tuple[str, ...]] = {
    "labels": ("incident", "not-incident", "improvement", "needs-video"),
    "video": ("mode", "allowed-hosts"),
    "report": ("path", "branch"),
    "postmortem": ("propose", "hour", "within-days", "holidays", "organizer", "ics-path"),
    "weekly": ("close-when-done", "quiet-days", "sections", "digest-issue", "state-path", "digest-label"),
    "notify": ("slack", "email"),
    "engineers": (),
    "stakeholders": (),
    "people": (),
    "vague-phrases": (),
    "timezone": (),
    "display-timezones": (),
    "tick-boxes": (),
}
SCALARS = st.sampled_from(
    [
        "x",
        "'{slug}'",
        "incidents/{year}/{number}.pdf",
        "'{'",
        "'}{'",
        "'{year.__class__}'",
        "²",
        "①",
        "１２",
        "٣",
        "!!int ten",
        "!!float x",
        "!!timestamp 2026-13-45",
        "!!binary '%%'",
        "!!python/name:os.system ''",
        "!!str 10",
        "!!bool maybe",
        "!!null x",
        "&a 1",
        "*a",
        "*missing",
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "-1",
        "1e400",
        "0x1F",
        "0o17",
        ".inf",
        ".nan",
        "~",
        "null",
        "yes",
        "off",
        "America",
        "Etc",
        "Asia/Tokyo",
        "'Asia/../Asia/Tokyo'",
        "'a\\0b'",
        "@octocat",
        "ops@example.com",
        "'<!here>'",
        "https://app.slack.com/huddle/T1/C2",
        "/etc/passwd",
        "../x",
        ".github/workflows/x.yml",
        "'" + "9" * 5000 + "'",
        "[" * 300 + "]" * 300,
        "{a: " * 50 + "1" + "}" * 50,
        "障害",
        "\u202e",
    ]
)


@st.composite
def settings_yaml(draw: st.DrawFn) -> str:
    """A settings file built from the real names, with hostile values and shapes in them."""
    lines: list[str] = []
    for key in draw(st.lists(st.sampled_from(sorted(KEYS)), max_size=6)):
        subs = KEYS[key]
        shape = draw(st.sampled_from(["scalar", "list", "map"] if subs else ["scalar", "list", "flow"]))
        if shape == "map" and subs:
            lines.append(f"{key}:")
            for sub in draw(st.lists(st.sampled_from(subs), min_size=1, max_size=4)):
                if draw(st.booleans()):
                    lines.append(f"  {sub}: {draw(SCALARS)}")
                else:
                    lines.append(f"  {sub}:")
                    lines += [f"    - {v}" for v in draw(st.lists(SCALARS, max_size=3))]
        elif shape == "list":
            lines.append(f"{key}:")
            lines += [f"  - {v}" for v in draw(st.lists(SCALARS, max_size=3))]
        elif shape == "flow":
            lines.append(f"{key}: [{', '.join(draw(st.lists(SCALARS, max_size=3)))}]")
        else:
            lines.append(f"{key}: {draw(SCALARS)}")
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\n\t", "\n  "])))
    return text


def assert_config_or_error(text: str) -> None:
    try:
        config = parse_config(text, "x.yml")
    except ConfigError as exc:
        assert str(exc).startswith("x.yml"), str(exc)  # every message names the file
        return
    assert isinstance(config, Config)
    # What loaded is usable: the templates fill, the zones exist.
    from incident_kit.plan.invite import ics_path

    ics_path(config, 2026, 1)
    assert isinstance(config.postmortem.hour, int) and 0 <= config.postmortem.hour <= 23


@PROPERTY
@given(text=st.text())
def test_any_text_is_settings_or_a_config_error(text: str) -> None:
    assert_config_or_error(text)


@PROPERTY
@given(text=settings_yaml())
def test_settings_built_from_real_names_and_hostile_values(text: str) -> None:
    assert_config_or_error(text)


@PROPERTY
@given(data=st.one_of(st.binary(), st.text().map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_bytes_decode_or_say_how_to_save_the_file(data: bytes) -> None:
    try:
        text = decode_settings(data, "x.yml")
    except ConfigError as exc:
        assert str(exc).startswith("x.yml") and ("UTF-8" in str(exc) or "binary" in str(exc))
        return
    assert_config_or_error(text)


INPUT_VALUES = st.one_of(
    st.text(),
    st.sampled_from(["", "0", "12", "#12", "²", "①", "１２", "٣", "9" * 5000, "true", "TRUE ", "all", "weekly"]),
)
INPUTS = (
    "INCIDENT_KIT_MAX_WRITES",
    "INCIDENT_KIT_ISSUE_NUMBER",
    "INCIDENT_KIT_DRY_RUN",
    "INCIDENT_KIT_PART",
    "INCIDENT_KIT_CONFIG",
    "INCIDENT_KIT_BOT_LOGIN",
    "GITHUB_REPOSITORY",
    "GITHUB_EVENT_NAME",
    "INCIDENT_KIT_SLACK_WEBHOOK",
    "INCIDENT_KIT_SMTP_USER",
    "INCIDENT_KIT_SMTP_PASSWORD",
)


@PROPERTY
@given(values=st.fixed_dictionaries({}, optional={name: INPUT_VALUES for name in INPUTS}))
def test_any_inputs_are_read_or_are_an_input_error(values: dict[str, str]) -> None:
    environ = {"GITHUB_REPOSITORY": "octo/app", **values}
    try:
        env = gha.read_env(environ)
    except gha.InputError:
        pass
    else:
        assert env.max_writes >= 0 and (env.issue_number is None or env.issue_number >= 0)
        assert env.part in gha.PARTS and isinstance(env.dry_run, bool)
    try:
        gha.notify_secrets(environ)
    except gha.InputError as exc:
        assert "slack-webhook" in str(exc) or "smtp" in str(exc)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
NUMBERISH = st.one_of(JSON, st.sampled_from(["12", "#12", "²", "①", "１２", "9" * 5000, " 7 "]))


@PROPERTY
@given(
    payload=st.fixed_dictionaries(
        {},
        optional={
            "issue": st.one_of(JSON, st.fixed_dictionaries({"number": NUMBERISH})),
            "inputs": st.one_of(JSON, st.fixed_dictionaries({"issue-number": NUMBERISH})),
            "sender": JSON,
            "changes": JSON,
            "comment": JSON,
            "action": JSON,
        },
    )
)
def test_any_event_payload_gives_an_issue_number_or_none(payload: dict[str, Any]) -> None:
    env = gha.read_env({"GITHUB_REPOSITORY": "octo/app", "GITHUB_EVENT_NAME": "workflow_dispatch"})
    number = action.issue_number(env, payload)
    assert number is None or (isinstance(number, int) and number >= 0)
    action.event_of(env, payload)


STATE_KEYS = st.one_of(st.text(max_size=6), st.sampled_from(["1", "12", "²", "①", "１２", "٣", "9" * 30]))
STATE_TIMES = st.one_of(
    JSON, st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+00:00", "2026-11-30T06:00:00", "x"])
)
STATE = st.fixed_dictionaries(
    {"v": st.sampled_from([1, 1, 2, "1"])},
    optional={
        "last_success": STATE_TIMES,
        "cursor": JSON,
        "reminded": st.dictionaries(STATE_KEYS, JSON, max_size=4),
        "followups": st.dictionaries(
            STATE_KEYS,
            st.one_of(JSON, st.fixed_dictionaries({"incident": JSON, "key": JSON, "created": STATE_TIMES})),
            max_size=4,
        ),
        "facts": st.dictionaries(STATE_KEYS, st.one_of(JSON, st.fixed_dictionaries({"at": STATE_TIMES})), max_size=4),
        "digest": JSON,
        "trend": st.dictionaries(st.one_of(st.text(max_size=8), st.just("２０２６-１１")), JSON, max_size=3),
    },
)


@PROPERTY
@given(data=st.one_of(st.binary(max_size=200), STATE.map(lambda s: json.dumps(s).encode())))
def test_any_weekly_state_file_is_read_or_ignored_with_a_note(data: bytes) -> None:
    state, note = load_state(data)
    assert note is None or "weekly state file" in note
    assert all(isinstance(n, int) and n >= 0 for n in (*state.reminded, *state.followups, *state.facts))
    json.loads(state.dump())  # and it writes back as valid JSON
