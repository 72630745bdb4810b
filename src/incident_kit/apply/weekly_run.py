"""The weekly check's shell: list the incidents, read only what is needed, write within the budget.

One run: log the rate limit (``GET /rate_limit`` is free), read the scan's state
file, list every open issue labeled ``incident`` or ``incident-improvement`` and
every one closed since the last complete scan (pages of 100, bodies included, no
GET per issue), then work through them in number order from where the last
capped run stopped. A body is parsed only when it changed since the last run:
each issue's reading is cached in the state file under a digest of its body,
labels and state and the settings (``plan.weekly.Summary``), and the parts that
depend on the day and on follow-up states are worked out from it every run.
Comments are read only for an issue whose answer depends on the status comment
(a box the bot fulfils, an item about to get a follow-up, an author without
triage access), and those facts are cached in the state while the issue does
not change. Writes (follow-up issues, recording them in the status
comment, one reminder per issue per ISO week, closing done improvements, the
digest issue) each ask the budget first; one write is kept back so the state file
(``weekly.state-path``, committed with compare-and-swap, at most once per run)
always records what was done. A run stopped by the budget keeps the cursor and
the old "since", and the next run resumes there.

Cost for N incident issues: 2 free rate-limit reads, 1 state read, ceil(N/100)
list pages per label (plus one page per label for closed issues), one permission
read per author of an issue that gets a write, and one request per write; an issue
due a reminder that changed this week costs one more read (its comments since
Monday), so a lost state file never reminds anyone twice (issue #13).
"""

from __future__ import annotations

import copy
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from incident_kit.apply.budget import Budget
from incident_kit.body.model import Incident
from incident_kit.body.roles import handles as handles_in
from incident_kit.github.port import (
    TRUSTED_PERMISSIONS,
    Conflict,
    Forbidden,
    IssueData,
    NotFound,
    PortError,
    RateLimit,
    Repository,
    TooManyRetries,
)
from incident_kit.plan.bot_state import BotState
from incident_kit.plan.followup import followup_of
from incident_kit.plan.status import find_status_comment
from incident_kit.plan.status import load_state as load_bot_state
from incident_kit.plan.weekly import (
    DIGEST_MARKER,
    DIGEST_TITLE,
    FACTS_SLACK,
    Assessment,
    Facts,
    FollowupRecord,
    Summary,
    WeeklyState,
    add_to_trend,
    assess_summary,
    decode_summary,
    encode_summary,
    facts_from_status,
    followup_body,
    followup_title,
    iso_week,
    load_state,
    needs_facts,
    open_followup_numbers,
    read_incident,
    reading_fingerprint,
    reminder_line,
    render_digest,
    render_done,
    render_reminder,
    rotation,
    same_week_no_news,
    summarize,
    summary_key,
    template_line,
    update_template_open,
    week_start,
    weekday,
)
from incident_kit.settings.config import Config


@dataclass
class ScanReport:
    """What one run of the weekly check did (or, in a dry run, would do)."""

    week: str
    since: datetime | None
    quiet: bool
    budget: Budget
    state_budget: Budget
    scanned: int = 0
    parsed: int = 0  # bodies read this run; the other issues' readings came from the state file
    reminders: list[int] = field(default_factory=list)
    followups: list[tuple[int, int]] = field(default_factory=list)  # (incident, follow-up issue)
    closed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # untrusted authors: left alone
    complete: bool = False
    stopped_at: int | None = None
    digest: str = ""
    digest_number: int | None = None
    state_status: str = ""
    rate_before: RateLimit | None = None
    rate_after: RateLimit | None = None
    log: list[str] = field(default_factory=list)  # one line per thing done or to do
    notes: list[str] = field(default_factory=list)


