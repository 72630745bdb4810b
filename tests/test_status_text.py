"""The status comment's text is the one the jinja2 template wrote (issue #16).

The event path renders the status comment in plain Python (plan/status.py) instead of compiling a jinja2
template in every process. tests/oracles/status.md.j2 is that template as it was, kept only as the oracle
here: every state below is rendered both ways and must give the same characters. A deliberate change to the
comment's text changes both (the oracle is the reviewed description of the text).

States: the 100 corpus bodies and hypothesis-drawn ones, each with the other inputs of the view drawn too
(an outsider's issue, postmortem views, follow-ups, notes, timelines, settings), with text full of the
characters escaping must handle (& < > " ' and markdown), so every branch of the template runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from incident_kit.basics import markers
from incident_kit.body.checklist import open_items_by_section
from incident_kit.body.model import Decision, IssueContext, Phase
from incident_kit.body.parse import parse_incident
from incident_kit.plan import status
from incident_kit.plan.bot_state import BotState, dump, from_dict
from incident_kit.plan.conversation import call_text, discoverer_text, silence_line
from incident_kit.plan.invite import PostmortemView
from incident_kit.plan.status import StatusView, TimelineView, Untrusted, render_status
from incident_kit.rules.evaluate import evaluate
from incident_kit.settings.config import Config, VideoSettings

ROOT = Path(__file__).resolve().parent
BODIES = sorted((ROOT / "corpus" / "bodies").glob("*.md"))
ORACLE = Environment(
    loader=FileSystemLoader(ROOT / "oracles"),
    autoescape=True,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=False,
).get_template("status.md.j2")
NOW = datetime(2025, 3, 4, 5, 6, tzinfo=UTC)


def oracle(view: StatusView) -> str:
    """The text as the template rendered it (plan/status.py's render_status before issue #16)."""
    ev = view.evaluation
    inc = ev.incident
    note = {
        Decision.INCIDENT: "one or more yes",
        Decision.NOT_INCIDENT: "three no",
        Decision.UNDECIDED: "waiting for triage answers",
    }[inc.decision]
    conv = view.conversation
    people = ev.phase is not Phase.NOT_INCIDENT
    text = ORACLE.render(
        headline=status._headline(view),
        untrusted=view.untrusted,
        decision=str(inc.decision),
        decision_note=note,
        phase=str(ev.phase),
        triage=inc.triage,
        roles=inc.roles,
        videos=inc.videos,
        open_items=[(k, v) for k, v in open_items_by_section(inc, view.context, view.config.labels).items() if v],
        next_steps=status._next(view) if view.untrusted is None else [],
        # issue #17: the call, the first discoverer, the progress silence and the postmortem's roles
        call=call_text(conv.call) if conv and people else "",
        discoverer=discoverer_text(conv.discoverer) if conv and people else "",
        silence=silence_line(conv.silence) if conv and conv.silence else "",
        meeting_roles=status.meeting_roles(inc) if people and ev.phase.at_least(Phase.FIRST_AID_DONE) else [],
        findings=list(ev.findings),
        icons=status.ICONS,
        notes=view.notes,
        video_mode=view.config.video.mode,
        hosts=", ".join(view.config.video.hosts) or "an allowed host",
        postmortem=view.postmortem,
        followups=status._followups(view.state),
        timeline=view.timeline,
        told=status._told(view.state),
        times_read=status.times_read(inc, view.config),
        team_zone=view.config.timezone,
        status_marker=Markup(markers.STATUS),
        state_block=Markup(markers.state(status.state_json(dump(view.state)))),
    )
    return status.fit(text, view)


# Text that escaping and markdown must survive: HTML, quotes, ampersands, Japanese, backticks.
WORDS = st.sampled_from(
    ["a", "<b>x</b>", "R&D", '"q"', "it's", "障害", "`code`", "**bold**", "https://x.test/?a=1&b=2", "--", ">", ""]
)
TEXT = st.lists(WORDS, max_size=4).map(" ".join)
LISTS = st.lists(TEXT, max_size=3)


@st.composite
def views(draw: st.DrawFn, body: str | None = None) -> StatusView:
    if body is None:
        body = draw(st.sampled_from(BODIES)).read_text(encoding="utf-8")
    labels = draw(st.frozensets(st.sampled_from(["incident", "not-incident", "incident-improvement", "bug"])))
    context = IssueContext(
        labels=labels,
        state=draw(st.sampled_from(["open", "closed"])),
        created_at=NOW,
        now=NOW,
        fulfilled=draw(st.frozensets(st.sampled_from(["invite", "report"]))),
    )
    config = Config(
        timezone=draw(st.sampled_from(["UTC", "Asia/Tokyo"])),
        video=VideoSettings(
            mode=draw(st.sampled_from(["require", "warn", "off"])),
            hosts=tuple(draw(st.lists(st.sampled_from(["youtube.com", "loom.com", "a&b.test"]), max_size=2))),
        ),
    )
    incident = parse_incident(body, reference=NOW)
    state: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "followups": st.lists(st.fixed_dictionaries({"number": st.integers(1, 999), "text": TEXT}), max_size=3),
                "notify": st.fixed_dictionaries(
                    {},
                    optional={
                        "slack": st.just({"declared": {"at": "2025-03-04T05:06:00Z"}}),
                        "email": st.dictionaries(
                            st.sampled_from(["announcement", "announcement:2", "resolved"]),
                            st.fixed_dictionaries({"to": LISTS}),
                            max_size=2,
                        ),
                    },
                ),
            },
        )
    )
    postmortem = draw(
        st.none()
        | st.builds(
            PostmortemView,
            times=LISTS,
            google=TEXT,
            ics_url=TEXT,
            attendees=LISTS,
            missing=LISTS,
            missing_names=LISTS,
            proposal=LISTS,
            cancelled=st.booleans(),
            note=TEXT,
            length=TEXT,
        )
    )
    timeline = draw(
        st.none()
        | st.builds(
            TimelineView,
            rows=st.lists(st.tuples(TEXT, TEXT, st.sampled_from(["bot", "person"])), max_size=3),
            figures=st.lists(st.tuples(TEXT, TEXT), max_size=2),
            slots=st.lists(st.tuples(TEXT, st.none() | TEXT), max_size=3),
        )
    )
    untrusted = draw(st.none() | st.builds(Untrusted, author=TEXT, label=TEXT))
    return StatusView(
        "t",
        evaluate(incident, context, config),
        context,
        config,
        from_dict(state),
        draw(LISTS),
        untrusted,
        postmortem,
        timeline,
    )


