"""Edits a person makes to an incident body in the web UI, as plain string functions.

The demo walks an incident through its life with these, and the tests build
their bodies with them, so both exercise bodies the way people write them:
answers typed over ``TODO(y/n)``, boxes ticked, handles typed after a role,
a video URL dropped under its heading, slots of the timeline filled in.
Each function returns a new body; none of them is used on a real issue (humans
own the body).
"""

from __future__ import annotations

import re


def answer(body: str, question: str, text: str, *, tick: bool = False) -> str:
    """Write ``text`` over the ``TODO(y/n)`` of the triage line containing ``question``."""

    def repl(m: re.Match[str]) -> str:
        box = "[x]" if tick else m.group(1)
        return f"- {box} {m.group(2)}{text}"

    pattern = re.compile(r"- (\[[ xX]\]) ([^\n]*" + re.escape(question) + r"[^\n]*?: ?)TODO\(y/n\)")
    return pattern.sub(repl, body, count=1)


def tick(body: str, text: str, *, count: int = 0, mark: str = "x") -> str:
    """Tick the task items whose text starts with ``text`` (all of them when count is 0)."""
    pattern = re.compile(r"^(\s*[-*+] )\[ \]( " + re.escape(text) + ")", re.M)
    return pattern.sub(lambda m: f"{m.group(1)}[{mark}]{m.group(2)}", body, count=count)


def untick(body: str, text: str) -> str:
    pattern = re.compile(r"^(\s*[-*+] )\[[xX]\]( " + re.escape(text) + ")", re.M)
    return pattern.sub(lambda m: f"{m.group(1)}[ ]{m.group(2)}", body)


def set_role(body: str, role: str, *handles: str) -> str:
    """Replace the ``TODO`` after a role (``Investigator``, ``Communicator``, ``Recorder``)."""
    names = " ".join("@" + h.lstrip("@") for h in handles)
    pattern = re.compile(r"^(\s*[-*+] \[[ xX]\] " + re.escape(role) + r"[^\n]*?: ?)TODO\s*$", re.M)
    return pattern.sub(lambda m: m.group(1) + names, body, count=1)


def add_under(body: str, heading_pattern: str, text: str) -> str:
    """Insert ``text`` as new lines right below the first heading matching the pattern."""
    m = re.search(r"^#+ [^\n]*" + heading_pattern + r"[^\n]*\n", body, re.M | re.I)
    if not m:
        return body + "\n" + text + "\n"
    return body[: m.end()] + text + "\n" + body[m.end() :]


def attach_video(body: str, url: str) -> str:
    """Drop a video under "Video of incident" the way GitHub's uploader does: a bare URL line."""
    return add_under(body, r"video of incid", "\n" + url + "\n")


def fill_slot(body: str, slot_text: str, stamp: str, rest: str | None = None) -> str:
    """Fill the timeline slot whose text starts with ``slot_text`` with a stamp (``MM/DD HH:MM``)."""
    pattern = re.compile(r"^- xx/xx xx:xx: (" + re.escape(slot_text) + r"[^\n]*)$", re.M)
    return pattern.sub(lambda m: f"- {stamp}: {rest if rest is not None else m.group(1)}", body, count=1)


def fill_field(body: str, heading_pattern: str, text: str) -> str:
    """Replace the ``- TODO`` under a record heading (Where is the bug?, First aid, ...)."""
    m = re.search(r"^#+ [^\n]*" + heading_pattern + r"[^\n]*\n(\s*)- TODO\n", body, re.M | re.I)
    if not m:
        return body
    start = m.end() - len("- TODO\n")
    return body[:start] + "- " + text + "\n" + body[m.end() :]


def set_postmortem(body: str, when: str) -> str:
    """Write the postmortem's date over the Datetime(UTC) placeholder (or the previous date)."""
    return re.sub(
        r"(^#+ Date ?time[^\n]*\n)[^\n#]*\n",
        lambda m: m.group(1) + when + "\n",
        body,
        count=1,
        flags=re.M | re.I,
    )


def set_action_item(body: str, topic_pattern: str, text: str, *, checked: bool = False) -> str:
    """Replace the ``- [ ] ...TODO...`` placeholder of one topic's action items."""
    m = re.search(r"^#+ [^\n]*" + topic_pattern + r"[^\n]*\n", body, re.M | re.I)
    if not m:
        return body
    placeholder = re.compile(r"^- \[ \] \.\.\.TODO\.\.\.$", re.M)
    p = placeholder.search(body, m.end())
    if not p:
        return body
    box = "[x]" if checked else "[ ]"
    return body[: p.start()] + f"- {box} {text}" + body[p.end() :]


def set_notes(body: str, heading_pattern: str, text: str) -> str:
    """Replace the ``- ...TODO...`` placeholder of good points (``"good point"``) or of one topic's
    brainstorming (``"Root problem"``): the first bare placeholder after the matching heading."""
    m = re.search(r"^#+ [^\n]*" + heading_pattern + r"[^\n]*\n", body, re.M | re.I)
    if not m:
        return body
    p = re.compile(r"^- \.\.\.TODO\.\.\.$", re.M).search(body, m.end())
    if not p:
        return body
    return body[: p.start()] + f"- {text}" + body[p.end() :]


def set_meeting_role(body: str, role: str, *handles: str, tick: bool = True) -> str:
    """Name a postmortem role on its box ("- [ ] Facilitator" becomes "- [x] Facilitator: @alice")."""
    names = " ".join("@" + h.lstrip("@") for h in handles)
    pattern = re.compile(r"^(\s*[-*+] )\[[ xX]\] (" + re.escape(role) + r"\b[^\n]*?)\s*$", re.M)
    box = "[x]" if tick else "[ ]"
    return pattern.sub(lambda m: f"{m.group(1)}{box} {m.group(2)}: {names}", body, count=1)
