"""Triage: the template's three yes/no questions and the incident decision.

"If one or more is yes, then this problem is an incident." People answer by
replacing ``TODO(y/n)`` with an answer, by ticking the box, or both. A written answer
wins; with no written answer a ticked box means yes; a ticked box with a written no
is a conflict the team must settle; a ticked box with a written non-answer (``maybe``)
is not a yes.

The answer grammar (the README documents it): the text after the question, folded
with NFKC (so ``ｙ`` and ``Ｎｏ`` read as ``y`` and ``No``), is read by its first word,
case-insensitively, so ``y (checkout is down for everyone)`` and ``はい、全員`` are answers:

- yes: :data:`YES_WORDS` (``y``, ``yes``, ``はい``, ``○``, ``true``, ``✔`` ...);
- no: :data:`NO_WORDS` (``n``, ``no``, ``いいえ``, ``×``, ``false`` ...);
- anything else is *not an answer*: the placeholders ``y/n``, ``(y/n)``, ``yes/no``,
  ``TODO``, and ``maybe``, ``?``, ``不明``, ``n/a``, ``tbd``. A slash keeps a word
  whole, so ``n/a`` is not read as ``n``.
"""

from __future__ import annotations

import re

from incident_kit.body.model import Answer, ListItem, TriageQuestion
from incident_kit.body.text import fold

# key, label shown to people, pattern that recognises the question's text
QUESTIONS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("users-affected", "More than 50% of users affected?", re.compile(r"50\s*%|most users", re.I)),
    ("data-corrupting", "Is our data corrupting?", re.compile(r"corrupt", re.I)),
    ("under-attack", "Under attack by malicious people?", re.compile(r"attack|malicious", re.I)),
)

_PARENT = re.compile(r"incident or not|is an incident|decide whether|decide this", re.I)
_TODO = re.compile(r"TODO\s*(\(\s*y\s*/\s*n\s*\))?", re.I)
YES_WORDS = frozenset(
    {"y", "yes", "yep", "yeah", "true", "はい", "○", "◯", "〇", "✓", "✔", "✅", "☑", "あり", "有り", "有", "該当"}
)
NO_WORDS = frozenset(
    {"n", "no", "nope", "false", "いいえ", "×", "✕", "✖", "✗", "✘", "❌", "なし", "無し", "無", "非該当", "該当なし"}
)
# The first word: up to white space or punctuation, but not a slash (so "n/a" and "y/n" stay whole).
_FIRST_WORD = re.compile(r"[^\s,、。;:!.(\[「『]+")
_WRAPPERS = " *_~`\"'()[]「」『』"


def parse_triage(items: tuple[ListItem, ...]) -> tuple[TriageQuestion, ...]:
    """Find the three questions among the list items and read each one's answer."""
    candidates = [(i, fold(i.text)) for i in items if _is_candidate(i)]
    out: list[TriageQuestion] = []
    for key, label, pattern in QUESTIONS:
        found = next(((i, t) for i, t in candidates if pattern.search(_question_part(t))), None)
        if found is None:
            out.append(TriageQuestion(key, label, False, None, Answer.UNANSWERED, False, None))
            continue
        item, text = found
        written = written_answer(text)
        answer = read_answer(written)
        conflict = item.checked and answer is Answer.NO
        if answer is Answer.UNANSWERED and item.checked and written is None:
            answer = Answer.YES  # ticked with nothing written; a ticked "maybe" is not a yes
        out.append(TriageQuestion(key, label, item.checked, written, answer, conflict, item.line))
    return tuple(out)


def _is_candidate(item: ListItem) -> bool:
    if "(y/n)" in fold(item.text).replace(" ", "").lower():
        return True
    if item.parent_text and _PARENT.search(item.parent_text):
        return True
    return item.section == "resolve" and "?" in fold(item.text)


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


def read_answer(written: str | None) -> Answer:
    """The answer a written text gives by the grammar above (the text folded already)."""
    if not written:
        return Answer.UNANSWERED
    word = _FIRST_WORD.search(written.replace("\ufe0f", "").strip(_WRAPPERS))
    token = word.group(0).lower().strip(_WRAPPERS) if word else ""
    if token in YES_WORDS:
        return Answer.YES
    if token in NO_WORDS:
        return Answer.NO
    return Answer.UNANSWERED
