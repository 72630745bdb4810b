"""What every setting means: the README's settings table and the starter file, generated from the schema.

The keys, their nesting, their parsers and their defaults come from ``settings.config``
(the schema the code validates with); only the sentence saying what each one does is
written here. A key of the schema with no sentence, or a sentence for a key the schema
no longer has, fails ``tests/test_settings_reference.py``, and the README table and
``starter/incident-kit.yml`` are compared with what this module renders, so the docs
cannot drift from the code. ``tools/settings_docs.py`` rewrites both.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from incident_kit.settings import config as schema


@dataclass(frozen=True)
class Meaning:
    text: str  # what the setting does, one or two sentences
    example: str = ""  # YAML value shown in the starter (marked "e.g.") when the default is empty
    default: str = ""  # how to state the default when the field's value is only a sentinel


@dataclass(frozen=True)
class Setting:
    key: str  # dotted: "postmortem.hour"
    depth: int
    kind: str  # the type, in words
    default: Any  # the value the code uses when the key is absent; None for a section
    meaning: Meaning
    section: bool = False


SECTION_MEANINGS: dict[str, Meaning] = {
    "labels": Meaning("The names of the labels incident-kit reads and sets."),
    "video": Meaning("The video check: an incident should carry a video of what happened."),
    "report": Meaning("The PDF report of an incident, committed to the repository."),
    "postmortem": Meaning("The postmortem meeting: its calendar invite and the slot incident-kit proposes."),
    "weekly": Meaning("The weekly check (`workflows/incident-kit-weekly.yml`): reminders, follow-up issues, digest."),
    "notify": Meaning(
        "Telling people. Nothing is sent unless a channel's section is here and its secret is set "
        "(the action inputs `slack-webhook`, `smtp-user`, `smtp-password`)."
    ),
    "notify.slack": Meaning(
        "Post to Slack through an incoming webhook (input `slack-webhook`). The section turns it on."
    ),
    "notify.email": Meaning(
        "Mail stakeholders through an SMTP server (inputs `smtp-user`, `smtp-password`). The section turns it on; "
        "`from` and `host` are then required.",
    ),
}

MEANINGS: dict[str, Meaning] = {
    "labels.incident": Meaning("Marks an incident. Added when a triage answer is yes; the event workflow acts on it."),
    "labels.not-incident": Meaning("Set when all three triage answers are no (and `incident` is removed)."),
    "labels.improvement": Meaning(
        "Replaces `incident` once it is resolved; the weekly check follows these until every box is done."
    ),
    "labels.needs-video": Meaning("Set while an incident has no video (with `video.mode: require` or `warn`)."),
    "engineers": Meaning(
        "The team's engineers. Read and validated; no step uses it yet.",
        example="[octocat, hubot]",
    ),
    "stakeholders": Meaning(
        "Who hears about incidents: invited to the postmortem, mailed by `notify.email` when its `to` is empty. "
        "Handles go through `people`.",
        example="[ceo-handle, ops@example.com]",
    ),
    "people": Meaning(
        "E-mail address of each GitHub handle, or of a name people write under Attendees (`山田`; "
        "honorifics such as さん are ignored), for the postmortem invite and mail. Anyone without one is "
        "listed in the status comment.",
        example="{octocat: octocat@example.com, 山田: yamada@example.com}",
    ),
    "video.mode": Meaning(
        "`require`: no video is an error (red step, `needs-video` label); `warn`: a warning and the label; "
        "`off`: no check."
    ),
    "video.allowed-hosts": Meaning(
        "Hosts whose links count as the video, besides files attached to the issue on GitHub (replaces the list)."
    ),
    "vague-phrases": Meaning(
        "More phrases that make an action item vague (it only asks people to try harder: an error), added to "
        "the built-in English and Japanese list (be careful, 気をつけます, ...).",
        example="[様子を見る, keep an eye on]",
    ),
    "builtin-vague-phrases": Meaning("`false`: use only `vague-phrases`, without the built-in list."),
    "timezone": Meaning(
        "The team's zone: times written without a zone are read in it, the status comment shows times in it "
        "(and UTC), proposed postmortem hours and weekly quiet days are counted in it."
    ),
    "display-timezones": Meaning(
        "More zones the status comment shows times in, besides UTC and `timezone`.",
        example="[Asia/Tokyo]",
    ),
    "tick-boxes": Meaning(
        "Let the bot tick boxes it fulfilled itself (re-reading the body first, never over a person's edit)."
    ),
    "progress-silence-minutes": Meaning(
        "While investigating, this many minutes without a comment from an investigator adds one line naming "
        "them to the status comment (once per quiet period); 0 turns it off."
    ),
    "report.path": Meaning("Where the PDF is committed; the placeholders are filled in (`{slug}`: from the title)."),
    "report.branch": Meaning(
        "The branch the PDF, the invite and the weekly state are committed to; empty: the default branch.",
        example="incident-records",
    ),
    "postmortem.propose": Meaning("Propose the next free working-day slot when the body has no postmortem date."),
    "postmortem.hour": Meaning("The hour (in `timezone`) a proposed postmortem starts."),
    "postmortem.within-days": Meaning("How many working days ahead a slot is looked for."),
    "postmortem.holidays": Meaning("Days never proposed, besides Saturdays and Sundays.", example="[2026-12-31]"),
    "postmortem.organizer": Meaning(
        "The invite's organizer address; empty: `incident-kit@users.noreply.github.com`.",
        example="ops@example.com",
    ),
    "postmortem.ics-path": Meaning(
        "Where the postmortem's `.ics` invite is committed; the placeholders are filled in."
    ),
    "weekly.close-when-done": Meaning(
        "Close an `incident-improvement` issue once every box is done and its follow-up issues are closed."
    ),
    "weekly.quiet-days": Meaning("Days (in `timezone`) on which no reminder is posted.", example="[saturday, sunday]"),
    "weekly.sections": Meaning(
        "Headings whose boxes count as left to do; empty: every section.", example="[Record, Closing]"
    ),
    "weekly.digest-issue": Meaning(
        "Also keep the weekly digest in one issue, updated in place (the job summary always has it)."
    ),
    "weekly.state-path": Meaning("The weekly check's own state file, committed on `report.branch`."),
    "weekly.digest-label": Meaning("The label that marks the digest issue."),
    "weekly.overdue-days": Meaning("A follow-up issue open longer than this is overdue in the digest."),
    "weekly.template-path": Meaning(
        "The incident issue template: reminders that list 'Update incident issue template' link the newest "
        "commit that changed it since the incident began (one request), or say none did."
    ),
    "notify.slack.call-link": Meaning(
        'The call people join: shown in the status comment from the first run, and a "join the call" button '
        "in the declared post; empty: neither.",
        example="https://app.slack.com/huddle/T0123ABC/C0456DEF",
    ),
    "notify.slack.mention": Meaning(
        "Who the declared post pings, in Slack's own form; empty: nobody.",
        example='"<!here>"',
    ),
    "notify.email.from": Meaning("The sender address (required in the section).", example="incident-kit@example.com"),
    "notify.email.host": Meaning("The SMTP server (required in the section).", example="smtp.example.com"),
    "notify.email.port": Meaning(
        "The SMTP port.", default="587 for `starttls`, 465 for `tls`, 25 for `none`", example="587"
    ),
    "notify.email.security": Meaning(
        "`starttls`, `tls` (implicit TLS) or `none` (no encryption: then no login is sent)."
    ),
    "notify.email.announcement-prefix": Meaning(
        "An issue comment starting with this is mailed to the recipients as the announcement."
    ),
    "notify.email.to": Meaning(
        "The recipients: addresses, or handles found in `people`; empty: `stakeholders`.",
        example="[octocat, ops@example.com]",
    ),
}


# ---------------------------------------------------------------- types, read off the parsers

_SIMPLE: dict[Callable[..., Any], str] = {
    schema._str: "text",
    schema._text: "text",
    schema._bool: "true / false",
    schema._handle: "GitHub handle",
    schema._email: "e-mail address",
    schema._handle_or_email: "handle or e-mail address",
    schema._person: "handle or name",
    schema._timezone: "IANA time zone",
    schema._date: "date (YYYY-MM-DD)",
    schema._weekday: "weekday name",
    schema._host: "host name",
    schema._path_template: "path in the repository",
    schema._https_link: "https:// link",
    schema._slack_mention: "Slack mentions",
    schema._smtp_host: "host name",
}


def _closure(parser: Callable[..., Any]) -> dict[str, Any]:
    cells = getattr(parser, "__closure__", None) or ()
    return {name: cell.cell_contents for name, cell in zip(parser.__code__.co_freevars, cells, strict=False)}


def describe(parser: Callable[..., Any]) -> str | None:
    """The type a parser accepts, in words; None for a parser this module does not know yet."""
    if parser in _SIMPLE:
        return _SIMPLE[parser]
    made_by = parser.__qualname__.split(".<locals>.")[0]
    cells = _closure(parser)
    if made_by == "_list" and "item" in cells:
        item = describe(cells["item"])
        return f"list of {item}" if item else None
    if made_by == "_map" and {"key", "value"} <= cells.keys():
        key, value = describe(cells["key"]), describe(cells["value"])
        return f"mapping of {key}: {value}" if key and value else None
    if made_by == "_choice" and "allowed" in cells:
        return "one of " + ", ".join(f"`{a}`" for a in cells["allowed"])
    if made_by == "_filled_path" and "fields" in cells:
        return "path in the repository, with " + ", ".join(f"`{{{f}}}`" for f in cells["fields"])
    if made_by == "_int_range" and {"low", "high"} <= cells.keys():
        return f"whole number {cells['low']} to {cells['high']}"
    return None


def _fallback_kind(value: Any) -> str:
    """For a parser ``describe`` does not know: the type of the default (the test names the gap)."""
    if isinstance(value, bool):
        return "true / false"
    if isinstance(value, int):
        return "whole number"
    if isinstance(value, tuple | list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "text"


# ---------------------------------------------------------------- the walk


def settings() -> list[Setting]:
    """Every key of the schema, depth first in the schema's order, sections before their keys."""
    return list(_walk(schema._TOP, schema.Config(), "", 0))


