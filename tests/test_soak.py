"""The soak of issue #13: 200 random faults over 50 runs on 20 issues, then nothing duplicated, nothing lost.

Twenty incident issues written the way teams write them (English and Japanese, outsiders and
maintainers, triage answers, roles, JST timelines, postmortem dates that commit an invite,
action items, one closed as not planned) live in the stateful fake GitHub API. Fifty runs go
through the action's entry point (:func:`incident_kit.entry.action.main`, and the weekly check's
:func:`incident_kit.entry.weekly_action.run_action`) with real PyGithub, a loopback Slack webhook
and a loopback SMTP server. Before each run a seeded RNG injects faults into the fake (5xx, a
502 or a dropped connection after the write was applied, 429 with ``retry-after: 0``, connection
resets, 403/409/422 on content commits, answers slower than the client's timeout); between runs
people edit bodies, tick boxes, change labels and comment, through the API with their own tokens.

Then the faults stop, each issue runs until it settles, and the invariants are checked against
what the receivers got and what the fake holds: every message at most once, every due message
delivered (or held as "may not have been delivered" after a fault between send and record), one
status comment per issue whose state loads without damage, every human text as its author left
it, each invite committed once per version, and a last round of runs that writes nothing.

Derandomised: the seeds are fixed (``SEEDS``); ``SOAK_SEED=1234 pytest tests/test_soak.py`` tries
another by hand, and ``SOAK_ALL=1`` adds the variant with issue runs only. Issue runs use the
wall clock (the entry point reads no clock from the test), so every date in the bodies is written
relative to the time the soak starts.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import github
import pytest
from aiosmtpd.controller import Controller
from fakegithub import FakeGitHub
from ghenv import BOT, REPO, TOKEN, issue_payload, job
from helpers import VIDEO
from test_notify import Inbox, SlackReceiver, free_port, no_proxy, run_webhook_receiver  # noqa: F401  (no_proxy: autouse)

from incident_kit.basics import markers
from incident_kit.body import edits
from incident_kit.entry import action as runner
from incident_kit.entry import gha, resources, weekly_action
from incident_kit.github.rest import GitHubRepository
from incident_kit.plan.bot_state import load
from incident_kit.plan.status import MARKER

SEEDS = (13,)  # one seed in CI (the soak is the suite's longest test); SOAK_SEED tries others
RUNS, ISSUES, FAULTS = 50, 20, 200
JST = timezone(timedelta(hours=9))
SETTINGS = ".github/incident-kit.yml"
TEAM = {"alice": "admin", "bob": "write", "carol": "write", "dave": "write", "tanaka": "write", "sato": "maintain"}
OUTSIDERS = ("mallory", "yamada-guest")
EMAILS = {login: f"{login}@example.com" for login in TEAM}
WEEKLY_RUNS = 4  # of the 50 runs, in the weekly variant


def seeds() -> list[int]:
    chosen = os.environ.get("SOAK_SEED", "").strip()
    return [int(chosen)] if chosen else list(SEEDS)


# ---------------------------------------------------------------- the issues, written by people


@dataclass
class Spec:
    """One incident issue as its team wrote it, and what the test expects of it."""

    title: str
    author: str
    body: str
    labels: tuple[str, ...] = ("incident",)
    confirm: str | None = None  # a maintainer who confirms an outsider's issue by adding the label
    close: str | None = None  # "not_planned": a maintainer closes it (spam, nothing to commit or tell)


def blank() -> str:
    return resources.template_text().split("---\n", 2)[2].lstrip("\n")


def stamp(at: datetime) -> str:
    return at.astimezone(JST).strftime("%m/%d %H:%M")


def english(rng: random.Random, start: datetime, roles: tuple[str, ...]) -> str:
    body = blank()
    body = edits.answer(body, "50%", rng.choice(["y", "yes, checkout is down for everyone", "Y"]))
    body = edits.answer(body, "corrupting", rng.choice(["n", "no", "N (orders are intact)"]))
    body = edits.answer(body, "attack", "n")
    body = edits.set_role(body, "Investigator", roles[0], roles[1])
    body = edits.set_role(body, "Communicator", roles[2])
    body = edits.set_role(body, "Recorder", roles[3])
    body = edits.fill_slot(body, "Start this incident", stamp(start), "Start this incident (JST)")
    body = edits.fill_slot(body, "Find this incident", stamp(start + timedelta(minutes=7)), "Found by a user on X")
    body = edits.fill_slot(
        body, "Create this issue", stamp(start + timedelta(minutes=12)), f"Create this issue by @{roles[0]}"
    )
    return body


def japanese(rng: random.Random, start: datetime, roles: tuple[str, ...]) -> str:
    body = blank()
    body = edits.answer(body, "50%", rng.choice(["はい", "はい、全員", "○"]))
    body = edits.answer(body, "corrupting", rng.choice(["いいえ", "なし", "×"]))
    body = edits.answer(body, "attack", "いいえ")
    body = edits.set_role(body, "Investigator", roles[0])
    body = edits.set_role(body, "Communicator", roles[2])
    body = edits.set_role(body, "Recorder", roles[3])
    body = edits.fill_slot(body, "Start this incident", stamp(start), "決済エラーが発生し始めた")
    body = edits.fill_slot(
        body, "Find this incident", stamp(start + timedelta(minutes=9)), "ユーザーからの問い合わせで発覚"
    )
    body = edits.fill_field(body, "Where is", "決済APIクライアントのタイムアウト設定が0になっていた")
    return body


TITLES_EN = [
    "Checkout returns 502 for every card payment",
    "Login emails are delayed by 40 minutes",
    "Search shows other tenants' drafts",
    "Image uploads fail with 413 on iOS",
    "Nightly billing job charged twice",
    "API latency p99 over 8 s after deploy",
    "Password reset links expire immediately",
]
TITLES_JA = [
    "決済が全件失敗している",
    "ログインできないという問い合わせが多数",
    "管理画面で他社のデータが見える",
    "プッシュ通知が二重に届く",
    "請求書PDFが生成されない",
    "夜間バッチが止まっている",
]


def write_issues(rng: random.Random, now: datetime) -> list[Spec]:
    """Twenty issues: most by the team, three by outsiders (one confirmed, one spam closed as not planned)."""
    people = list(TEAM)
    specs: list[Spec] = []
    for k in range(ISSUES):
        start = now - timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
        roles = tuple(rng.sample(people, 4))
        ja = k % 3 == 1
        body = japanese(rng, start, roles) if ja else english(rng, start, roles)
        title = rng.choice(TITLES_JA if ja else TITLES_EN)
        if k % 4 != 3:
            body = edits.attach_video(body, VIDEO)
        if k % 5 in (0, 2):
            # A postmortem date a few days ahead, in the team's zone: an invite to commit and to send.
            when = (now + timedelta(days=rng.randint(2, 9))).astimezone(JST).replace(hour=15, minute=0)
            body = edits.set_postmortem(body, when.strftime("%Y-%m-%d %H:%M"))
            body = body.replace("- xxx\n", f"- @{roles[0]}\n- @{roles[2]}\n- tanaka@example.com\n", 1)
        if k % 7 == 4:
            body = edits.set_action_item(body, "Root problem", "Reject a zero timeout in the client config #101")
            body = edits.set_action_item(body, "Workflow problem", "CIに設定値のlintを追加する")
        author = people[k % len(people)]
        spec = Spec(title=title, author=author, body=body)
        if k == 5:
            spec = Spec(title=title, author="yamada-guest", body=body, labels=(), confirm="alice")
        elif k == 11:
            spec = Spec(title="Your site is down!!!", author="mallory", body=body, labels=("incident",))
        elif k == 17:
            spam = "BUY CHEAP FOLLOWERS https://example.com/spam\n\n" + body
            spec = Spec(title="URGENT incident", author="mallory", body=spam, close="not_planned")
        specs.append(spec)
    return specs


# ---------------------------------------------------------------- faults


KINDS = (
    # (name, weight)
    ("5xx", 24),
    ("502-after-success", 18),
    ("reset-after-success", 8),
    ("429", 14),
    ("reset", 12),
    ("refused-commit", 14),
    ("timeout", 3),
)


def paths_for(n: int) -> list[tuple[str | None, str, bool]]:
    """(method, path pattern, is a write) of the requests an issue run makes."""
    return [
        ("GET", rf"/issues/{n}$", False),
        ("GET", rf"/issues/{n}/comments$", False),
        ("GET", rf"/issues/{n}/(events|timeline)$", False),
        ("GET", r"/collaborators/[^/]+/permission$", False),
        ("GET", r"/contents/", False),
        ("POST", rf"/issues/{n}/comments$", True),
        ("PATCH", r"/issues/comments/\d+$", True),
        ("POST", rf"/issues/{n}/labels$", True),
        ("DELETE", rf"/issues/{n}/labels/", True),
        ("POST", rf"/issues/{n}/assignees$", True),
        ("PUT", r"/contents/incidents/", True),
        (None, r"^/repos/", False),
    ]


@dataclass
class Faults:
    """Draws the 200 faults from the seeded RNG and keeps count of what they did."""

    rng: random.Random
    drawn: Counter[str] = field(default_factory=Counter)
    hit: Counter[str] = field(default_factory=Counter)
    injected: list[Any] = field(default_factory=list)

    def inject(self, fake: FakeGitHub, n: int | None, count: int) -> None:
        names = [k for k, _ in KINDS]
        weights = [w for _, w in KINDS]
        for _ in range(count):
            kind = self.rng.choices(names, weights)[0]
            if n is None:  # the weekly check: lists, comments, issues, the state file
                method, path = self.rng.choice(
                    [
                        ("GET", r"/issues$"),
                        ("POST", r"/issues/\d+/comments$"),
                        ("POST", r"/issues$"),
                        ("PUT", r"/contents/"),
                        ("GET", r"/contents/"),
                        ("GET", r"/issues/\d+/comments$"),
                        (None, r"^/repos/"),
                    ]
                )
                write = method in ("POST", "PUT")
            else:
                method, path, write = self.rng.choice(paths_for(n))
            if kind in ("502-after-success", "reset-after-success") and not write:
                kind = "5xx"
            if kind == "refused-commit":
                method, path = "PUT", r"/contents/incidents/"
            self.drawn[kind] += 1
            if kind == "5xx":
                f = fake.fault(method, path, status=self.rng.choice([500, 502, 503, 504]))
            elif kind == "502-after-success":
                f = fake.fault(method, path, status=502, after_success=True)
            elif kind == "reset-after-success":
                f = fake.fault(method, path, status=None, reset=True, after_success=True)
            elif kind == "429":
                f = fake.fault(method, path, status=429, headers={"retry-after": "0"})
            elif kind == "reset":
                f = fake.fault(method, path, status=None, reset=True)
            elif kind == "refused-commit":
                status = self.rng.choice([403, 409, 422])
                message = {
                    403: "Resource not accessible by integration",
                    409: "Repository rule violations found\n\nChanges must be made through a pull request.",
                    422: "Repository rule violations found\n\nRequired status check is expected.",
                }[status]
                f = fake.fault(method, path, status=status, body={"message": message, "status": str(status)})
            else:  # timeout: the answer comes after the client gave up (a write is applied all the same)
                f = fake.fault(method, path, status=None, delay=1.3)
            self.injected.append((kind, f))

    def settle(self, fake: FakeGitHub) -> None:
        """The run is over: count what hit, and drop what did not."""
        for kind, f in self.injected:
            if f.hits:
                self.hit[kind] += 1
        self.injected.clear()
        fake.clear_faults()


# ---------------------------------------------------------------- people acting through the API


class People:
    """Each person's own PyGithub client: their edits are real requests, as on github.com."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.clients: dict[str, github.Github] = {}

    def repo(self, login: str) -> Any:
        if login not in self.clients:
            self.fake.add_token(f"{login}-token", login)
            self.clients[login] = github.Github(
                base_url=self.fake.base_url, auth=github.Auth.Token(f"{login}-token"), retry=None
            )
        return self.clients[login].get_repo(REPO)


