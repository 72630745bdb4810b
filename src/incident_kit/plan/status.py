"""The bot's status comment: how it is found, what it says, and the state it carries.

Exactly one comment per issue belongs to the bot. It is found by a hidden
marker **and** by its author being the bot's own login, because anyone can
paste the marker into a comment of their own. The comment ends with a
machine-readable state block (JSON in an HTML comment) that later runs read
back, again only from the bot's own comment.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from incident_kit.basics import markers
from incident_kit.basics.limits import BODY_MAX
from incident_kit.basics.times import format_utc
from incident_kit.body.checklist import named, open_items_by_section
from incident_kit.body.model import Decision, Incident, IssueContext, Phase
from incident_kit.body.when import in_zones
from incident_kit.github.port import CommentData
from incident_kit.plan.bot_state import STATE_BLOCK, BotState, dump, load
from incident_kit.plan.invite import PostmortemView
from incident_kit.rules.evaluate import Evaluation
from incident_kit.settings.config import Config

MARKER = markers.STATUS
MAX_BODY = BODY_MAX
ICONS = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def find_status_comment(comments: list[CommentData], bot_login: str) -> CommentData | None:
    """The bot's own status comment: the marker alone is not enough, the author must be the bot."""
    mine = [c for c in comments if c.author == bot_login and MARKER in c.body]
    return mine[0] if mine else None


def load_state(comment: CommentData | None) -> BotState:
    """The typed state of the bot's own status comment (see :mod:`incident_kit.plan.bot_state`)."""
    return load(comment.body if comment is not None else None)


def read_state(comment: CommentData | None) -> dict[str, Any]:
    """The state as its stored JSON object (migrated to the current format); ``{}`` when there is none."""
    if comment is None or not STATE_BLOCK.search(comment.body):
        return {}
    return load(comment.body).view()