def _walk(table: dict[str, tuple[str, Any]], defaults: Any, prefix: str, depth: int) -> Iterator[Setting]:
    for key, (name, spec) in table.items():
        dotted = prefix + key
        if isinstance(spec, tuple):
            cls, sub = spec
            current = getattr(defaults, name, None)
            meaning = SECTION_MEANINGS.get(dotted, Meaning(""))
            yield Setting(dotted, depth, "section", None, meaning, section=True)
            yield from _walk(sub, current if current is not None else cls(), dotted + ".", depth + 1)
        else:
            value = _default_of(defaults, name)
            kind = describe(spec) or _fallback_kind(value)
            yield Setting(dotted, depth, kind, value, MEANINGS.get(dotted, Meaning("")))


def _default_of(defaults: Any, name: str) -> Any:
    if dataclasses.is_dataclass(defaults) and not isinstance(defaults, type):
        return getattr(defaults, name)
    return None


def gaps() -> list[str]:
    """What this module cannot document: keys without a meaning, meanings without a key, unknown types."""
    found = settings()
    keys = {s.key for s in found}
    out = [f"{s.key}: no meaning in settings/reference.py" for s in found if not s.meaning.text]
    out += [
        f"{s.key}: settings/reference.py cannot name the type its parser accepts (extend describe())"
        for s in found
        if not s.section and describe(_parser_of(s.key)) is None
    ]
    out += [f"{key}: described in settings/reference.py but not a setting" for key in MEANINGS if key not in keys]
    out += [f"{key}: described as a section but not one" for key in SECTION_MEANINGS if key not in keys]
    return out