class Pacer:
    """Keeps content-creating writes (issues, comments) under GitHub's secondary limit of 80 a
    minute: a burst of up to ``per_minute`` goes at once, then each waits for a slot.
    https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits
    """

    def __init__(
        self,
        per_minute: int = 75,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self.recent: deque[float] = deque()
        self.waited = 0.0

    def wait(self) -> None:
        now = self.clock()
        while self.recent and now - self.recent[0] >= 60.0:
            self.recent.popleft()
        if len(self.recent) >= self.per_minute:
            pause = 60.0 - (now - self.recent[0])
            self.sleep(pause)
            self.waited += pause
            self.recent.popleft()
            now = self.clock()
        self.recent.append(now)


class _Stop(Exception):
    """The write budget is spent: stop here, and let the next run start at this issue."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


def scan(
    repo: Repository,
    config: Config,
    *,
    bot_login: str,
    max_writes: int,
    dry_run: bool = False,
    now: datetime | None = None,
    pacer: Pacer | None = None,
) -> ScanReport:
    """One weekly check. ``pacer`` spaces out content-creating writes (pass one against GitHub)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    tz = config.timezone
    week = iso_week(now, tz)
    # One write is kept back for the state file, so what the others did is always recorded.
    reserve = 1 if max_writes >= 1 else 0
    report = ScanReport(
        week=week,
        since=None,
        quiet=weekday(now, tz) in config.weekly.quiet_days,
        budget=Budget(max_writes - reserve, dry_run),
        state_budget=Budget(reserve, dry_run),
    )
    if max_writes == 1 and not dry_run:
        report.notes.append("max-writes 1 leaves no write for the scan itself (one is kept for its state file)")
    report.rate_before = repo.rate_limit()
    branch = config.report.branch or None
    stored = repo.get_file(config.weekly.state_path, branch)
    old, problem = load_state(stored.content if stored else None)
    if problem:
        report.notes.append(problem)
    state = copy.deepcopy(old)
    since = report.since = old.last_success
    run = _Run(repo, config, bot_login, report, state, now, pacer)

    issues = run.list_issues(since)
    incidents = {n: issue for n, issue in issues.items() if not run.take_followup(issue)}
    run.refresh_unseen_followups(set(incidents))
    report.scanned = len(incidents)
    assessments: dict[int, Assessment] = {}
    error: PortError | None = None
    current: int | None = None
    try:
        for number in rotation(incidents, old.cursor):
            current = number
            try:
                assessments[number] = run.one(incidents[number])
            except (Forbidden, TooManyRetries):
                raise  # the token or GitHub itself: nothing else would work either
            except PortError as exc:
                # This issue only (deleted meanwhile, a body GitHub refused): the others go on,
                # and a stuck issue never blocks the rest of the scan week after week.
                report.notes.append(f"#{number}: {exc}; the next run tries again")
    except _Stop as stop:
        report.stopped_at = stop.number
    except PortError as exc:
        # Record what was done before the failure, then report it (the next run resumes here).
        error, report.stopped_at = exc, current
    # Issues the run did not reach still belong in the digest (from what is known, no requests).
    for number, issue in incidents.items():
        if number not in assessments:
            assessments[number] = run.assess(issue, fetch=False)
    report.complete = report.stopped_at is None and not report.quiet
    report.parsed = run.reparsed
    state.trend = add_to_trend(state.trend, assessments.values(), now, tz)
    if report.stopped_at is not None:
        state.cursor = report.stopped_at
    elif not report.quiet:
        state.cursor = None
        state.last_success = now
        _prune(state, set(incidents))
    # Ages as of the week's first scan, so the digest reads the same all week long and says the
    # truth on the day it is first written (a run by hand on a Sunday counts from that Sunday).
    first = old.last_success
    as_of = first if first is not None and iso_week(first, tz) == week and first <= now else now
    report.digest = render_digest(
        sorted(assessments.values(), key=lambda a: a.number),
        [f for f in state.followups.values() if f.incident in incidents or f.state == "open"],
        state.trend,
        week=week,
        now=as_of,
        config=config,
        waiting=report.waiting,
    )
    if config.weekly.digest_issue and error is None:
        try:
            run.digest_issue(report.digest)
        except PortError as exc:
            error = exc
    try:
        _commit_state(
            repo, config, old, state, stored.sha if stored else None, stored.content if stored else None, report
        )
    except PortError as exc:
        if error is None:
            raise
        report.notes.append(f"the state file could not be written either: {exc}")
    report.rate_after = repo.rate_limit()
    if error is not None:
        raise error
    return report


class _Run:
    """The state of one scan: caches of permissions, status comments and assignability."""

    def __init__(
        self,
        repo: Repository,
        config: Config,
        bot_login: str,
        report: ScanReport,
        state: WeeklyState,
        now: datetime,
        pacer: Pacer | None,
    ) -> None:
        self.repo, self.config, self.bot, self.report = repo, config, bot_login, report
        self.state, self.now, self.pacer = state, now, pacer
        self.permissions: dict[str, str] = {}
        self.status: dict[int, BotState] = {}
        self.assignable: dict[str, bool] = {}
        self.parsed: dict[int, tuple[str, Incident]] = {}
        self.fingerprint = reading_fingerprint(config)
        self.keys: dict[int, tuple[str, str]] = {}  # number -> (body, key): hashed once per run
        self.reparsed = 0  # bodies parsed this run (the rest came from the state file)
        self.decoded: dict[int, tuple[object, str, Summary | None]] = {}

    # ------------------------------------------------------------ reading
    def list_issues(self, since: datetime | None) -> dict[int, IssueData]:
        labels = tuple(dict.fromkeys((self.config.labels.incident, self.config.labels.improvement)))
        found: dict[int, IssueData] = {}
        for label in labels:
            for issue in self.repo.list_issues((label,), "open"):
                if not issue.is_pull_request:
                    found[issue.number] = issue
        if since is None:
            return found  # the first scan: there is no "since the last one" yet
        for label in labels:
            # ``since`` filters on updated_at, which closing moves: a superset, narrowed here.
            for issue in self.repo.list_issues((label,), "closed", since):
                if issue.is_pull_request or issue.closed_at is None or issue.closed_at < since:
                    continue
                found.setdefault(issue.number, issue)
        return found

    def take_followup(self, issue: IssueData) -> bool:
        """Record a listed follow-up issue (the bot's, by its marker); False for anything else."""
        ref = followup_of(issue.author, issue.body, self.bot)
        if ref is None:
            return False
        record = self.state.followups.get(issue.number) or FollowupRecord(issue.number, ref.incident, ref.key)
        record.incident, record.key = ref.incident, ref.key  # the marker is the truth
        record.state, record.assignees, record.title, record.seen = issue.state, issue.assignees, issue.title, True
        record.text = record.text or issue.title
        record.created_at = record.created_at or issue.created_at
        self.state.followups[issue.number] = record
        return True

    def refresh_unseen_followups(self, incidents: set[int]) -> None:
        """An open follow-up that no listing showed lost its label (or was moved): ask about it."""
        for record in list(self.state.followups.values()):
            if record.seen or record.state != "open" or record.incident not in incidents:
                continue
            self._refresh(record)

    def _refresh(self, record: FollowupRecord) -> None:
        try:
            fresh = self.repo.get_issue(record.number)
        except NotFound:
            # Deleted or transferred: "missing", never "done". Its action item stays open and the
            # reminder names it, so a deleted follow-up cannot close an incident (issue #13).
            record.state = "missing"
        else:
            record.state, record.assignees, record.title = fresh.state, fresh.assignees, fresh.title
        record.seen = True

    def status_state(self, number: int) -> BotState:
        """The bot's state from the issue's status comment (one comments read per issue and run)."""
        if number not in self.status:
            comment = find_status_comment(self.repo.list_comments(number), self.bot)
            self.status[number] = load_bot_state(comment)
            # Follow-ups the status comment lists but the state file lost (a reset state file).
            for note in self.status[number].followups:
                if note.number in self.state.followups or note.key is None:
                    continue
                record = FollowupRecord(note.number, number, note.key, note.text or "")
                record.recorded = True
                self.state.followups[record.number] = record
                self._refresh(record)
        return self.status[number]

    def incident(self, issue: IssueData) -> Incident:
        # Parsed once per run (assess runs up to three times on an issue that gets writes).
        cached = self.parsed.get(issue.number)
        if cached is None or cached[0] != issue.body:
            cached = self.parsed[issue.number] = (issue.body, read_incident(issue, self.config))
            self.reparsed += 1
        return cached[1]

    def facts(self, issue: IssueData, fetch: bool) -> frozenset[str]:
        cached = self.state.facts.get(issue.number)
        fresh = cached is not None and issue.updated_at is not None and issue.updated_at <= cached.at + FACTS_SLACK
        if cached is not None and fresh:
            return cached.fulfilled
        if not fetch or not self.needs_facts(issue):
            return frozenset()
        fulfilled = facts_from_status(self.status_state(issue.number), self.incident(issue))
        self.state.facts[issue.number] = Facts(issue.updated_at or self.now, fulfilled)
        return fulfilled

    def key(self, issue: IssueData) -> str:
        known = self.keys.get(issue.number)
        if known is None or known[0] is not issue.body:
            known = self.keys[issue.number] = (issue.body, summary_key(issue, self.fingerprint))
        return known[1]

    def cached(self, issue: IssueData) -> Summary | None:
        row, key = self.state.summaries.get(issue.number), self.key(issue)
        hit = self.decoded.get(issue.number)
        if hit is None or hit[0] is not row or hit[1] != key:  # decoded once (assess runs up to 3 times)
            hit = self.decoded[issue.number] = (row, key, decode_summary(row, key))
        return hit[2]

    def needs_facts(self, issue: IssueData) -> bool:
        cached = self.cached(issue)
        return cached.needs_facts if cached is not None else needs_facts(issue, self.incident(issue), self.config)

    def summary(self, issue: IssueData, fulfilled: frozenset[str], followups: list[FollowupRecord]) -> Summary:
        """The issue's reading: from the state file while the issue is unchanged, else parsed (and cached)."""
        summary = self.cached(issue)
        open_now = open_followup_numbers(followups)
        if summary is None or not summary.holds(self.now, fulfilled, open_now):
            summary = summarize(
                issue, self.incident(issue), self.config, self.now, fulfilled=fulfilled, open_followups=open_now
            )
            row = encode_summary(self.key(issue), summary)
            if row is not None:
                self.state.summaries[issue.number] = row
            else:
                self.state.summaries.pop(issue.number, None)
        return summary

    def assess(self, issue: IssueData, fetch: bool = True) -> Assessment:
        fulfilled = self.facts(issue, fetch)
        followups = self.state.followups_of(issue.number)
        return assess_summary(
            issue, self.summary(issue, fulfilled, followups), self.config, self.now, followups=followups
        )

    def trusted(self, issue: IssueData) -> bool:
        """The author may steer the process, or a maintainer confirmed the issue (the status says)."""
        author = issue.author
        if author not in self.permissions:
            self.permissions[author] = self.repo.permission(author)
        if self.permissions[author] in TRUSTED_PERMISSIONS:
            return True
        return bool(self.status_state(issue.number).confirmed_by)

    def approved_people(self, issue: IssueData) -> frozenset[str] | None:
        """None when the author may steer the process; else the handles (case-folded) of the people
        lines a maintainer approved, plus the follow-ups' assignees (the bot assigned them)."""
        if self.permissions.get(issue.author) in TRUSTED_PERMISSIONS:
            return None
        people = self.status_state(issue.number).people or {}
        names = {h for handles in (people.get("roles") or {}).values() for h in handles}
        names |= {h for line in people.get("attendees") or [] for h in handles_in(str(line))}
        names |= {h for f in self.state.followups_of(issue.number) for h in f.assignees}
        return frozenset(n.casefold() for n in names)

    def can_assign(self, login: str) -> bool:
        if login not in self.assignable:
            self.assignable[login] = self.repo.can_assign(login)
        return self.assignable[login]

    # ------------------------------------------------------------ one issue
    def one(self, issue: IssueData) -> Assessment:
        number, week, budget = issue.number, self.report.week, self.report.budget
        a = self.assess(issue)
        # Not again in a week already reminded, nor in an earlier one (a sandbox or clock ahead of now).
        remind = a.remind and not self.report.quiet and self.state.reminded.get(number, "") < week
        unrecorded = any(not f.recorded for f in a.followups)
        if not (a.new_followups or unrecorded or remind or a.close):
            return a
        if not self.trusted(issue):
            self.report.waiting.append(number)
            return a
        # Who is assigned or mentioned comes from text a trusted person wrote or approved: for an
        # outsider's confirmed issue, the people lines a maintainer approved (the bot state's ``people``,
        # the same the event runs use), never the outsider's later edits (issue #13).
        approved = self.approved_people(issue)
        if approved is not None:
            a = replace(a, owners=tuple(o for o in a.owners if o.casefold() in approved))
        if a.new_followups:
            self.status_state(number)  # follow-ups the state file may have lost
            a = self.assess(issue)
            for item in a.new_followups:
                title = followup_title(item.text)
                if not self._take(f"open a follow-up issue of #{number}: {title}", number):
                    continue
                named = [h for h in item.handles if approved is None or h.casefold() in approved]
                assignees = [h for h in named if self.can_assign(h)]
                self._pace()
                created = self.repo.create_issue(
                    title,
                    followup_body(issue, item, live=approved is None),
                    [self.config.labels.improvement],
                    assignees,
                )
                self.state.followups[created.number] = FollowupRecord(
                    created.number,
                    number,
                    item.key,
                    " ".join(item.text.split())[:200],
                    created_at=created.created_at,
                    assignees=created.assignees,
                    title=created.title,
                    seen=True,
                )
                self.report.followups.append((number, created.number))
                self.report.log.append(f"#{number}: opened follow-up issue #{created.number}: {title}")
            a = self.assess(issue)
            if approved is not None:
                a = replace(a, owners=tuple(o for o in a.owners if o.casefold() in approved))
        if any(not f.recorded for f in a.followups):
            self._record(issue)
        if remind and a.remind and self.reminded_already(issue):
            # The state file did not know (lost, corrupt, or a run that died after posting), the
            # issue does: no second reminder this week.
            self.state.reminded[number] = week
            self.report.log.append(f"#{number}: already reminded this week (its reminder was found)")
        elif remind and a.remind:
            body = render_reminder(a, week, self.template_line(issue, a))
            if self._take(f"remind #{number} ({len(a.open_items)} boxes left)", number):
                self._pace()
                comment = self.repo.create_comment(number, body)
                self.state.reminded[number] = week
                self.report.reminders.append(number)
                self.report.log.append(f"#{number}: reminded {' '.join('@' + o for o in a.owners)}")
                cached = self.state.facts.get(number)
                if cached is not None:
                    # Our own comment moved the issue's updated_at: the cached facts still hold.
                    cached.at = max(cached.at, comment.created_at)
        if a.close:
            if budget.dry_run or budget.limit - budget.used >= 2:
                if self._take(f"close #{number} as completed", number):
                    self.repo.close_issue(number, "completed")
                    self._take(f"say why #{number} was closed", number)
                    self._pace()
                    self.repo.create_comment(number, render_done(a))
                    self.report.closed.append(number)
                    self.report.log.append(f"#{number}: every box done, follow-ups closed: closed as completed")
            else:
                budget.skipped.append(f"close #{number} (needs 2 writes; the next run continues)")
                raise _Stop(number)
        return a

    def reminded_already(self, issue: IssueData) -> bool:
        """Whether the bot's reminder of this week is among the issue's comments.

        Asked only when the state file says "not reminded yet" and the issue changed this week (a
        comment moves ``updated_at``, so an issue untouched since Monday cannot hold one): one request,
        for this week's comments only (``since``), whatever the length of the issue."""
        start = week_start(self.now, self.config.timezone)
        if issue.updated_at is not None and issue.updated_at < start:
            return False
        wanted = reminder_line(self.report.week)
        comments = self.repo.list_comments(issue.number, since=start)
        return any(c.author == self.bot and c.body.split("\n", 1)[0].strip() == wanted for c in comments)

    def template_line(self, issue: IssueData, a: Assessment) -> str:
        """Whether the issue template changed since the incident began (one request, only for a reminder
        that lists "Update incident issue template"); the box itself stays the people's to tick."""
        if not update_template_open(a):
            return ""
        path = self.config.weekly.template_path
        try:
            change = self.repo.last_commit_touching(path, issue.created_at)
        except PortError as exc:
            self.report.log.append(f"#{issue.number}: could not read the commits of {path}: {exc}")
            return ""
        return template_line(change, path, issue.created_at)

    def _pace(self) -> None:
        if self.pacer is not None:
            self.pacer.wait()

    def _take(self, what: str, number: int) -> bool:
        budget = self.report.budget
        if budget.take(what):
            return True
        if budget.dry_run:
            self.report.log.append(f"#{number}: would {what}")
            return False
        raise _Stop(number)

    def _record(self, issue: IssueData) -> None:
        """Show the follow-ups in the incident's status comment (and the state it carries)."""
        from incident_kit.apply.reconcile import Event, reconcile

        number, budget = issue.number, self.report.budget
        records = self.state.followups_of(number)
        entries = [{"number": f.number, "text": f.text[:200], "key": f.key} for f in records]
        done_before = len(budget.done)
        outcome = reconcile(
            self.repo,
            number,
            config=self.config,
            bot_login=self.bot,
            budget=budget,
            event=Event("schedule"),
            now=self.now,
            add_state={"followups": entries},
            dry_run=budget.dry_run,
        )
        plan = outcome.plan
        wrote = any("status comment" in what for what in budget.done[done_before:])
        if plan is None or not plan.relevant or not plan.trusted or not plan.status_changed or wrote:
            for record in records:
                record.recorded = True
            return
        if budget.dry_run:
            self.report.log.append(f"#{number}: would list the follow-up issues in its status comment")
            return
        raise _Stop(number)

    # ------------------------------------------------------------ the digest issue
    def digest_issue(self, markdown: str) -> None:
        label = self.config.weekly.digest_label
        mine = [
            i
            for i in self.repo.list_issues((label,), "open")
            if i.author == self.bot and DIGEST_MARKER in i.body and not i.is_pull_request
        ]
        budget = self.report.budget
        if mine:
            target = min(mine, key=lambda i: i.number)
            self.state.digest = target.number
            self.report.digest_number = target.number
            if target.body != markdown and budget.take(f"update the digest issue #{target.number}"):
                self.repo.edit_body(target.number, markdown)
                self.report.log.append(f"digest: updated #{target.number}")
            elif target.body != markdown and budget.dry_run:
                self.report.log.append(f"digest: would update #{target.number}")
            return
        if budget.take("open the digest issue"):
            created = self.repo.create_issue(DIGEST_TITLE, markdown, [label], [])
            self.state.digest = self.report.digest_number = created.number
            self.report.log.append(f"digest: opened #{created.number}")
        elif budget.dry_run:
            self.report.log.append("digest: would open the digest issue")


def _prune(state: WeeklyState, scanned: set[int]) -> None:
    """After a complete scan, forget issues that are no longer followed (the file stays small)."""
    state.reminded = {n: w for n, w in state.reminded.items() if n in scanned}
    state.facts = {n: f for n, f in state.facts.items() if n in scanned}
    state.summaries = {n: line for n, line in state.summaries.items() if n in scanned}
    state.followups = {
        n: f for n, f in state.followups.items() if f.incident in scanned or (f.state == "open" and f.seen)
    }


def _commit_state(
    repo: Repository,
    config: Config,
    old: WeeklyState,
    state: WeeklyState,
    sha: str | None,
    current: bytes | None,
    report: ScanReport,
) -> None:
    from incident_kit.apply.commit import commit_file

    path, branch = config.weekly.state_path, config.report.branch or None
    content = state.dump()
    if current == content or (current is not None and same_week_no_news(old, state, report.week, config.timezone)):
        report.state_status = "unchanged"
        return
    if not report.state_budget.take(f"commit the weekly state {path}"):
        report.state_status = "not written (dry run)" if report.state_budget.dry_run else "not written (max-writes 0)"
        return
    message = f"incident-kit: weekly check state ({report.week})"
    try:
        repo.put_file(path, content, message, branch, sha)
    except Conflict:
        # Someone changed the file since this run read it: commit on top of theirs (one more write).
        done = commit_file(repo, path, content, message, branch, Budget(1))
        report.state_status = f"{done.status} after a conflict"
        return
    report.state_status = "committed"


__all__ = ["Pacer", "ScanReport", "scan"]
