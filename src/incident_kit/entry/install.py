"""``incident-kit install``: put the workflows, the issue template and a starter config into a repository.

Installing twice changes nothing. A file that differs from what incident-kit
ships is the user's: it is left alone unless ``--force`` is given, and the
config file is never overwritten at all (it holds the team's settings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from incident_kit.entry import resources

STARTER_CONFIG = """\
# incident-kit settings. Every setting is optional; the values shown are the defaults.
# Reference: https://github.com/incident-kit/incident-kit#configuration

# labels:
#   incident: incident
#   not-incident: not-incident
#   improvement: incident-improvement
#   needs-video: needs-video

# GitHub handles of the engineers who can investigate, and who to tell.
# engineers: [octocat]
# stakeholders: [ceo-handle, ops@example.com]

# Addresses for calendar invites and mail: handle (or a name written under Attendees) -> e-mail.
# people:
#   octocat: octocat@example.com
#   山田: yamada@example.com     # "山田さん" under Attendees is invited at this address

# video:
#   mode: require          # require | warn | off
#   allowed-hosts: [loom.com, youtube.com, youtu.be, drive.google.com, vimeo.com]

# Action items that only ask people to try harder. Your phrases are ADDED to the built-in
# English and Japanese list (be careful, 気をつけます, 注意します, ...). To use only your
# own list, set the next setting to false.
# vague-phrases: [様子を見る, keep an eye on]
# builtin-vague-phrases: true

# timezone: UTC            # your team's zone (IANA, e.g. Asia/Tokyo): times written without a zone
#                          # are read in it; proposed postmortem hours are counted in it
# display-timezones: [Asia/Tokyo]

# tick-boxes: false        # let the bot tick boxes it fulfils (re-reads the body first)

# report:
#   path: incidents/{year}/{number}-{slug}.pdf
#   branch: ""             # empty: the default branch

# postmortem:
#   propose: true
#   hour: 10
#   within-days: 5
#   holidays: [2026-12-31]
#   organizer: ops@example.com
#   ics-path: incidents/{year}/{number}/postmortem.ics

# The weekly check (workflows/incident-kit-weekly.yml) reminds each incident once a week,
# opens a follow-up issue per action item that links none, and closes done improvements.
# weekly:
#   close-when-done: true  # close an incident-improvement issue once every box is done
#   quiet-days: [saturday, sunday]   # no reminders on these days (in `timezone`)
#   sections: []           # headings whose boxes count, e.g. [Record, Closing]; empty: all
#   digest-issue: false    # also keep a rolling digest issue (the job summary always has it)
#   digest-label: incident-digest    # the label that marks the digest issue
#   overdue-days: 30       # a follow-up issue open longer than this is overdue in the digest
#   state-path: incidents/.incident-kit-weekly.json   # the check's state, committed on report.branch

# Tell people (nothing is sent unless a section is here). The secrets come from the
# action's inputs slack-webhook, smtp-user and smtp-password (repository secrets).
# notify:
#   slack:
#     call-link: https://app.slack.com/huddle/T0123ABC/C0456DEF   # the "join the call" button
#     mention: "<!here>"     # Slack's own form; "" for none
#   email:
#     from: incident-kit@example.com
#     host: smtp.example.com
#     port: 587              # default: 587 for starttls, 465 for tls, 25 for none
#     security: starttls     # starttls | tls | none
#     announcement-prefix: "Announcement:"   # a comment starting so is what stakeholders get
#     to: [octocat, ops@example.com]   # handles go through people; empty means stakeholders
"""


@dataclass(frozen=True)
class Step:
    path: Path
    action: str  # "create", "update", "unchanged", "skip"
    reason: str = ""


# The shipped workflows pin incident-kit to this placeholder; install writes the real commit.
PLACEHOLDER_SHA = "0" * 40
_SHA = re.compile(r"^[0-9a-f]{40}$")


def check_pin(pin: str) -> str:
    if not _SHA.match(pin):
        raise ValueError(
            f"--pin {pin!r} is not a full 40-character commit SHA: pass the commit of the incident-kit "
            "release you want, e.g. from its release page"
        )
    return pin


def shipped_files(target: Path, pin: str | None = None) -> dict[Path, bytes]:
    """What incident-kit installs into ``target``, path by path (workflows pinned to ``pin``)."""
    github = target / ".github"
    out = {
        github / "workflows" / n: (d.replace(PLACEHOLDER_SHA.encode(), pin.encode()) if pin else d)
        for n, d in resources.files("workflows").items()
    }
    out.update({github / "ISSUE_TEMPLATE" / n: d for n, d in resources.files("ISSUE_TEMPLATE").items()})
    out[config_path(target)] = STARTER_CONFIG.encode()
    return out


def config_path(target: Path) -> Path:
    return target / ".github" / "incident-kit.yml"


def plan_install(target: Path, force: bool, pin: str | None = None) -> list[Step]:
    steps: list[Step] = []
    for path, data in shipped_files(target, pin).items():
        if not path.exists():
            steps.append(Step(path, "create"))
        elif path.read_bytes() == data:
            steps.append(Step(path, "unchanged"))
        elif path == config_path(target):
            steps.append(Step(path, "skip", "it holds your settings; incident-kit never overwrites it"))
        elif force:
            steps.append(Step(path, "update", "--force given"))
        else:
            steps.append(
                Step(
                    path,
                    "skip",
                    "it differs from the shipped version (your change?); re-run with --force to replace it",
                )
            )
    return steps


def apply_install(target: Path, steps: list[Step], pin: str | None = None) -> None:
    shipped = shipped_files(target, pin)
    for step in steps:
        if step.action in ("create", "update"):
            step.path.parent.mkdir(parents=True, exist_ok=True)
            step.path.write_bytes(shipped[step.path])