def _parser_of(dotted: str) -> Callable[..., Any]:
    table: Any = schema._TOP
    *sections, last = dotted.split(".")
    for part in sections:
        table = table[part][1][1]
    parser: Callable[..., Any] = table[last][1]
    return parser


# ---------------------------------------------------------------- rendering


def yaml_value(value: Any) -> str:
    """A default as it is written in the settings file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if text == "" or text[0] in "[]{}&*!|>'\"%@`#,?:-<" or ":" in text or " #" in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _empty(value: Any) -> bool:
    return value in ("", (), [], {}, None)


def markdown_table() -> str:
    """The README's reference: every key with its type, default and meaning."""
    rows = ["| setting | type | default | meaning |", "|---|---|---|---|"]
    for s in settings():
        if s.section:
            rows.append(f"| **`{s.key}:`** | section | | {s.meaning.text} |")
            continue
        if s.meaning.default:
            default = s.meaning.default
        elif _empty(s.default):
            default = "none" if not isinstance(s.default, tuple | list | dict) else "`" + yaml_value(s.default) + "`"
        else:
            default = "`" + yaml_value(s.default).replace("|", "\\|") + "`"
        rows.append(f"| `{s.key}` | {s.kind} | {default} | {s.meaning.text.replace('|', chr(92) + '|')} |")
    return "\n".join(rows) + "\n"


STARTER_HEADER = """\
# incident-kit settings. Every setting is optional and every line below is commented out, so
# this file changes nothing until you uncomment a line. Each setting shows its default, except
# where the default is empty: there it shows an example, marked "e.g.". An unknown key or a
# wrong value fails the run with this file's name and the line (never a silent default).
# The same list as a table with each type: README.md, "Settings reference".
"""


def starter_file() -> str:
    """``starter/incident-kit.yml``: every setting commented out, with its default or an example.

    Removing the leading ``# `` of every line gives valid YAML (the meanings stay comments).
    """
    lines = [STARTER_HEADER]
    for s in settings():
        indent = "  " * s.depth
        if s.depth == 0:
            lines.append("#")
        for part in textwrap.wrap(s.meaning.text.replace("`", ""), width=96 - len(indent)):
            lines.append(f"# {indent}# {part}")
        key = s.key.rsplit(".", 1)[-1]
        if s.section:
            lines.append(f"# {indent}{key}:")
            continue
        if s.meaning.default:
            value = f"{s.meaning.example}  # e.g.; default: {s.meaning.default.replace('`', '')}"
        elif _empty(s.default) and s.meaning.example:
            value = f"{s.meaning.example}  # e.g.; default: none"
        else:
            value = yaml_value(s.default)
        lines.append(f"# {indent}{key}: {value}")
    return "\n".join(lines) + "\n"