def state_json(state: dict[str, Any]) -> str:
    """JSON that cannot close the HTML comment it sits in."""
    text = json.dumps(state, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return text.replace("--", "-\\u002d").replace(">", "\\u003e")


def strangers_with_marker(comments: list[CommentData], bot_login: str) -> list[str]:
    """Who else wrote a comment carrying the status marker: it is never read as the bot's state."""
    return list(dict.fromkeys(c.author for c in comments if c.author != bot_login and MARKER in c.body))


@dataclass(frozen=True)
class Untrusted:
    author: str
    label: str


@dataclass
class TimelineView:
    """The merged timeline (time, text, "person" or "bot"), the figures, and the template's slots."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    slots: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class StatusView:
    """Everything the status template shows, computed from the evaluation."""

    title: str
    evaluation: Evaluation
    context: IssueContext
    config: Config
    state: BotState
    notes: list[str] = field(default_factory=list)
    untrusted: Untrusted | None = None
    postmortem: PostmortemView | None = None
    timeline: TimelineView | None = None


def next_steps(ev: Evaluation, context: IssueContext, config: Config) -> list[str]:
    """Who should act next, in the template's words and time boxes."""
    inc = ev.incident
    roles = {r.key: r.handles for r in inc.roles}
    who = {k: " ".join("@" + h for h in v) for k, v in roles.items()}
    steps: list[str] = []
    phase = ev.phase
    if phase is Phase.REPORTED:
        steps.append(
            "Everyone on the call: answer the three triage questions (2 minutes). One yes makes this an incident."
        )
    elif phase is Phase.TRIAGED:
        steps.append(
            "Name the roles (1 minute): Investigator(s), one Communicator and one Recorder, each with an @handle."
        )
    elif phase is Phase.INVESTIGATING:
        steps.append(f"{who['investigator']}: find the problem and finish first aid; comment your progress here.")
        if not all(i.checked for i in named(inc, "announce-incident")):
            steps.append(f"{who['communicator']}: announce the incident and yourself as Communicator to stakeholders.")
        steps.append(f"{who['recorder']}: keep the Timeline(UTC) in the Record section up to date.")
    elif phase is Phase.FIRST_AID_DONE:
        steps.append(f"{who['communicator'] or 'The Communicator'}: announce that the incident is resolved.")
        steps.append("Arrange the 2-hour postmortem: write its date under Datetime(UTC) and invite everyone concerned.")
    elif phase is Phase.RESOLVED:
        steps.append("Arrange the 2-hour postmortem: write its date under Datetime(UTC) and invite everyone concerned.")
    elif phase is Phase.POSTMORTEM_SCHEDULED:
        pm = inc.postmortem.start
        steps.append(f"Hold the postmortem on {format_utc(pm)}." if pm else "Hold the postmortem.")
    elif phase is Phase.IMPROVING:
        steps.append("Turn every action item into a tracked issue and finish them; the weekly check follows up.")
    elif phase is Phase.DONE:
        steps.append("Every box is done. Thank you!")
    elif phase is Phase.NOT_INCIDENT:
        steps.append("Three no: this is not an incident. If that changes, write y on the question that changed.")
    if inc.decision is not Decision.NOT_INCIDENT and not inc.videos and config.video.mode != "off":
        steps.append("The first discoverer: attach a video of the incident (see below).")
    return steps


@functools.cache
def _environment() -> Any:
    """One jinja2 environment per process: a run renders the status several times while it plans."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("incident_kit.render", "templates"),
        autoescape=True,  # issue text is untrusted: it must render as text, never as HTML
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def render_status(view: StatusView) -> str:
    from markupsafe import Markup

    env = _environment()
    ev = view.evaluation
    inc = ev.incident
    decision_note = {
        Decision.INCIDENT: "one or more yes",
        Decision.NOT_INCIDENT: "three no",
        Decision.UNDECIDED: "waiting for triage answers",
    }[inc.decision]
    findings = list(ev.findings)
    text = env.get_template("status.md.j2").render(
        headline=_headline(view),
        untrusted=view.untrusted,
        decision=str(inc.decision),
        decision_note=decision_note,
        phase=str(ev.phase),
        triage=inc.triage,
        roles=inc.roles,
        videos=inc.videos,
        open_items=[(k, v) for k, v in open_items_by_section(inc, view.context, view.config.labels).items() if v],
        next_steps=next_steps(ev, view.context, view.config) if view.untrusted is None else [],
        findings=findings,
        icons=ICONS,
        notes=view.notes,
        video_mode=view.config.video.mode,
        hosts=", ".join(view.config.video.hosts) or "an allowed host",
        postmortem=view.postmortem,
        followups=_followups(view.state),
        timeline=view.timeline,
        told=_told(view.state),
        times_read=times_read(inc, view.config),
        team_zone=view.config.timezone,
        status_marker=Markup(markers.STATUS),
        # Already safe inside an HTML comment (see state_json); escaping would break the JSON.
        state_block=Markup(markers.state(state_json(dump(view.state)))),
    )
    return fit(text, view)


def times_read(inc: Incident, config: Config) -> list[dict[str, Any]]:
    """Every time the body's readers read (timeline, postmortem), as written and as read, in UTC and the
    team's zones: a time read in the wrong zone shows at once (issue #12)."""
    zones = (config.timezone, *config.display_timezones)
    out: list[dict[str, Any]] = []
    entries = [(e.line, e.stamp, e.zone, e.when) for e in inc.timeline if e.when is not None]
    pm = inc.postmortem
    if pm.start is not None and pm.line is not None:
        entries.append((pm.line, pm.stamp, pm.zone, pm.start))
    for line, written, zone, when in sorted(entries, key=lambda e: e[0]):
        out.append({"line": line, "written": written, "zone": zone, "read": " · ".join(in_zones(when, zones))})
    return out


def _told(state: BotState) -> dict[str, list[str]]:
    """Who heard about the incident and its end (the template's two "Announce" boxes)."""
    from incident_kit.plan.messages import told

    return told(state.sent)


def _followups(state: BotState) -> list[dict[str, Any]]:
    """Follow-up issues the weekly check opened, as the status lists them (number and text)."""
    return [{"number": n.number, "text": (n.text or "")[:200]} for n in state.followups]


def _headline(view: StatusView) -> str:
    phase = view.evaluation.phase
    icon = {"not-incident": "✅", "done": "✅"}.get(str(phase), "🚨")
    return f"### {icon} Incident status: {phase}"


def fit(text: str, view: StatusView) -> str:
    """Keep the comment under GitHub's 65,536-character limit, whatever the issue holds."""
    if len(text) <= MAX_BODY:
        return text
    tail = f"\n\n…(cut to fit GitHub's comment limit)\n{markers.state(state_json(dump(view.state)))}"
    head_room = MAX_BODY - len(tail)
    return text[:head_room] + tail
