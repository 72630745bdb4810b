"""Builds the corpus of issue bodies written the way teams write them (tests/corpus/), and its expectations.

Each body is the shipped template filled in by hand-labelled parts: triage answers as people
type them (full-width, placeholders left, ``maybe``, ``○``/``×``), role lines (``＠handle``),
timeline stamps in every time form, postmortem lines, attendees (handles, addresses, names)
and action items (vague in their everyday forms, or concrete changes that mention care), then
written the way the web UI (CRLF) or a phone (trailing spaces, ``*`` bullets, ``[X]``) saves it.
Every expectation below was written by hand for its part; the body's expectations are only
those parts put together (the decision by the template's rule: one yes is an incident, three no
are not). The corpus files are data: regenerate them with

    .venv/bin/python tests/corpus_build.py

and review the diff. ``tests/test_corpus.py`` reads only the files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
CREATED = "2026-11-20T09:00:00Z"

# (as written, ticked, expected answer)
ANSWERS: list[tuple[str, bool, str]] = [
    ("y", False, "yes"),
    ("n", False, "no"),
    ("Yes", False, "yes"),
    ("No", False, "no"),
    ("ｙ", False, "yes"),
    ("Ｎｏ", False, "no"),
    ("はい", False, "yes"),
    ("いいえ", False, "no"),
    ("○", False, "yes"),
    ("×", False, "no"),
    ("true", False, "yes"),
    ("false", False, "no"),
    ("✔", False, "yes"),
    ("y (checkout returns 500 for everyone)", False, "yes"),
    ("はい、全ユーザー", False, "yes"),
    ("n - only admins", False, "no"),
    ("**N**", False, "no"),
    ("TODO(y/n)", False, "unanswered"),
    ("TODO(y/n)", True, "yes"),  # ticked, nothing written: the tick is the answer
    ("y/n", False, "unanswered"),
    ("(y/n)", False, "unanswered"),
    ("yes/no", False, "unanswered"),
    ("maybe", True, "unanswered"),  # a ticked box with a non-answer is not a yes
    ("?", False, "unanswered"),
    ("不明", False, "unanswered"),
    ("n/a", False, "unanswered"),
    ("わからない", True, "unanswered"),
    ("ｎ", False, "no"),
    ("YES!", False, "yes"),
    ("✅", False, "yes"),
]
NON_ANSWERS = {"y/n", "(y/n)", "yes/no", "maybe", "?", "不明", "n/a", "わからない"}

# (role line after "Investigator(should be Engineer, 1 or more person): ", handles)
INVESTIGATORS: list[tuple[str, list[str]]] = [
    ("@taro", ["taro"]),
    ("＠taro ＠hanako", ["taro", "hanako"]),
    ("@taro, @jiro-s", ["taro", "jiro-s"]),
    ("TODO", []),
    ("@taro と @hanako", ["taro", "hanako"]),
    ("＠ｔａｒｏ", ["taro"]),
]
COMMUNICATORS: list[tuple[str, list[str]]] = [("@hanako", ["hanako"]), ("＠hanako", ["hanako"]), ("TODO", [])]
RECORDERS: list[tuple[str, list[str]]] = [("@jiro", ["jiro"]), ("＠jiro ", ["jiro"]), ("TODO", [])]

# (team zone, [(timeline stamp as written, expected UTC or None when it must be a finding)])
TIMELINES: list[tuple[str, list[tuple[str, str | None]]]] = [
    ("UTC", [("11/20 08:10", "2026-11-20T08:10:00Z"), ("11/20 09:52", "2026-11-20T09:52:00Z")]),
    ("UTC", [("11/20 18:52 JST", "2026-11-20T09:52:00Z"), ("11/20 19:30 JST", "2026-11-20T10:30:00Z")]),
    ("UTC", [("2026-11-20 09:52", "2026-11-20T09:52:00Z"), ("2026/11/20 10:05", "2026-11-20T10:05:00Z")]),
    ("UTC", [("１１/２０ ０９：５２", "2026-11-20T09:52:00Z"), ("１１／２０ １０：１５", "2026-11-20T10:15:00Z")]),
    ("UTC", [("11/20 2:45pm", "2026-11-20T14:45:00Z"), ("11/20 3:10 PM", "2026-11-20T15:10:00Z")]),
    ("Asia/Tokyo", [("11/20 18:52", "2026-11-20T09:52:00Z"), ("19:30", "2026-11-20T10:30:00Z")]),
    ("Asia/Tokyo", [("11月20日 18:52", "2026-11-20T09:52:00Z"), ("11月20日 19時半", "2026-11-20T10:30:00Z")]),
    ("UTC", [("11/20 01:00 PST", "2026-11-20T09:00:00Z"), ("11/20 02:00 PDT", "2026-11-20T09:00:00Z")]),
    ("UTC", [("11/20 04:00 EST", "2026-11-20T09:00:00Z"), ("11/20 05:00 EDT", "2026-11-20T09:00:00Z")]),
    ("UTC", [("11/20 10:00 CET", "2026-11-20T09:00:00Z"), ("11/20 11:00 CEST", "2026-11-20T09:00:00Z")]),
    ("UTC", [("11/20 18:00 KST", "2026-11-20T09:00:00Z"), ("11/20 18:30 +09:00", "2026-11-20T09:30:00Z")]),
    ("UTC", [("11/20 01:00 -08:00", "2026-11-20T09:00:00Z"), ("2026-11-20T09:30:00Z", "2026-11-20T09:30:00Z")]),
    (
        "UTC",
        [("11/20 18:00 Asia/Tokyo", "2026-11-20T09:00:00Z"), ("11/20 10:00 Europe/Berlin", "2026-11-20T09:00:00Z")],
    ),
    ("UTC", [("11/20 09:00 CST", None), ("11/20 10:00 UTC", "2026-11-20T10:00:00Z")]),
    ("UTC", [("11/20 14:30 IST", None), ("11/20 10:00 Z", "2026-11-20T10:00:00Z")]),
    ("America/Los_Angeles", [("11/20 1:00am", "2026-11-20T09:00:00Z"), ("11/20 2:15 a.m.", "2026-11-20T10:15:00Z")]),
    ("UTC", [("11/20 午後6時 JST", "2026-11-20T09:00:00Z"), ("2026年11月20日 19:00 JST", "2026-11-20T10:00:00Z")]),
    ("UTC", [("11/20 18:52 (JST)", "2026-11-20T09:52:00Z"), ("11/20 10:00 UTC+9", "2026-11-20T01:00:00Z")]),
    ("UTC", [("11/2x 08:40", None), ("02/30 09:00", None)]),
    ("Europe/Berlin", [("20.11. 10:00", None), ("2026.11.20 10:00", "2026-11-20T09:00:00Z")]),
]

# (team zone, Datetime line, expected start or None, minutes, finding expected)
POSTMORTEMS: list[tuple[str, str, str | None, int, bool]] = [
    ("UTC", "xx/xx xx:xx -  2 hours", None, 120, False),
    ("UTC", "12/03 19:00 JST - 2 hours", "2026-12-03T10:00:00Z", 120, False),
    ("UTC", "2026-12-03 10:00 - 90 min", "2026-12-03T10:00:00Z", 90, False),
    ("Asia/Tokyo", "12/03 19:00 - 21:00", "2026-12-03T10:00:00Z", 120, False),
    ("Asia/Tokyo", "12月3日 19:00〜20:30", "2026-12-03T10:00:00Z", 90, False),
    ("UTC", "12/03 10:00 -08:00 - 1.5 hours", "2026-12-03T18:00:00Z", 90, False),
    ("UTC", "2026/12/03 7pm JST 2時間", "2026-12-03T10:00:00Z", 120, False),
    ("UTC", "12/03 19:00 CST - 2 hours", None, 120, True),
    ("UTC", "１２/０３ １９：００ ＪＳＴ", "2026-12-03T10:00:00Z", 120, False),
    ("UTC", "next Tuesday afternoon", None, 120, True),
    ("America/New_York", "12/03 10am - 12pm", "2026-12-03T15:00:00Z", 120, False),
    ("UTC", "12/03", None, 120, True),
]

# (attendee lines, people setting, names that cannot be invited)
ATTENDEES: list[tuple[list[str], dict[str, str], list[str]]] = [
    (["xxx"], {}, []),
    (["@taro", "@hanako"], {"taro": "taro@example.com", "hanako": "hanako@example.com"}, []),
    (["suzuki@example.com", "＠taro"], {"taro": "taro@example.com"}, []),
    (["山田さん", "@taro"], {"taro": "taro@example.com", "山田": "yamada@example.com"}, []),
    (["山田さん、佐藤様"], {"山田": "yamada@example.com"}, ["佐藤"]),
    (["Yamada Taro (PM)", "@ghost"], {"Yamada Taro": "yt@example.com"}, ["@ghost"]),
    (["@taro, @hanako", "鈴木さん"], {"taro": "t@example.com"}, ["@hanako", "鈴木"]),
]

# (action item, vague)
ACTIONS: list[tuple[str, bool]] = [
    ("気をつけます", True),
    ("本番作業は気を付ける", True),
    ("今後はデプロイ時に気をつけよう", True),
    ("設定変更時は注意します", True),
    ("レビューを徹底します", True),
    ("次回は頑張ります", True),
    ("確認を心がけます", True),
    ("品質を意識します", True),
    ("慎重に作業を進める", True),
    ("Be careful when deploying", True),
    ("Be more cautious with migrations", True),
    ("Don't be careless with config keys", True),
    ("Try harder to catch this in review", True),
    ("Pay more attention to the alerts channel", True),
    ("Everyone should double check before merging", True),
    ("Add a CI lint so reviewers no longer need to be careful about config keys #45", False),
    ("Add a double-check step to the deploy script #13", False),
    ("Add a staging smoke test job before prod deploys #51", False),
    ("デプロイ前にスモークテストを追加する #52", False),
    ("監視アラートを追加して、気をつけるだけにしない #53", False),
    ("Schedule a weekly restore drill #54", False),
    ("Update the issue template with a rollback step #55", False),
    ("Rotate the API key every 90 days owner/repo#56", False),
    ("しっかり確認する", True),
    ("二度と起こさないよう反省する", True),
]


@dataclass
class Case:
    name: str
    answers: list[tuple[str, bool, str]]
    roles: tuple[tuple[str, list[str]], tuple[str, list[str]], tuple[str, list[str]]]
    zone: str
    timeline: list[tuple[str, str | None]]
    postmortem: tuple[str, str | None, int, bool]
    attendees: tuple[list[str], dict[str, str], list[str]]
    actions: list[tuple[str, bool]]
    style: str  # "web" (LF), "crlf", "mobile"
    extra: dict[str, object] = field(default_factory=dict)


TRIAGE_SLOTS = (
    "Do we think more than 50% of users are affected?: ",
    "Is our data corrupting?: ",
    "Are we under attack in unprotected areas by malicious people?: ",
)
ROLE_SLOTS = (
    "Investigator(should be Engineer, 1 or more person): ",
    "Communicator(1 person): ",
    "Recorder(1 person): ",
)


def template() -> str:
    text = (ROOT / "ISSUE_TEMPLATE" / "incident.md").read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1].lstrip("\n") if text.startswith("---\n") else text


def build(case: Case, widen: object = None) -> str:
    """The body for a case. ``widen`` (a function on str) rewrites the typed parts, not the markdown."""

    def w(text: str) -> str:
        return widen(text) if callable(widen) else text  # type: ignore[no-any-return]

    body = template()
    for slot, (written, ticked, _) in zip(TRIAGE_SLOTS, case.answers, strict=True):
        old = f"- [ ] {slot}TODO(y/n)"
        body = body.replace(old, f"- [{'x' if ticked else ' '}] {slot}{w(written)}", 1)
    for slot, (line, _) in zip(ROLE_SLOTS, case.roles, strict=True):
        body = body.replace(f"- [ ] {slot}TODO", f"- [ ] {slot}{w(line)}", 1)
    slots = re.findall(r"^- xx/xx xx:xx: .*$", body, flags=re.M)
    for slot, (stamp, _) in zip(slots, case.timeline, strict=False):
        body = body.replace(slot, slot.replace("xx/xx xx:xx", w(stamp), 1), 1)
    body = body.replace("xx/xx xx:xx -  2 hours", w(case.postmortem[0]), 1)
    lines, _, _ = case.attendees
    body = body.replace("#### Attendees\n- xxx", "#### Attendees\n" + "\n".join(f"- {w(a)}" for a in lines), 1)
    for text, _ in case.actions:
        body = body.replace("- [ ] ...TODO...", f"- [ ] {w(text)}", 1)
    if case.style == "crlf":
        body = body.replace("\n", "\r\n")
    elif case.style == "mobile":
        # The phone app: "*" bullets typed by hand, a capital [X], trailing spaces, a blank line dropped in.
        body = re.sub(r"^- xx/xx", "* xx/xx", body, flags=re.M)
        body = body.replace('- [ ] Remove "incident" label', '- [X] Remove "incident" label')
        body = re.sub(r"(?m)^(#### Attendees)$", r"\1  ", body)
        body = body.replace("\n## Record\n", "\n\n## Record  \n")
    return body


def expected(case: Case) -> dict[str, object]:
    answers = [a for _, _, a in case.answers]
    if "yes" in answers:
        decision = "incident"
    elif answers == ["no", "no", "no"]:
        decision = "not-incident"
    else:
        decision = "undecided"
    findings: dict[str, bool] = {
        "triage-not-an-answer": any(w.strip("*") in NON_ANSWERS for w, _, _ in case.answers),
        "timeline-format": any(t is None for _, t in case.timeline),
        "postmortem-date": case.postmortem[3],
        "attendee-not-invitable": bool(case.attendees[2]),
    }
    findings["action-item-vague"] = any(v for _, v in case.actions)
    return {
        "timezone": case.zone,
        "people": case.attendees[1],
        "decision": decision,
        "triage": answers,
        "roles": {
            "investigator": case.roles[0][1],
            "communicator": case.roles[1][1],
            "recorder": case.roles[2][1],
        },
        "timeline": [t for _, t in case.timeline],
        "postmortem": {"start": case.postmortem[1], "minutes": case.postmortem[2]},
        "uninvitable": case.attendees[2],
        "vague": [text for text, v in case.actions if v],
        "findings": findings,
    }


def _zone_free(line: str) -> bool:
    """A postmortem line whose reading does not depend on the team's zone: a zone written, or no time."""
    return bool(re.search(r"JST|ＪＳＴ|CST|[+-]\d\d:\d\d|^xx|^next|^\d\d/\d\d$", line))


