"""Triage: the template's three yes/no questions and the incident decision.

"If one or more is yes, then this problem is an incident." People answer by
replacing ``TODO(y/n)`` with ``y``/``yes``/``n``/``no`` (any case, or
``はい``/``いいえ``), by ticking the box, or both. A written answer wins; with no
written answer a ticked box means yes; a ticked box with a written no is a
conflict the team must settle.
"""

from __future__ import annotations

import re

from incident_kit.body.model import Answer, ListItem, TriageQuestion

# key, label shown to people, pattern that recognises the question's text
QUESTIONS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("users-affected", "More than 50% of users affected?", re.compile(r"50\s*%|most users", re.I)),
    ("data-corrupting", "Is our data corrupting?", re.compile(r"corrupt", re.I)),
    ("under-attack", "Under attack by malicious people?", re.compile(r"attack|malicious", re.I)),
)

_PARENT = re.compile(r"incident or not|is an incident|decide whether|decide this", re.I)
_TODO = re.compile(r"TODO\s*(\(\s*y\s*/\s*n\s*\))?", re.I)
_YES = re.compile(r"^(y|yes|yep|はい|true)(?![a-z])", re.I)
_NO = re.compile(r"^(n|no|nope|いいえ|false)(?![a-z])", re.I)


def parse_triage(items: tuple[ListItem, ...]) -> tuple[TriageQuestion, ...]:
    """Find the three questions among the list items and read each one's answer."""
    candidates = [i for i in items if _is_candidate(i)]
    out: list[TriageQuestion] = []
    for key, label, pattern in QUESTIONS:
        item = next((i for i in candidates if pattern.search(_question_part(i.text))), None)
        if item is None:
            out.append(TriageQuestion(key, label, False, None, Answer.UNANSWERED, False, None))
            continue
        written = written_answer(item.text)
        answer = _read(written)
        conflict = item.checked and answer is Answer.NO
        if answer is Answer.UNANSWERED and item.checked:
            answer = Answer.YES
        out.append(TriageQuestion(key, label, item.checked, written, answer, conflict, item.line))
    return tuple(out)


def _is_candidate(item: ListItem) -> bool:
    if "(y/n)" in item.text.replace(" ", "").lower():
        return True
    if item.parent_text and _PARENT.search(item.parent_text):
        return True
    return item.section == "resolve" and "?" in item.text


def _question_part(text: str) -> str:
    return text.split("?", 1)[0] if "?" in text else text


def written_answer(text: str) -> str | None:
    """What a person wrote after the question, without the ``TODO(y/n)`` slot; None if nothing."""
    if "?" in text:
        rest = text.split("?", 1)[1]
    elif ":" in text:
        rest = text.rsplit(":", 1)[1]
    else:
        return None
    rest = _TODO.sub(" ", rest).strip().lstrip(":：").strip()
    return rest or None


def _read(written: str | None) -> Answer:
    if not written:
        return Answer.UNANSWERED
    token = written.strip(" *_`\"'()[]")
    if _YES.match(token):
        return Answer.YES
    if _NO.match(token):
        return Answer.NO
    return Answer.UNANSWERED