@pytest.mark.parametrize("path", BODIES[::10], ids=lambda p: p.name)
def test_corpus_body_with_defaults_is_the_templates_text(path: Path) -> None:
    incident = parse_incident(path.read_text(encoding="utf-8"), reference=NOW)
    context = IssueContext(labels=frozenset({"incident"}), created_at=NOW, now=NOW)
    view = StatusView("t", evaluate(incident, context, Config()), context, Config(), BotState())
    text = render_status(view)
    assert text == oracle(view)
    assert text.startswith("<!-- incident-kit:status -->\n") and text.endswith(" -->\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(view=views())
def test_any_state_is_the_templates_text(view: StatusView) -> None:
    assert render_status(view) == oracle(view)


def test_untrusted_text_is_escaped_not_html() -> None:
    body = BODIES[0].read_text(encoding="utf-8")
    incident = parse_incident(body, reference=NOW)
    context = IssueContext(now=NOW, created_at=NOW)
    view = StatusView(
        "t",
        evaluate(incident, context, Config()),
        context,
        Config(),
        BotState(),
        ['<img src=x onerror="a">'],
        Untrusted("m&m", "<x>"),
    )
    text = render_status(view)
    assert "- &lt;img src=x onerror=&#34;a&#34;&gt;\n" in text
    assert "@m&amp;m" in text and "`&lt;x&gt;`" in text
    assert text == oracle(view)