@dataclass
class Story:
    """What people did to one issue: the test's memory of human text."""

    number: int
    spec: Spec
    body: str
    comments: list[str] = field(default_factory=list)
    trusted: bool = True


SAFE_TICKS = (
    "Research when start this problem",
    "Research haw many users affected",
    "Invite all people concerned",
    "Start investigating",  # no such box: a tick that does nothing, as people also mis-click
)


def human_edit(rng: random.Random, people: People, story: Story, fake: FakeGitHub) -> tuple[str, dict[str, Any]]:
    """One thing a person does on the issue; the event it fires (name, payload)."""
    n = story.number
    login = rng.choice(list(TEAM)) if story.trusted else story.spec.author
    what = rng.choice(["tick", "untick", "body", "comment", "label", "timeline"])
    issue = people.repo(login).get_issue(n)
    if what in ("tick", "untick", "body", "timeline"):
        body = story.body
        if what == "tick":
            body = edits.tick(body, rng.choice(SAFE_TICKS))
        elif what == "untick":
            body = edits.untick(body, rng.choice(SAFE_TICKS))
        elif what == "timeline":
            at = datetime.now(UTC) - timedelta(minutes=rng.randint(5, 90))
            body = edits.fill_slot(body, "Start investigating", stamp(at), f"Start investigating by @{login}")
        else:
            body = body.replace("### First aid\n- TODO", "### First aid\n- 前のリリースにロールバック (rolled back)")
            if body == story.body:
                body = body.rstrip("\n") + f"\n\n<!-- note by {login} -->\n"
        if rng.random() < 0.3:
            body = body.replace("\n", "\r\n")  # saved from the web UI
        previous = story.body
        issue.edit(body=body)
        story.body = body
        return "issues", issue_payload(n, login, "edited", changes={"body": {"from": previous}})
    if what == "comment":
        text = rng.choice(
            [
                "Rolled back to v2024.11.3, error rate is dropping.",
                "ロールバック完了、エラー率は下がっています。",
                "Announcement: Checkout is degraded; we are on it. Next update in 30 minutes.",
                "原因はタイムアウト設定の誤りでした。",
            ]
        )
        comment = issue.create_comment(text)
        story.comments.append(text)
        return "issue_comment", {
            "action": "created",
            "issue": {"number": n},
            "comment": {"id": comment.id, "created_at": comment.created_at.isoformat()},
            "sender": {"login": login},
        }
    label = rng.choice(["sev2", "customer-impact", "障害"])
    if label in [lb.name for lb in issue.labels]:
        issue.remove_from_labels(label)
        return "issues", issue_payload(n, login, "unlabeled", label={"name": label})
    issue.add_to_labels(label)
    return "issues", issue_payload(n, login, "labeled", label={"name": label})


