"""The actions a run's plan asks for (pure data): what to write to GitHub and what to tell people.

A run reads the issue once and plans once (:func:`incident_kit.plan.run_plan.plan_run`);
the plan is this list, in the order the one apply step
(:mod:`incident_kit.apply.reconcile`) performs it against one budget. Each action
is one outside effect and costs one unit of the budget, a message included.
Actions name what they depend on (``needs``): a message about the report is not
sent when the report was not committed this run.

The last action writes the status comment. Its text depends on what the
actions before it did (a URL of a committed file, who was told), so it carries a
pure renderer that apply calls with the results; it reads nothing and plans
nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from incident_kit.github.port import CommentData
from incident_kit.plan.bot_state import BotState, Claim, InviteRecord

if TYPE_CHECKING:
    from incident_kit.body.model import Finding
    from incident_kit.plan.invite import Invite, PostmortemView
    from incident_kit.plan.issue_plan import Failure, Plan
    from incident_kit.plan.messages import Facts, Message
    from incident_kit.render.pdf import ReportInput


@dataclass(frozen=True)
class CreateLabel:
    name: str
    color: str
    description: str

    def describe(self) -> str:
        return f"create label '{self.name}'"


@dataclass(frozen=True)
class AddLabels:
    names: tuple[str, ...]

    def describe(self) -> str:
        return f"add labels {', '.join(self.names)}"


@dataclass(frozen=True)
class RemoveLabel:
    name: str

    def describe(self) -> str:
        return f"remove label '{self.name}'"


@dataclass(frozen=True)
class SetAssignees:
    add: tuple[str, ...]

    def describe(self) -> str:
        return f"assign {', '.join('@' + a for a in self.add)}"


@dataclass(frozen=True)
class TickBoxes:
    """Write the body with the boxes the bot fulfils ticked, only if nobody edited it since it was read."""

    body: str
    body_read: str
    needs: tuple[str, ...] = ()  # the file commits the ticks count on ("invite", "report")

    def describe(self) -> str:
        return "tick the boxes incident-kit fulfils"


@dataclass(frozen=True)
class CommitInvite:
    """Commit the postmortem's .ics (bytes computed in planning)."""

    path: str
    content: bytes
    blob: str  # the git blob sha of ``content``: the state records it to skip the next check
    message: str
    branch: str | None
    invite: Invite
    state: InviteRecord  # the invite record of the bot state (sequence, fingerprint, times)

    def describe(self) -> str:
        return f"commit {self.path}"


@dataclass(frozen=True)
class CommitReport:
    """Commit the PDF report: planning decided it is due and fingerprinted its input; apply renders it
    (rendering is costly, and only a run that commits pays for it)."""

    path: str
    data: ReportInput
    fingerprint: str
    message: str
    branch: str | None
    needs: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"commit {self.path}"


@dataclass(frozen=True)
class SendMessage:
    """Tell people one fact on one channel, at most once (write-ahead claim, then send, then record)."""

    message: Message
    facts: Facts  # what the message says; apply fills in the report's URL and PDF when this run commits it
    needs: tuple[str, ...] = ()  # "invite" / "report": commits this message is about
    attach_committed_report: str = ""  # a report committed by an earlier run, read back to attach it

    @property
    def channel(self) -> str:
        return self.message.channel

    @property
    def key(self) -> str:
        return self.message.key

    def describe(self) -> str:
        return self.message.describe()


@dataclass(frozen=True)
class Results:
    """What the actions before the status comment did, for its renderer."""

    invite_url: str | None = None  # committed (or found unchanged) this run
    invite_committed: bool = False
    report_url: str | None = None
    report_committed: bool = False
    report_note: str = ""  # why the report is not in the repository (a refused branch)
    sent: dict[str, Any] = field(default_factory=dict)  # the record of what was sent, as it is now
    claims: tuple[Claim, ...] = ()
    notes: tuple[str, ...] = ()  # delivery failures and dry-run lines
    # The status comment as read just before writing. When another run (the weekly check, an issue's
    # own run) wrote it after this run's plan was made, the comment is rendered on top of that fresh
    # state, never on the one read earlier: what the other run recorded is kept (issue #13).
    status_comment: CommentData | None = None


@dataclass(frozen=True)
class WriteStatus:
    """Create or update the bot's status comment; the text is rendered from the plan and the results."""

    render: Callable[[Results], Plan]
    comment_id: int | None
    body_now: str | None  # the comment's text as read (None: there is none yet)

    def describe(self) -> str:
        return "post the status comment" if self.comment_id is None else "update the status comment"


Action = CreateLabel | AddLabels | RemoveLabel | SetAssignees | TickBoxes | CommitInvite | CommitReport | SendMessage


@dataclass(frozen=True)
class RunPlan:
    """Everything one run will do, decided before its first write."""

    plan: Plan  # the issue's plan before any action (labels, evaluation, failures)
    actions: tuple[Action, ...] = ()
    status: WriteStatus | None = None
    held: tuple[Claim, ...] = ()  # messages held as "may have been sent" (a claim with no delivery)
    findings: tuple[Finding, ...] = ()
    postmortem: PostmortemView | None = None
    ics_path: str = ""
    pdf_path: str = ""  # the report's path, planned or stored
    pdf_url: str = ""  # the stored report's URL when it is unchanged
    setup_notes: tuple[str, ...] = ()
    dry_run_lines: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    state: BotState = field(default_factory=BotState)
