"""Roles: the Investigator(s), the Communicator and the Recorder named in the body.

A role is filled by ``@handle`` mentions on its line (``＠handle`` typed on a Japanese
keyboard reads the same: texts are NFKC-folded first). Investigators may be one or
more people; the Communicator and the Recorder are exactly one each.

The postmortem's Attendees are read here too: people write ``@handles``, e-mail
addresses and plain names (``山田さん``, ``Suzuki``), several to a line.
:func:`attendees` reads them and :func:`address_of` finds each one's address (an
e-mail as written, a handle or a name through the ``people:`` setting).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from incident_kit.basics.patterns import LazyPattern
from incident_kit.basics.roles import ROLE_NAMES, ROLE_ORDER
from incident_kit.body.model import Attendee, ListItem, Role
from incident_kit.body.text import fold

# (key, label, the line that names it: "Investigator: @a", "Investigators - @a @b", case-insensitive)
ROLES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (key, ROLE_NAMES[key], re.compile(rf"^{key}s?\b", re.I)) for key in ROLE_ORDER
)

# GitHub logins: alphanumerics and single hyphens, at most 39 characters. The look-behind
# keeps e-mail addresses (a@b.com) and paths out.
HANDLE = re.compile(r"(?<![\w@/.`])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w-])")


def handles(text: str) -> tuple[str, ...]:
    """The distinct @handles in a text, in order, without the ``@``."""
    seen: dict[str, None] = {}
    for m in HANDLE.finditer(fold(text)):
        seen.setdefault(m.group(1), None)
    return tuple(seen)


def parse_roles(items: tuple[ListItem, ...]) -> tuple[Role, ...]:
    out: list[Role] = []
    for key, label, pattern in ROLES:
        # Postmortem roles (Facilitator, Writer...) live elsewhere; prefer the resolve section.
        matches = [i for i in items if pattern.match(fold(i.text).lstrip())]
        item = next((i for i in matches if i.section == "resolve"), matches[0] if matches else None)
        if item is None:
            out.append(Role(key, label, (), False, None))
        else:
            written = pattern.sub("", fold(item.text).lstrip(), count=1)
            out.append(Role(key, label, handles(item.text), item.checked, item.line, plain_names(written)))
    return tuple(out)


EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Honorifics people add to names; a name is looked up without them. Romanised ones only after a
# hyphen or a space ("Tanaka-san", "Tanaka san"), so "Hassan" and "Kohshi" keep their endings;
# English titles only before a name ("Mr. Tanaka", "Dr Suzuki").
_HONORIFICS = LazyPattern(
    r"(?:さん|さま|様|氏|くん|君|ちゃん|殿|先生"
    r"|[-‐‑–\s]+(?:san|sama|kun|chan|sensei|senpai|sempai|dono))$",
    re.I,
)
_TITLES = LazyPattern(r"^(?:mr|mrs|ms|mx|miss|dr|prof)\.?\s+(?=\S)", re.I)
# "山田さんと鈴木様": と after an honorific joins two names (a name such as 大和田 keeps its と only when bare).
_SEPARATORS = re.compile(
    r"[,、，;；/／・]|\s+and\s+|\s+と\s*|(?:(?<=さん)|(?<=さま)|(?<=様)|(?<=君)|(?<=くん)|(?<=ちゃん)|(?<=氏)|(?<=殿)|(?<=先生))と"
)
_NOT_A_NAME = LazyPattern(r"^(?:x+|\.+|…|todo|tbd|未定|-+|\?+)$", re.I)


def without_honorific(name: str) -> str:
    """A name as written, without an honorific or title: "Tanaka-san", "Mr. Tanaka", "田中さん" -> "Tanaka", "田中"."""
    bare = _TITLES.sub("", _HONORIFICS.sub("", name.strip()).strip()).strip()
    return bare or name.strip()


def name_key(name: str) -> str:
    """How a name is compared: folded, lower case, without spaces or an honorific."""
    folded = " ".join(fold(name).split())
    return "".join(without_honorific(folded).split()).lower()


def not_invitable(invitees: tuple[Attendee, ...], people: Mapping[str, str]) -> tuple[Attendee, ...]:
    """The Attendees nobody can send the invite to: ``check``, the status comment and ``invite`` all list these."""
    return tuple(a for a in invitees if address_of(a, people) is None)


def attendees(lines: tuple[tuple[int, str], ...]) -> tuple[Attendee, ...]:
    """Everyone named under Attendees: (line, text) pairs of its list items."""
    out: dict[tuple[str, str], Attendee] = {}
    for number, text in lines:
        folded = fold(text)
        for address in EMAIL.findall(folded):
            out.setdefault(("email", address.lower()), Attendee("email", address, address, number))
        for handle in handles(folded):
            out.setdefault(("handle", handle.lower()), Attendee("handle", handle, "@" + handle, number))
        for name in plain_names(folded):
            out.setdefault(("name", name_key(name)), Attendee("name", without_honorific(name), name, number))
    return tuple(out.values())


def plain_names(text: str) -> tuple[str, ...]:
    """The names a line writes that are neither @handles nor e-mail addresses, as written, in order."""
    rest = HANDLE.sub(" ", EMAIL.sub(" ", fold(text)))
    rest = re.sub(r"[(（][^)）]*[)）]", " ", rest)  # "(PM)", "（営業）", "(1 person)": a note, not a name
    out: list[str] = []
    for part in _SEPARATORS.split(rest):
        name = " ".join(part.split()).strip(" :-*_`")
        if name and not _NOT_A_NAME.match(name) and any(c.isalpha() for c in name) and name not in out:
            out.append(name)
    return tuple(out)


def address_of(person: Attendee, people: Mapping[str, str]) -> str | None:
    """The e-mail address a person is invited at, or None (say so; never drop them silently)."""
    if person.kind == "email":
        return person.value
    key = person.value.lower() if person.kind == "handle" else name_key(person.value)
    for written, address in people.items():
        if (written.lower() if person.kind == "handle" else name_key(written)) == key:
            return address
    return None