# ---------------------------------------------------------------- the runs


@dataclass
class World:
    fake: FakeGitHub
    hook: SlackReceiver
    inbox: Inbox
    tmp: Path
    runs: int = 0
    codes: Counter[int] = field(default_factory=Counter)

    def env(self, event: str, payload: dict[str, Any]) -> dict[str, str]:
        self.runs += 1
        j = job(self.tmp / f"run{self.runs}", self.fake.base_url, event=event, payload=payload)
        j.env["INCIDENT_KIT_SLACK_WEBHOOK"] = self.hook.url
        return j.env

    def repo(self) -> GitHubRepository:
        # No real sleeping between retries, and a 1 s timeout so a slow answer is a timeout.
        return GitHubRepository(
            REPO, TOKEN, api_url=self.fake.base_url, bot_login=BOT, timeout=1.0, sleep=lambda _s: None
        )

    def issue_run(self, event: str, payload: dict[str, Any]) -> int:
        code = runner.main(self.env(event, payload), repo=self.repo())
        self.codes[code] += 1
        return code

    def weekly_run(self, now: datetime) -> int:
        env = gha.read_env(self.env("schedule", {}))
        code = weekly_action.run_action(env, repo=self.repo(), now=now)
        self.codes[code] += 1
        return code


def settings_text(smtp_port: int) -> str:
    people = "".join(f"  {login}: {mail}\n" for login, mail in EMAILS.items())
    return (
        "timezone: Asia/Tokyo\n"
        f"people:\n{people}"
        "stakeholders: [ceo@example.com, support-lead@example.com]\n"
        "notify:\n"
        "  slack:\n"
        "    call-link: https://example.slack.com/huddle/T0/C0\n"
        "  email:\n"
        "    from: incidents@example.com\n"
        "    host: 127.0.0.1\n"
        f"    port: {smtp_port}\n"
        "    security: none\n"
    )


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with run_webhook_receiver() as hook, FakeGitHub(rate_limit=1_000_000) as fake:
            fake.add_token(TOKEN, BOT)
            fake.add_repo(REPO)
            for login, perm in TEAM.items():
                fake.set_permission(REPO, login, perm)
            for login in OUTSIDERS:
                fake.add_user(login)
            fake.put_file(REPO, SETTINGS, settings_text(port))
            yield World(fake, hook, inbox, tmp_path)
    finally:
        controller.stop()


