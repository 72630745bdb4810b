"""The template's sections: their canonical keys and how to recognise their headings.

The postmortem meeting's headings may be written in Japanese (``##### 良かった点 (10分)``,
``###### ブレインストーミング (20分)``): the template leaves their wording to the team.

Headings are matched loosely on purpose: bodies written from the user's
original template (``## Problemt``, ``### Video of incidet (MUST attach)``,
``### Where is bug?``) must read the same as bodies from the corrected one, and
people retitle headings under stress.
"""

from __future__ import annotations

import re

from incident_kit.body.text import fold

# Order matters only for readability; each pattern is tried against the heading text.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern, re.IGNORECASE))
    for key, pattern in (
        ("report", r"^how to report"),
        ("resolve", r"^how to resolve"),
        ("video", r"video of (the )?incid"),
        ("problem", r"^problem"),
        ("record", r"^records?\b"),
        ("timeline", r"^time ?line"),
        ("where-is-bug", r"^where is (the )?bug"),
        ("first-aid", r"^first[ -]?aid"),
        ("people-affected", r"^how many (people|users)"),
        ("postmortem", r"^post[ -]?mortem\s*$"),
        ("postmortem-datetime", r"^date ?(and )?time"),
        ("attendees", r"^attendees"),
        ("agenda", r"^agenda|^(?:アジェンダ|議題|議事)"),
        ("pm-starting", r"^starting\b|^(?:はじめに|開始|導入|オープニング)"),
        ("good-points", r"good points?\b|(?:良かった|よかった|良い)(?:点|こと)"),
        ("root-problem", r"^root problem|^根本(?:原因|的な問題|問題)"),
        ("workflow-problem", r"^workflow problem|^(?:ワークフロー|業務フロー)(?:の)?(?:問題|課題)"),
        ("incident-mode", r"^incident mode|^インシデントモード"),
        ("brainstorming", r"^brain ?storm|^ブレ(?:イン)?スト"),
        ("action-items", r"^discuss and create action items|^(?:議論|話し合)(?:して|い)?.*アクションアイテム"),
        ("closing", r"^closing\b|^(?:クロージング|まとめ|終わりに)"),
    )
)

# Sections every incident body should have, with the heading a person should add back.
REQUIRED: dict[str, str] = {
    "resolve": "## How to resolve the incident",
    "problem": "## Problem",
    "video": "### Video of incident (MUST attach)",
    "record": "## Record",
    "timeline": "### Timeline(UTC)",
    "where-is-bug": "### Where is the bug?",
    "first-aid": "### First aid",
    "people-affected": "### How many people were affected?",
    "postmortem": "### Postmortem",
    "postmortem-datetime": "#### Datetime(UTC)",
    "attendees": "#### Attendees",
    "action-items": "###### Discuss and create action items and issues",
    "closing": "##### Closing (10min)",
}

# Topics of the three "Discuss and create action items" headings, by their parent heading.
TOPICS = ("root-problem", "workflow-problem", "incident-mode")


def section_key(heading: str) -> str | None:
    """The canonical key of a heading, or None for a heading the template does not have."""
    text = fold(heading).strip()  # "## Ｒｅｃｏｒｄ" typed full-width is still the Record heading
    for key, pattern in _PATTERNS:
        if pattern.search(text):
            return key
    return None
