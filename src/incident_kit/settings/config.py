"""The team's settings, ``.github/incident-kit.yml``: schema, defaults and strict validation.

Every setting is optional. A wrong key, type or value is a :class:`ConfigError`
naming the file, the line and what was expected; unknown keys are errors, not
ignored, because a misspelt setting silently falling back to its default is
exactly the failure a team under stress will not notice.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING, Any

from incident_kit.basics.patterns import LazyPattern
from incident_kit.settings.defaults import DEFAULT_VIDEO_HOSTS


def _lazy(name: str) -> ModuleType:
    """The module `name`, loaded on its first attribute use (the standard library's LazyLoader recipe): a run
    without a settings file never reads YAML, and importing yaml cost every event process about 10 ms (#16)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


if TYPE_CHECKING:
    import yaml
else:
    yaml = _lazy("yaml")

DEFAULT_PATH = ".github/incident-kit.yml"


class ConfigError(ValueError):
    """A setting is wrong; the message says where and what was expected."""


@dataclass(frozen=True)
class Labels:
    incident: str = "incident"
    not_incident: str = "not-incident"
    improvement: str = "incident-improvement"
    needs_video: str = "needs-video"

    @property
    def all(self) -> tuple[str, ...]:
        return (self.incident, self.not_incident, self.improvement, self.needs_video)


@dataclass(frozen=True)
class VideoSettings:
    mode: str = "require"  # require | warn | off
    hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS


@dataclass(frozen=True)
class ReportSettings:
    path: str = "incidents/{year}/{number}-{slug}.pdf"
    branch: str = ""  # "" means the repository's default branch


@dataclass(frozen=True)
class PostmortemSettings:
    propose: bool = True
    hour: int = 10  # proposed start hour, in ``timezone``
    within_days: int = 5  # look this many working days ahead for a slot
    holidays: tuple[date, ...] = ()
    organizer: str = ""
    ics_path: str = "incidents/{year}/{number}/postmortem.ics"


@dataclass(frozen=True)
class WeeklySettings:
    close_when_done: bool = True
    quiet_days: tuple[str, ...] = ()  # weekday names on which no reminder is posted
    sections: tuple[str, ...] = ()  # top-level sections whose boxes count; empty means all
    digest_issue: bool = False
    # ---- weekly (issue #6)
    state_path: str = "incidents/.incident-kit-weekly.json"  # the scan's own state, committed on report.branch
    digest_label: str = "incident-digest"  # marks the rolling digest issue (with the bot as its author)
    overdue_days: int = 30  # a follow-up issue open longer than this is overdue in the digest
    # issue #17: the incident template the weekly check looks at for "Update incident issue template"
    template_path: str = ".github/ISSUE_TEMPLATE/incident.md"


# ---- notify (issue #8): Slack and e-mail settings; the secrets come from the action's inputs.


@dataclass(frozen=True)
class SlackSettings:
    call_link: str = ""  # the Slack call people join ("join the call" button); "" shows none
    mention: str = ""  # written by the team, so trusted: <!here>, <!subteam^S0123ABC>, <@U0123ABC>


@dataclass(frozen=True)
class EmailSettings:
    sender: str = ""  # the "from" setting; required when the section is there
    host: str = ""  # required when the section is there
    port: int = 0  # 0: the usual port for ``security`` (587 starttls, 465 tls, 25 none)
    security: str = "starttls"  # starttls | tls | none
    announcement_prefix: str = "Announcement:"
    to: tuple[str, ...] = ()  # as written: addresses and handles; empty means ``stakeholders``
    # Filled in by parse_config from ``to`` (or ``stakeholders``) and ``people``:
    recipients: tuple[tuple[str, str], ...] = ()  # (address, shown as): "@alice" or the address
    names: tuple[tuple[str, str], ...] = ()  # (address, "@handle") for everyone in ``people``
    unresolved: tuple[str, ...] = ()  # stakeholder handles without an address (told, not dropped)


@dataclass(frozen=True)
class NotifySettings:
    slack: SlackSettings | None = None  # None: nothing goes to Slack
    email: EmailSettings | None = None  # None: no e-mail


# ---- end notify


@dataclass(frozen=True)
class Config:
    labels: Labels = field(default_factory=Labels)
    engineers: tuple[str, ...] = ()
    stakeholders: tuple[str, ...] = ()
    # handle or name -> e-mail. Keys are GitHub handles, or the names people write under
    # Attendees (``山田``, ``Yamada Taro``; honorifics such as さん are ignored when matching).
    people: dict[str, str] = field(default_factory=dict)
    video: VideoSettings = field(default_factory=VideoSettings)
    # Added to the built-in vague phrases and patterns (settings.defaults), never replacing them...
    vague_phrases: tuple[str, ...] = ()
    # ... unless the team turns the built-ins off explicitly.
    builtin_vague_phrases: bool = True
    # The team's zone: times written without a zone are read in it, the status comment shows
    # every time in it (and UTC), proposed postmortem hours and quiet days are counted in it.
    timezone: str = "UTC"
    display_timezones: tuple[str, ...] = ()  # more zones to show times in
    tick_boxes: bool = False
    # While investigating, this many minutes without a comment from an investigator adds one line to
    # the status comment naming them (the template: "Investigator comment all information and
    # progress to this issue"); 0 turns the nudge off.
    progress_silence_minutes: int = 30
    report: ReportSettings = field(default_factory=ReportSettings)
    postmortem: PostmortemSettings = field(default_factory=PostmortemSettings)
    weekly: WeeklySettings = field(default_factory=WeeklySettings)
    notify: NotifySettings = field(default_factory=NotifySettings)  # issue #8


# ---------------------------------------------------------------- value parsers
# Each takes a composed YAML node and returns the Python value, or raises _Bad(expected).


class _Bad(Exception):
    def __init__(self, expected: str, node: yaml.Node) -> None:
        super().__init__(expected)
        self.expected = expected
        self.node = node


Parser = Callable[["yaml.Node"], Any]


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise _Bad("a single value", node)
    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except Exception:
        # An explicit tag that does not fit its text (`!!int abc`, `!!timestamp 2026-13-45`,
        # `!!bool maybe`, `!!python/name ...`): a wrong value like any other, not a crash.
        # PyYAML's constructors fail with whatever their parsing raises (ValueError, KeyError,
        # OverflowError, ConstructorError), so every failure here is the value's.
        raise _Bad("a plain value (without a !! tag that does not fit it)", node) from None


def _str(node: yaml.Node) -> str:
    value = _scalar(node)
    if not isinstance(value, str) or not value.strip():
        raise _Bad("a non-empty text", node)
    return value.strip()


def _text(node: yaml.Node) -> str:
    value = _scalar(node)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad("a text", node)
    return value.strip()


def _bool(node: yaml.Node) -> bool:
    value = _scalar(node)
    if not isinstance(value, bool):
        raise _Bad("true or false", node)
    return value


def _int_range(low: int, high: int) -> Parser:
    def parse(node: yaml.Node) -> int:
        value = _scalar(node)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Bad(f"a whole number from {low} to {high}", node)
        return value

    return parse


def _choice(*allowed: str) -> Parser:
    def parse(node: yaml.Node) -> str:
        _scalar(node)
        # The raw text, not the YAML 1.1 value: `mode: off` would otherwise arrive as False.
        value = node.value
        if value not in allowed:
            raise _Bad("one of " + ", ".join(allowed), node)
        return str(value)

    return parse


_HANDLE = LazyPattern(r"^@?[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_EMAIL = LazyPattern(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def _handle(node: yaml.Node) -> str:
    value = _scalar(node)
    if not isinstance(value, str) or not _HANDLE.match(value):
        raise _Bad("a GitHub handle such as @octocat", node)
    return value.lstrip("@")


def _email(node: yaml.Node) -> str:
    value = _scalar(node)
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise _Bad("an e-mail address such as ops@example.com", node)
    return value


def _person(node: yaml.Node) -> str:
    """A key of ``people``: a GitHub handle, or a name as people write it under Attendees."""
    value = _scalar(node)
    if isinstance(value, str) and _HANDLE.match(value):
        return value.lstrip("@")
    if not isinstance(value, str) or not value.strip() or "@" in value or len(value) > 100:
        raise _Bad("a GitHub handle such as @octocat, or a person's name such as 山田 or Yamada Taro", node)
    return " ".join(value.split())


def _handle_or_email(node: yaml.Node) -> str:
    value = _scalar(node)
    if isinstance(value, str) and _EMAIL.match(value):
        return value
    return _handle(node)


def _timezone(node: yaml.Node) -> str:
    value = _str(node)
    import zoneinfo  # deferred: only configs that name a zone pay for the tz database

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder of zones
        raise _Bad("an IANA time zone such as UTC, Asia/Tokyo or Europe/Berlin", node) from None
    return value


def _date(node: yaml.Node) -> date:
    value = _scalar(node)
    if not isinstance(value, date):
        raise _Bad("a date written YYYY-MM-DD", node)
    return value


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(node: yaml.Node) -> str:
    value = _scalar(node)
    if not isinstance(value, str) or value.lower() not in _WEEKDAYS:
        raise _Bad("a weekday name such as saturday", node)
    return value.lower()


def _host(node: yaml.Node) -> str:
    value = _str(node).lower()
    if not re.match(r"^[a-z0-9.-]+\.[a-z]{2,}$", value):
        raise _Bad("a host name such as loom.com", node)
    return value


def _list(item: Parser) -> Parser:
    def parse(node: yaml.Node) -> tuple[Any, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise _Bad("a list", node)
        return tuple(item(n) for n in node.value)

    return parse


def _map(key: Parser, value: Parser) -> Parser:
    def parse(node: yaml.Node) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise _Bad("a mapping of handle: e-mail", node)
        return {key(k): value(v) for k, v in node.value}

    return parse


def _path_template(node: yaml.Node) -> str:
    value = _str(node)
    parts = value.split("/")
    if (
        value.startswith("/")
        or value.startswith(".github/workflows")
        or "\\" in value
        or any(part in ("", ".", "..") for part in parts)
        or any(not c.isprintable() for c in value)
    ):
        raise _Bad("a relative path inside the repository (no leading /, no .., no empty folder, a file name)", node)
    return value


_PLACEHOLDER = LazyPattern(r"\{([^{}]*)\}")


def _filled_path(*fields: str) -> Parser:
    """A path template whose only ``{...}`` are ``fields``: caught here, at load, rather than as a
    KeyError or ValueError when the first invite or report is committed."""
    names = ["{" + f + "}" for f in fields]
    allowed = ", ".join(names[:-1]) + " and " + names[-1]

    def parse(node: yaml.Node) -> str:
        value = _path_template(node)
        unknown = [m.group(0) for m in _PLACEHOLDER.finditer(value) if m.group(1) not in fields]
        if unknown:
            raise _Bad(f"a path whose placeholders are {allowed} ({unknown[0]} is not one)", node)
        if "{" in _PLACEHOLDER.sub("", value) or "}" in _PLACEHOLDER.sub("", value):
            raise _Bad(f"a path whose only braces are its placeholders {allowed} (a {{ or }} is left open)", node)
        return value

    return parse


# ---------------------------------------------------------------- schema
# setting name -> (dataclass field, parser) ; nested sections -> (dataclass field, cls, schema)

_Schema = dict[str, tuple[str, Any]]

_LABELS: _Schema = {
    "incident": ("incident", _str),
    "not-incident": ("not_incident", _str),
    "improvement": ("improvement", _str),
    "needs-video": ("needs_video", _str),
}
_VIDEO: _Schema = {
    "mode": ("mode", _choice("require", "warn", "off")),
    "allowed-hosts": ("hosts", _list(_host)),
}
_REPORT: _Schema = {
    "path": ("path", _filled_path("year", "month", "day", "number", "slug")),  # render.pdf.report_path fills these
    "branch": ("branch", _text),
}
_POSTMORTEM: _Schema = {
    "propose": ("propose", _bool),
    "hour": ("hour", _int_range(0, 23)),
    "within-days": ("within_days", _int_range(1, 30)),
    "holidays": ("holidays", _list(_date)),
    "organizer": ("organizer", _email),
    "ics-path": ("ics_path", _filled_path("year", "number")),  # plan.invite.ics_path fills these
}
_WEEKLY: _Schema = {
    "close-when-done": ("close_when_done", _bool),
    "quiet-days": ("quiet_days", _list(_weekday)),
    "sections": ("sections", _list(_str)),
    "digest-issue": ("digest_issue", _bool),
    # ---- weekly (issue #6)
    "state-path": ("state_path", _path_template),
    "digest-label": ("digest_label", _str),
    "overdue-days": ("overdue_days", _int_range(1, 365)),
    "template-path": ("template_path", _path_template),
}
# ---- notify (issue #8)
_SLACK_MENTION = LazyPattern(r"^(?:<!(?:here|channel|everyone)>|<!subteam\^[A-Z0-9]+>|<@[UW][A-Z0-9]+>)$")


def _https_link(node: yaml.Node) -> str:
    value = _str(node)
    if not re.match(r"^https://[^\s<>|]+$", value) or len(value) > 2000:
        raise _Bad("an https:// link such as https://app.slack.com/huddle/T0123ABC/C0456DEF", node)
    return value


def _slack_mention(node: yaml.Node) -> str:
    value = _text(node)
    if any(not _SLACK_MENTION.match(part) for part in value.split()):
        raise _Bad(
            'Slack mentions in Slack\'s own form, such as "<!here>", "<!subteam^S0123ABC>" or "<@U0123ABC>" '
            '("" for none)',
            node,
        )
    return " ".join(value.split())


def _smtp_host(node: yaml.Node) -> str:
    value = _str(node)
    if not re.match(r"^[A-Za-z0-9.:\[\]-]+$", value):
        raise _Bad("a host name such as smtp.example.com", node)
    return value


_SLACK: _Schema = {"call-link": ("call_link", _https_link), "mention": ("mention", _slack_mention)}
_EMAIL_SETTINGS: _Schema = {
    "from": ("sender", _email),
    "host": ("host", _smtp_host),
    "port": ("port", _int_range(1, 65535)),
    "security": ("security", _choice("starttls", "tls", "none")),
    "announcement-prefix": ("announcement_prefix", _str),
    "to": ("to", _list(_handle_or_email)),
}
_NOTIFY: _Schema = {
    "slack": ("slack", (SlackSettings, _SLACK)),
    "email": ("email", (EmailSettings, _EMAIL_SETTINGS)),
}
# ---- end notify
_TOP: _Schema = {
    "labels": ("labels", (Labels, _LABELS)),
    "engineers": ("engineers", _list(_handle)),
    "stakeholders": ("stakeholders", _list(_handle_or_email)),
    "people": ("people", _map(_person, _email)),
    "video": ("video", (VideoSettings, _VIDEO)),
    "vague-phrases": ("vague_phrases", _list(_str)),
    "builtin-vague-phrases": ("builtin_vague_phrases", _bool),
    "timezone": ("timezone", _timezone),
    "display-timezones": ("display_timezones", _list(_timezone)),
    "tick-boxes": ("tick_boxes", _bool),
    "progress-silence-minutes": ("progress_silence_minutes", _int_range(0, 1440)),
    "report": ("report", (ReportSettings, _REPORT)),
    "postmortem": ("postmortem", (PostmortemSettings, _POSTMORTEM)),
    "weekly": ("weekly", (WeeklySettings, _WEEKLY)),
    "notify": ("notify", (NotifySettings, _NOTIFY)),  # issue #8
}


def _did_you_mean(key: str, schema: _Schema, where: str) -> str:
    """A likely meant setting for a misspelt or misplaced ``key``, as the start of the message."""
    import difflib  # only on this error path: the event path never loads it

    close = difflib.get_close_matches(key.lower(), list(schema), n=1, cutoff=0.7)
    if close:
        return f"did you mean '{where}{close[0]}'? "
    # Written at the wrong level, e.g. `template-path:` at the top instead of under `weekly:`.
    homes = [path for path in _paths(_TOP, "") if path.rsplit(".", 1)[-1] == key]
    if homes:
        section = homes[0].rsplit(".", 1)[0]
        return f"did you mean '{homes[0]}' (under '{section}:')? "
    return ""


def _paths(schema: _Schema, where: str) -> list[str]:
    out: list[str] = []
    for key, (_name, spec) in schema.items():
        out.append(f"{where}{key}")
        if isinstance(spec, tuple):
            out += _paths(spec[1], f"{where}{key}.")
    return out


def _build(node: yaml.Node, cls: type, schema: _Schema, where: str, source: str) -> Any:
    if not isinstance(node, yaml.MappingNode):
        raise _Bad("a mapping of settings", node)
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in schema:
            known = ", ".join(schema)
            raise ConfigError(
                f"{source}:{key_node.start_mark.line + 1}: unknown setting '{where}{key}'; "
                f"{_did_you_mean(str(key), schema, where)}the settings here are: {known}"
            )
        name, spec = schema[key]
        if name in values:
            raise ConfigError(f"{source}:{key_node.start_mark.line + 1}: '{where}{key}' is set twice")
        try:
            if isinstance(spec, tuple):
                sub_cls, sub_schema = spec
                values[name] = _build(value_node, sub_cls, sub_schema, f"{where}{key}.", source)
            else:
                values[name] = spec(value_node)
        except _Bad as bad:
            raise ConfigError(
                f"{source}:{bad.node.start_mark.line + 1}: '{where}{key}' must be {bad.expected}"
            ) from None
    return cls(**values)


MAX_DEPTH = 20  # the settings nest four levels; this leaves room and keeps far from Python's recursion limit


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """The loader class, made on first use: subclassing yaml.SafeLoader at import would load yaml (#16)."""

    class _Loader(yaml.SafeLoader):
        """The safe loader, refusing nesting deeper than MAX_DEPTH while it composes: PyYAML composes
        recursively, so a 5,000-deep list would otherwise end in a RecursionError."""

        _depth = 0

        def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise _TooDeep(self.peek_event().start_mark.line + 1)  # type: ignore[no-untyped-call]
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return _Loader


def parse_config(text: str, source: str = DEFAULT_PATH) -> Config:
    """Validate a config file's text. An empty file means every default."""
    try:
        loader = _loader()(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _TooDeep as deep:
        raise ConfigError(
            f"{source}:{deep.line}: lists or mappings nested more than {MAX_DEPTH} levels deep; "
            "the settings need four at most"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{source}{line}: not valid YAML ({problem}); check indentation and quoting") from None
    if node is None:
        return Config()
    try:
        config: Config = _build(node, Config, _TOP, "", source)
    except _Bad as bad:
        raise ConfigError(f"{source}:{bad.node.start_mark.line + 1}: the file must be {bad.expected}") from None
    return _resolve_notify(config, node, source)  # issue #8


# ---- notify (issue #8): checks that span settings, and handles resolved to addresses once, here


def _key_node(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None


def _resolve_notify(config: Config, node: yaml.Node, source: str) -> Config:
    """``notify.email`` needs a server and a sender, and every handle in ``to`` an address."""
    from dataclasses import replace

    email = config.notify.email
    if email is None:
        return config
    section = _key_node(node, "notify")
    found = _key_node(section[1] if section else None, "email")
    if found is None:  # cannot happen: the section was parsed from these nodes
        return config
    email_key, email_node = found
    missing = [name for name, value in (("host", email.host), ("from", email.sender)) if not value]
    if missing:
        raise ConfigError(
            f"{source}:{email_key.start_mark.line + 1}: 'notify.email' needs {' and '.join(missing)}: "
            "the SMTP server's host name and the address the mail comes from"
        )
    people = {handle.lower(): address for handle, address in config.people.items()}
    to_node = _key_node(email_node, "to")
    recipients: dict[str, tuple[str, str]] = {}
    unresolved: list[str] = []
    for index, entry in enumerate(email.to or config.stakeholders):
        if "@" in entry:
            recipients.setdefault(entry.lower(), (entry, entry))
        elif entry.lower() in people:
            recipients.setdefault(people[entry.lower()].lower(), (people[entry.lower()], f"@{entry}"))
        elif email.to and to_node is not None and isinstance(to_node[1], yaml.SequenceNode):
            # Named on purpose under notify.email.to: a silent skip would leave someone untold.
            line = to_node[1].value[index].start_mark.line + 1
            raise ConfigError(
                f"{source}:{line}: 'notify.email.to' names @{entry}, who has no address under 'people': "
                f"add `{entry}: name@example.com` there, or write the address itself"
            )
        else:
            unresolved.append(entry)
    names = tuple((address.lower(), f"@{who}" if _HANDLE.match(who) else who) for who, address in config.people.items())
    resolved = replace(email, recipients=tuple(recipients.values()), names=names, unresolved=tuple(unresolved))
    return replace(config, notify=replace(config.notify, email=resolved))


# ---- end notify


def load_config(path: str | None) -> Config:
    """Read a config file from disk; a missing file at the default path means defaults."""
    from pathlib import Path

    if path is None:
        return Config()
    p = Path(path)
    if not p.exists():
        if path == DEFAULT_PATH:
            return Config()
        raise ConfigError(f"{path}: no such file; pass --config with the path of your incident-kit.yml")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc}); it must be a UTF-8 YAML file") from None
    return parse_config(decode_settings(data, str(path)), str(path))


# Encodings a settings file saved by mistake is likely in, tried in this order (teams write Japanese).
_LIKELY_ENCODINGS = (("cp932", "Shift_JIS"), ("euc_jp", "EUC-JP"), ("gb18030", "GBK"), ("cp1252", "Windows-1252"))


def decode_settings(data: bytes, source: str = DEFAULT_PATH) -> str:
    """The settings file's text; anything but UTF-8 text is a :class:`ConfigError` that names the fix.

    Read as anything else, a Shift_JIS file turns into labels of replacement characters
    without a word, so the bytes are checked here and never decoded with ``errors="replace"``.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{source}: the file is saved as UTF-16; save it as UTF-8 (without BOM) instead")
    if b"\x00" in data:
        raise ConfigError(f"{source}: the file holds binary data, not text; it must be a YAML text file saved as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        scored = [(_readable(data, codec), -i, name) for i, (codec, name) in enumerate(_LIKELY_ENCODINGS)]
        fits = [(score, order, name) for score, order, name in scored if score is not None]
        guess = max(fits)[2] if fits else None
        looks = f" (it looks like {guess})" if guess else ""
        raise ConfigError(
            f"{source}:{line}: the file is not UTF-8{looks}; save it as UTF-8, e.g. in VS Code with "
            "'Save with Encoding' > UTF-8"
        ) from None


def _readable(data: bytes, codec: str) -> int | None:
    """How much reads as CJK words under ``codec`` (None: not that codec at all). Short Japanese
    text decodes as both Shift_JIS and EUC-JP; read the wrong way it turns into half-width kana."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    words = sum(1 for c in text if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff")
    return words - sum(1 for c in text if "\uff61" <= c <= "\uff9f")