def open_issues(world: World, rng: random.Random, now: datetime) -> list[Story]:
    stories = []
    for spec in write_issues(rng, now):
        # Opened through the web UI: the template's label comes with it, outsiders' included.
        number = world.fake.create_issue(REPO, spec.title, spec.body, user=spec.author, labels=list(spec.labels))[
            "number"
        ]
        stories.append(Story(number, spec, spec.body, trusted=spec.author in TEAM))
    return stories


def soak(world: World, seed: int, *, weekly: bool) -> tuple[list[Story], Faults]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    stories = open_issues(world, rng, now)
    people = People(world.fake)
    faults = Faults(random.Random(seed * 7919 + 1))
    # Which run is which: every issue is opened (its first run), then edits, comments, confirmations,
    # a spam closed as not planned, and (in the weekly variant) a few weekly checks spread over the rest.
    weekly_slots = set(rng.sample(range(ISSUES + 2, RUNS), WEEKLY_RUNS)) if weekly else set()
    per_run = fault_counts(rng, RUNS, FAULTS)
    for run in range(RUNS):
        if run in weekly_slots:
            faults.inject(world.fake, None, per_run[run])
            world.weekly_run(now + timedelta(minutes=run))
            faults.settle(world.fake)
            continue
        if run < ISSUES:
            story = stories[run]
            event, payload = "issues", issue_payload(story.number, story.spec.author, "opened")
        else:
            story = rng.choice(stories)
            event, payload = act(rng, people, story, world.fake)
        faults.inject(world.fake, story.number, per_run[run])
        world.issue_run(event, payload)
        faults.settle(world.fake)
    return stories, faults