def cases() -> list[Case]:
    out: list[Case] = []
    styles = ("web", "crlf", "mobile")
    n = 100
    for i in range(n):
        answers = [ANSWERS[(i + k * 7) % len(ANSWERS)] for k in range(3)]
        if i % 10 == 4:  # a false alarm: three no, written three ways
            answers = [ANSWERS[1], ANSWERS[(i // 10) % 2 * 4 + 3], ANSWERS[9]]
        roles = (
            INVESTIGATORS[i % len(INVESTIGATORS)],
            COMMUNICATORS[i % len(COMMUNICATORS)],
            RECORDERS[(i // 2) % len(RECORDERS)],
        )
        zone, timeline = TIMELINES[i % len(TIMELINES)]
        pm = POSTMORTEMS[i % len(POSTMORTEMS)]
        if pm[0] != zone and not _zone_free(pm[1]):
            if pm[0] == "UTC":
                pm = POSTMORTEMS[1]  # labelled for UTC: this body's team zone differs, take one with JST written
            else:
                # One team zone per body: a postmortem line that needs its zone wins, and the timeline
                # is left as the template's slots (its stamps were labelled for another zone).
                zone, timeline = pm[0], []
        actions = [ACTIONS[(i * 3 + k) % len(ACTIONS)] for k in range(3)]
        case = Case(
            name=f"{i:03d}",
            answers=answers,
            roles=roles,
            zone=zone,
            timeline=timeline,
            postmortem=pm[1:],
            attendees=ATTENDEES[i % len(ATTENDEES)],
            actions=actions,
            style=styles[i % len(styles)],
        )
        out.append(case)
    return out


def main() -> None:
    (CORPUS / "bodies").mkdir(parents=True, exist_ok=True)
    index = {}
    for case in cases():
        path = CORPUS / "bodies" / f"{case.name}-{case.style}.md"
        path.write_bytes(build(case).encode("utf-8"))
        index[path.name] = expected(case)
    (CORPUS / "expected.json").write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
