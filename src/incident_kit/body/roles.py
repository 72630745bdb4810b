"""Roles: the Investigator(s), the Communicator and the Recorder named in the body.

A role is filled by ``@handle`` mentions on its line. Investigators may be one
or more people; the Communicator and the Recorder are exactly one each.
"""

from __future__ import annotations

import re

from incident_kit.body.model import ListItem, Role

ROLES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("investigator", "Investigator", re.compile(r"^investigators?\b", re.I)),
    ("communicator", "Communicator", re.compile(r"^communicators?\b", re.I)),
    ("recorder", "Recorder", re.compile(r"^recorders?\b", re.I)),
)

# GitHub logins: alphanumerics and single hyphens, at most 39 characters. The look-behind
# keeps e-mail addresses (a@b.com) and paths out.
HANDLE = re.compile(r"(?<![\w@/.`])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w-])")


def handles(text: str) -> tuple[str, ...]:
    """The distinct @handles in a text, in order, without the ``@``."""
    seen: dict[str, None] = {}
    for m in HANDLE.finditer(text):
        seen.setdefault(m.group(1), None)
    return tuple(seen)


def parse_roles(items: tuple[ListItem, ...]) -> tuple[Role, ...]:
    out: list[Role] = []
    for key, label, pattern in ROLES:
        # Postmortem roles (Facilitator, Writer...) live elsewhere; prefer the resolve section.
        matches = [i for i in items if pattern.match(i.text)]
        item = next((i for i in matches if i.section == "resolve"), matches[0] if matches else None)
        if item is None:
            out.append(Role(key, label, (), False, None))
        else:
            out.append(Role(key, label, handles(item.text), item.checked, item.line))
    return tuple(out)