def act(rng: random.Random, people: People, story: Story, fake: FakeGitHub) -> tuple[str, dict[str, Any]]:
    spec = story.spec
    if spec.confirm and not story.trusted:
        people.repo(spec.confirm).get_issue(story.number).add_to_labels("incident")
        story.trusted = True
        return "issues", issue_payload(story.number, spec.confirm, "labeled", label={"name": "incident"})
    if spec.close == "not_planned" and fake.issue(REPO, story.number)["state"] == "open":
        people.repo("sato").get_issue(story.number).edit(state="closed", state_reason="not_planned")
        return "issues", issue_payload(story.number, "sato", "closed")
    return human_edit(rng, people, story, fake)


def fault_counts(rng: random.Random, runs: int, total: int) -> list[int]:
    """``total`` faults spread over ``runs`` runs at random (some runs get none, some many)."""
    counts = [0] * runs
    for _ in range(total):
        counts[rng.randrange(runs)] += 1
    return counts


# ---------------------------------------------------------------- after the faults: settle, then check


def again(story: Story) -> tuple[str, dict[str, Any]]:
    """A run that changes nothing by itself: its author retitles the issue to the same title. (Not
    workflow_dispatch: that asks for the report, a PDF render per issue; not a body edit by a
    maintainer: that would confirm an outsider's issue.)"""
    changes = {"title": {"from": story.spec.title}}
    return "issues", issue_payload(story.number, story.spec.author, "edited", changes=changes)


def settle(world: World, stories: list[Story], *, weekly: bool, now: datetime) -> None:
    for _ in range(2):
        for story in stories:
            world.issue_run(*again(story))
        if weekly:
            world.weekly_run(now)


def slack_deliveries(hook: SlackReceiver) -> Counter[str]:
    return Counter(json.dumps(p, sort_keys=True, ensure_ascii=False) for p in hook.posts)


def mail_text(message: EmailMessage) -> str:
    parts = [p for p in message.walk() if p.get_content_type() in ("text/plain", "text/calendar")]
    return "\n".join(str(p.get_content()) for p in parts)


def mail_deliveries(inbox: Inbox) -> Counter[tuple[str, str, str]]:
    """Each (recipient, subject, content) once: the same mail to the same person twice is a duplicate."""
    out: Counter[tuple[str, str, str]] = Counter()
    for m in inbox.mails:
        digest = hashlib.sha256(mail_text(m.message).encode()).hexdigest()[:16]
        for rcpt in m.rcpt_tos:
            out[(rcpt.lower(), str(m.message["Subject"]), digest)] += 1
    return out


