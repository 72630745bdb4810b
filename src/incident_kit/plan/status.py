"""The bot's status comment: how it is found, what it says, and the state it carries.

Exactly one comment per issue belongs to the bot. It is found by a hidden
marker **and** by its author being the bot's own login, because anyone can
paste the marker into a comment of their own. The comment ends with a
machine-readable state block (JSON in an HTML comment) that later runs read
back, again only from the bot's own comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incident_kit.basics import markers
from incident_kit.basics.limits import BODY_MAX
from incident_kit.basics.times import format_utc
from incident_kit.body.checklist import named, open_items_by_section
from incident_kit.body.model import Decision, Incident, IssueContext, Phase
from incident_kit.body.when import in_zones
from incident_kit.github.port import CommentData
from incident_kit.plan.bot_state import STATE_BLOCK, BotState, dump, json_text, load
from incident_kit.plan.conversation import Conversation, call_text, discoverer_text, silence_line, steps
from incident_kit.plan.invite import PostmortemView, no_address
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
    return json_text(state)


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
    conversation: Conversation | None = None  # the call, the first discoverer, the investigators' silence


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


def _escape(value: object) -> str:
    """HTML-escaped text, as jinja2's autoescape (markupsafe.escape) wrote it: issue text is untrusted and
    must render as text, never as HTML."""
    return str(value).translate(_ESCAPES)


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})
_RECORD_LINE = "🤖 recorded by incident-kit from the issue's changes · 👤 written by a person in the Record section"
_MISSING_TAIL = (
    ": they cannot be invited. Add them under `people:` in .github/incident-kit.yml (a handle, or the name as "
    "written under Attendees) to invite them.\n"
)
_VIDEO_HOWTO = (
    "<details><summary>How to attach a video</summary>\n\n"
    "Edit the issue, drag and drop an `.mp4`, `.mov` or `.webm` file right below **Video of incident (MUST "
    "attach)**, and save. GitHub uploads it and inserts its link on a line of its own. Videos can be up to 10 MB on "
    "free plans and 100 MB on paid plans; for a longer recording, link it from {hosts}.\n\n</details>\n\n"
)


def render_status(view: StatusView) -> str:
    """The status comment's markdown. Plain Python rather than a template: every event writes it, and compiling
    a jinja2 template cost each process about 17 ms (issue #16); the text is the one the template wrote."""
    e = _escape
    ev = view.evaluation
    inc = ev.incident
    config = view.config
    decision_note = {
        Decision.INCIDENT: "one or more yes",
        Decision.NOT_INCIDENT: "three no",
        Decision.UNDECIDED: "waiting for triage answers",
    }[inc.decision]
    out = [markers.STATUS, "\n", e(_headline(view)), "\n\n"]
    if view.untrusted is not None:
        out.append(
            "> [!IMPORTANT]\n"
            f"> This issue was opened by @{e(view.untrusted.author)}, who has no triage access to this repository. "
            f"incident-kit has changed nothing. A maintainer must confirm it: add the `{e(view.untrusted.label)}` "
            "label or edit the issue, and incident-kit will take it from there.\n\n"
        )
    triage = " · ".join(f"{e(q.label)} **{e(q.answer)}**" for q in inc.triage)
    roles = " · ".join(
        f"{e(r.label)}: " + (" ".join(f"@{e(h)}" for h in r.handles) if r.handles else "_not named_") for r in inc.roles
    )
    video = f"attached ({len(inc.videos)})" if inc.videos else "**missing**"
    out.append(
        "| | |\n|---|---|\n"
        f"| Decision | **{e(inc.decision)}** ({e(decision_note)}) |\n"
        f"| Phase | {e(ev.phase)} |\n"
        f"| Triage | {triage} |\n"
        f"| Roles | {roles} |\n"
    )
    # issue #17: the call, the first discoverer and the postmortem's roles.
    conv = view.conversation
    show_people = ev.phase is not Phase.NOT_INCIDENT
    if conv is not None and show_people:
        out.append(f"| Call | {e(call_text(conv.call))} |\n")
        out.append(f"| First discoverer | {e(discoverer_text(conv.discoverer))} |\n")
    meeting = meeting_roles(inc) if show_people and ev.phase.at_least(Phase.FIRST_AID_DONE) else []
    if meeting:
        out.append(f"| Postmortem roles | {' · '.join(e(r) for r in meeting)} |\n")
    out.append(f"| Video | {video} |\n")
    told = _told(view.state)
    if told["announcement"] or told["resolved"]:
        parts = []
        if told["announcement"]:
            parts.append("incident announced to " + ", ".join(e(t) for t in told["announcement"]))
        if told["resolved"]:
            parts.append("resolution announced to " + ", ".join(e(t) for t in told["resolved"]))
        out.append(f"| Told | {' · '.join(parts)} |\n")
    open_items = [(k, v) for k, v in open_items_by_section(inc, view.context, config.labels).items() if v]
    boxes = " · ".join(f"{e(name)}: {e(count)}" for name, count in open_items) or "none"
    out.append(f"| Open boxes | {boxes} |\n\n")
    todo = _next(view) if view.untrusted is None else []
    if todo:
        out += ["### Next\n", *(f"- {e(step)}\n" for step in todo), "\n"]
    if conv is not None and conv.silence is not None:
        out.append(f"> [!NOTE]\n> {e(silence_line(conv.silence))}\n\n")
    if view.postmortem is not None:
        out.append(_postmortem_text(view.postmortem))
    followups = _followups(view.state)
    if followups:
        out += ["### Follow-up issues\n", *(f"- #{e(f['number'])}: {e(f['text'])}\n" for f in followups), "\n"]
    if ev.findings:
        out.append("### What is missing\n")
        for f in ev.findings:
            line = f" (line {e(f.line)})" if f.line else ""
            out.append(f"- {e(ICONS[f.severity])} `{e(f.rule)}`{line}: {e(f.message)}\n")
        out.append("\n")
    if view.notes:
        out += ["### Notes\n", *(f"- {e(note)}\n" for note in view.notes), "\n"]
    timeline = view.timeline
    if timeline is not None and (timeline.rows or timeline.figures):
        out.append("<details><summary>Timeline (UTC) and figures</summary>\n\n")
        out += [f"- {e(label)}: **{e(value)}**\n" for label, value in timeline.figures]
        out.append("\n")
        out += [f"- {e(when)} {'🤖' if source == 'bot' else '👤'} {e(what)}\n" for when, what, source in timeline.rows]
        out.append("\n")
        unknown = [e(name) for name, value in timeline.slots if value is None]
        if unknown:
            out.append(f"Still to write in the Record section's timeline: {', '.join(unknown)}.\n")
        out.append(f"\n{_RECORD_LINE}\n\n</details>\n\n")
    read = times_read(inc, config)
    if read:
        out.append(
            f"<details><summary>Times as read ({len(read)}; a time without a zone has the zone of the line above "
            f"that names one, else {e(config.timezone)})</summary>\n\n"
        )
        out += [f"- line {e(t['line'])}: `{e(t['written'])}` ({e(t['zone'])}) → {e(t['read'])}\n" for t in read]
        out.append("\n</details>\n\n")
    if not inc.videos and config.video.mode != "off":
        out.append(_VIDEO_HOWTO.format(hosts=e(", ".join(config.video.hosts) or "an allowed host")))
    out.append(
        "<sub>Updated by incident-kit from the issue as it is now; humans own the issue body, this comment is the "
        "bot's.</sub>\n"
        # Already safe inside an HTML comment (see state_json); escaping would break the JSON.
        f"{markers.state(state_json(dump(view.state)))}\n"
    )
    return fit("".join(out), view)


def _postmortem_text(pm: PostmortemView) -> str:
    e = _escape
    out = ["### Postmortem\n"]
    if pm.times and pm.cancelled:
        out.append(f"Cancelled (was {e(pm.times[0])}); the calendar invite was withdrawn.\n")
    if pm.times and not pm.cancelled:
        out.append(f"**{' · '.join(e(t) for t in pm.times)}**, {e(pm.length)}.\n\n")
        out.append(f"- [Add to Google Calendar]({e(pm.google)})")
        if pm.ics_url:
            out.append(f" · [Calendar invite (.ics)]({e(pm.ics_url)})")
        out.append("\n")
        if pm.attendees:
            out.append(f"- Invited: {', '.join(e(a) for a in pm.attendees)}\n")
    elif pm.proposal:
        out.append(
            f"Proposed slot: **{' · '.join(e(t) for t in pm.proposal)}**. To take it, write it under Datetime(UTC) "
            "in the body; incident-kit then sends the invite.\n"
        )
    if no_address(pm):
        out.append("- No e-mail address for " + ", ".join(e(who) for who in no_address(pm)))
        out.append(_MISSING_TAIL)
    if pm.note:
        out.append(f"- {e(pm.note)}\n")
    out.append("\n")
    return "".join(out)


def _next(view: StatusView) -> list[str]:
    out = next_steps(view.evaluation, view.context, view.config)
    if view.conversation is not None:
        out += steps(view.conversation, view.evaluation.incident, view.evaluation.phase)
    if view.evaluation.phase is Phase.DONE and view.state.followups:
        # An event run does not look up the follow-up issues (that costs requests on every edit); the
        # weekly check does, and closes the incident only once they are closed, so say that rather
        # than promise the incident is finished.
        numbers = ", ".join(f"#{n.number}" for n in view.state.followups)
        out.append(f"The weekly check closes this issue once its follow-up issues ({numbers}) are closed.")
    return out


def meeting_roles(inc: Incident) -> list[str]:
    """The postmortem's roles as the status shows them, the template's fallbacks applied."""
    out: list[str] = []
    for role in inc.meeting.roles:
        if role.handles:
            out.append(f"{role.label}: {' '.join('@' + h for h in role.handles)}")
        elif role.covered_by:
            who = " ".join("@" + h for h in role.covered_by)
            out.append(f"{role.label}: {who} (the {str(role.fallback).capitalize()})")
        else:
            out.append(f"{role.label}: _not named_")
    return out


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