def issue_of_post(post: dict[str, Any]) -> int | None:
    m = re.search(r"octo/app#(\d+)", json.dumps(post, ensure_ascii=False))
    return int(m.group(1)) if m else None


def issue_of_mail(message: EmailMessage) -> int | None:
    m = re.search(r"octo/app#(\d+)|/issues/(\d+)", str(message["Subject"]) + mail_text(message))
    return int(m.group(1) or m.group(2)) if m else None


def status_comments(fake: FakeGitHub, n: int) -> list[dict[str, Any]]:
    return [c for c in fake.comments(REPO, n) if c["user"]["login"] == BOT and MARKER in str(c["body"])]


def check(world: World, stories: list[Story], *, weekly: bool) -> list[str]:
    """Assert the invariants of the issue runs; return what breaks "weekly once" (checked last, see below)."""
    fake = world.fake
    # 1. Nothing told twice: no Slack post and no mail to one person arrived twice.
    posts, mails = slack_deliveries(world.hook), mail_deliveries(world.inbox)
    assert [p for p, k in posts.items() if k > 1] == [], "a Slack message was posted twice"
    assert [m for m, k in mails.items() if k > 1] == [], "a mail went twice to one person"
    for story in stories:
        n, spec = story.number, story.spec
        issue = fake.issue(REPO, n)
        comments = fake.comments(REPO, n)
        mine = status_comments(fake, n)
        # 2. No human text overwritten: the body, the title and every person's comment as they left them.
        assert issue["body"] == story.body, f"#{n}: the body is not what its people last wrote"
        assert issue["title"] == spec.title
        theirs = [c["body"] for c in comments if c["user"]["login"] != BOT]
        assert theirs == story.comments, f"#{n}: a person's comment changed"
        # 3. Exactly one status comment where the bot works, and its state is whole.
        spam = spec.close == "not_planned"
        relevant = "incident" in fake.label_names(REPO, n)
        assert len(mine) <= 1, f"#{n}: {len(mine)} status comments"
        if relevant and not spam:
            assert len(mine) == 1, f"#{n}: no status comment"
        told_slack = [p for p in world.hook.posts if issue_of_post(p) == n]
        told_mail = [m for m in world.inbox.mails if issue_of_mail(m.message) == n]
        if not mine:
            assert told_slack == [] and told_mail == [], f"#{n}: told without a record"
            continue
        state = load(mine[0]["body"])
        assert state.problems == () and not state.record_lost, (n, state.problems)
        sent = {(ch, k) for ch, rec in state.sent.items() for k in rec}
        held = {(c.channel, c.key) for c in state.claims}
        assert not held & sent, f"#{n}: a message both sent and held"
        # 4. Each delivery is on record (sent, or held as "may not have been delivered"), and
        #    nothing recorded as sent is missing from the receivers.
        own = {k for (ch, k) in sent if ch == "slack" and "in" not in state.sent["slack"][k]}
        assert len(told_slack) <= len(own) + sum(1 for ch, _ in held if ch == "slack"), (n, own, held)
        assert len(told_slack) >= len(own), f"#{n}: a Slack message on record never arrived"
        if spam or not story.trusted:
            assert told_slack == [] and told_mail == [], f"#{n}: an untrusted issue told people"
            continue
        # 5. Nothing lost: a decided incident was declared on Slack and announced by mail (or held).
        if state.decision == "incident":
            assert ("slack", "declared") in sent | held, f"#{n}: the declaration was lost"
            assert any(k.startswith("announcement") for ch, k in sent | held if ch == "email"), f"#{n}: no mail"
        # 6. The invite: committed once per version, its file in the repository, the mail sent or held.
        if state.invite is not None and state.decision == "incident":
            invite = state.invite
            assert invite.path is not None, f"#{n}: the invite was never committed"
            data = fake.file(REPO, invite.path)
            assert data is not None and b"BEGIN:VCALENDAR" in data, f"#{n}: the invite's file is missing"
            commits = [c for c in fake.commits(REPO) if c["path"] == invite.path]
            assert len(commits) <= invite.seq + 1, f"#{n}: the invite was committed {len(commits)} times"
            mailed = [k for ch, k in sent | held if ch == "email" and re.fullmatch(rf"invite:.+:{invite.seq}", k)]
            assert mailed, f"#{n}: the invite mail (sequence {invite.seq}) was lost"
        # 7. Assignees as planned: the investigators with access are assigned.
        assignees = {a["login"] for a in issue["assignees"]}
        for m in re.finditer(r"Investigator[^\n]*?:([^\n]*)", story.body.replace("\r\n", "\n")):
            for handle in re.findall(r"@([\w-]+)", m.group(1)):
                if handle in TEAM:
                    assert handle in assignees, f"#{n}: investigator {handle} not assigned"
    # 8. The spam closed as not planned: nothing committed, nothing told.
    spam_numbers = {s.number for s in stories if s.spec.close == "not_planned"}
    for c in fake.commits(REPO):
        assert not any(f"/{n}/" in str(c["path"]) for n in spam_numbers), c
    weekly_problems: list[str] = []
    if weekly:
        # 9. At most one reminder per issue per week (every weekly run is in one week), each
        #    follow-up issue opened once.
        for story in stories:
            reminders = [c for c in fake.comments(REPO, story.number) if markers.REMINDER_PREFIX in str(c["body"])]
            if len(reminders) > 1:
                weekly_problems.append(f"#{story.number}: {len(reminders)} weekly reminders in one week")
        followups = Counter(
            m.group(1) for i in fake.issues(REPO) for m in markers.FOLLOWUP_PAYLOAD.finditer(str(i.get("body") or ""))
        )
        weekly_problems += [f"follow-up {k} opened {v} times" for k, v in followups.items() if v > 1]
    return weekly_problems


def final_round_writes_nothing(world: World, stories: list[Story], *, weekly: bool, now: datetime) -> None:
    posts, mails = len(world.hook.posts), len(world.inbox.mails)
    world.fake.reset_log()
    for story in stories:
        # A run fails only for what people must still do (a missing video), never for the faults that were.
        assert world.issue_run(*again(story)) == (0 if VIDEO in story.body else 1), f"#{story.number}"
    if weekly:
        assert world.weekly_run(now) == 0
    writes = [(r.method, r.path) for r in world.fake.writes()]
    assert writes == [], f"the last round still wrote: {writes}"
    assert (len(world.hook.posts), len(world.inbox.mails)) == (posts, mails), "the last round still told people"


def run_soak(world: World, seed: int, *, weekly: bool) -> None:
    stories, faults = soak(world, seed, weekly=weekly)
    assert sum(faults.drawn.values()) == FAULTS
    # The faults reached the runs: most of them hit a request (the rest matched nothing that run asked).
    assert sum(faults.hit.values()) >= FAULTS // 2, (faults.drawn, faults.hit)
    assert world.runs == RUNS
    now = datetime.now(UTC)
    settle(world, stories, weekly=weekly, now=now)
    weekly_problems = check(world, stories, weekly=weekly)
    # The checks above had something to check: people were told, invites were committed, runs failed.
    invites = {c["path"] for c in world.fake.commits(REPO) if str(c["path"]).endswith(".ics")}
    print(
        f"soak seed {seed}: faults {dict(faults.drawn)} hit {dict(faults.hit)}; exit codes {dict(world.codes)}; "
        f"{len(world.hook.posts)} Slack posts, {len(world.inbox.mails)} mails, {len(invites)} invites"
    )
    assert len(world.hook.posts) >= ISSUES // 2 and len(world.inbox.mails) >= ISSUES // 2
    assert len(invites) >= 3 and world.codes[1] > 0
    final_round_writes_nothing(world, stories, weekly=weekly, now=now)
    assert weekly_problems == []


@pytest.mark.skipif(
    not os.environ.get("SOAK_ALL"),
    reason="by hand (SOAK_ALL=1): in CI the weekly variant below makes the same 46 issue runs under 200 faults, "
    "and the suite must stay under 10 minutes",
)
@pytest.mark.parametrize("seed", seeds())
def test_soak_issue_runs(world: World, seed: int) -> None:
    """50 issue runs under 200 faults, then every invariant."""
    run_soak(world, seed, weekly=False)


@pytest.mark.parametrize("seed", seeds())
def test_soak_with_weekly_checks(world: World, seed: int) -> None:
    """The same soak with four of the 50 runs being the weekly check (faults injected into it too).
    Every invariant of the issue runs is asserted first; "one reminder per issue per week" last."""
    run_soak(world, seed, weekly=True)
