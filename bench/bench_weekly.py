"""Benchmark: the weekly scan's requests and wall time for 100, 1,000 and 5,000 incident issues.

Against the loopback fake GitHub API with real PyGithub, in process (``weekly_scan.scan``), so
the time is the scan's own (a workflow adds about half a second of interpreter start). Each
repository holds N incident issues: 90% labeled ``incident`` (one in 50 of them with a box left,
the rest done) and 10% ``incident-improvement`` with a box left. A box left means a reminder,
so a write. Two runs per size:

- the week's first run (reminders posted, state file committed);
- a second run later the same week (nothing to write: the steady cost of a scan).

Prints requests (reads excluding the free ``GET /rate_limit``, writes), requests per issue and
wall time, then checks the budget that matters: GITHUB_TOKEN has 1,000 requests an hour per
repository, shared by every workflow, and the weekly job's writes are capped by max-writes
(200 in workflows/incident-kit-weekly.yml). Writes are not paced here (no ``Pacer``): against
GitHub, content-creating writes beyond 75 in a minute wait for a slot (its secondary limit is
80 a minute), which adds up to about a minute per 75 writes past the first 75, never requests.
Run: ``.venv/bin/python bench/bench_weekly.py``.

Each run also prints how many bodies it parsed (issue #16: an unchanged body is read from the
state file's cached reading, not parsed again) and the state file's size (it must stay under the
1 MB the contents API serves with content).

``--compare SRC [--size N] [--repeat K]`` runs the N-issue scan (default 5,000) in child processes,
this checkout's ``src`` and another's (PYTHONPATH=SRC, e.g. ``git archive main src`` unpacked)
interleaved K times (default 3), and prints the medians and the ratio of the steady scans
(issue #16's target: at most 0.2x of today's time, the same request count).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bytecode_state  # bench/: which bytecode state the figures are for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakegithub import FakeGitHub  # noqa: E402

from incident_kit.apply.weekly_run import scan  # noqa: E402
from incident_kit.body import edits  # noqa: E402
from incident_kit.entry import resources  # noqa: E402
from incident_kit.github.rest import GitHubRepository  # noqa: E402
from incident_kit.settings.config import Config  # noqa: E402

REPO, BOT, TOKEN = "octo/app", "github-actions[bot]", "t"
SIZES = (100, 1_000, 5_000)
MONDAY = datetime(2026, 11, 30, 6, 17, tzinfo=UTC)
HOURLY = 1_000  # GITHUB_TOKEN's requests an hour per repository
MAX_WRITES = 200  # what workflows/incident-kit-weekly.yml passes


def bodies() -> tuple[str, str]:
    text = resources.template_text().split("---\n", 2)[2]
    text = edits.answer(text, "50%", "y")
    text = edits.answer(text, "corrupting", "n")
    text = edits.answer(text, "attack", "n")
    text = edits.set_role(text, "Investigator", "alice", "bob")
    text = edits.set_role(text, "Communicator", "carol")
    text = edits.set_role(text, "Recorder", "dave")
    text = edits.attach_video(text, "https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe")
    # Done is more than ticks (issues #14, #17): the Record filled and the meeting's notes written.
    text = edits.fill_field(text, "Where is", "Payment client timeout set to 0")
    text = edits.fill_field(text, "First aid", "Rolled back to the previous release")
    text = edits.fill_field(text, "How many", "About 3,200 checkout attempts failed")
    text = edits.set_postmortem(text, "2026-11-24 10:00")
    text = edits.set_notes(text, "good point", "The rollback took 4 minutes")
    text = edits.set_notes(text, "Root problem", "Nothing rejects a zero timeout")
    text = edits.set_notes(text, "Workflow problem", "Config changes skip review")
    text = edits.set_notes(text, "Incident mode", "Nobody knew where the rollback job was")
    text = edits.set_action_item(text, "Root problem", "Reject a zero timeout in the client config #101")
    text = edits.set_action_item(text, "Workflow problem", "Add a config lint step to CI #102")
    text = edits.set_action_item(text, "Incident mode", "Add a rollback job to the deploy workflow #103")
    # A triage question answered "n" stays unticked (ticking it is a triage-conflict error).
    done = re.sub(r"^(\s*[-*+] )\[ \](?!.*: n\s*$)", r"\1[x]", text, flags=re.M)
    return done, edits.untick(done, "Update incident issue template.")


def one_size(n: int) -> dict[str, float]:
    done, left = bodies()
    with FakeGitHub(rate_limit=1_000_000) as fake:
        fake.add_token(TOKEN, BOT)
        fake.add_repo(REPO)
        for login in ("alice", "bob", "carol", "dave"):
            fake.set_permission(REPO, login, "write")
        fake.now = MONDAY
        created = MONDAY - timedelta(days=20)
        for k in range(1, n + 1):
            label = "incident-improvement" if k % 10 == 0 else "incident"
            body = left if k % 50 == 1 or label == "incident-improvement" else done
            fake.create_issue(
                REPO, f"Incident {k}", body, user=("alice", "bob", "carol")[k % 3], labels=[label], created_at=created
            )
        out: dict[str, float] = {}
        for name, now in (("first", MONDAY), ("again", MONDAY + timedelta(days=2))):
            fake.now = now
            fake.reset_log()
            repo = GitHubRepository(REPO, TOKEN, api_url=fake.base_url, bot_login=BOT)
            start = time.perf_counter()
            report = scan(repo, Config(), bot_login=BOT, max_writes=1_000_000, now=now)
            out[f"{name}_s"] = time.perf_counter() - start
            free = fake.count("GET", r"^/rate_limit$")
            writes = len(fake.writes())
            out[f"{name}_reads"] = fake.count() - free - writes
            out[f"{name}_writes"] = writes
            out[f"{name}_free"] = free
            out[f"{name}_reminders"] = len(report.reminders)
            out[f"{name}_parsed"] = float(getattr(report, "parsed", -1))  # -1: code from before it was counted
            state = fake.file(REPO, Config().weekly.state_path)
            out[f"{name}_state_kb"] = len(state or b"") / 1000
        return out


def main() -> None:
    if "--child" in sys.argv:
        n = int(sys.argv[sys.argv.index("--child") + 1])
        print(json.dumps({"src": str(Path(sys.modules[scan.__module__].__file__ or "")), **one_size(n)}))
        return
    if "--compare" in sys.argv:
        compare(sys.argv[sys.argv.index("--compare") + 1])
        return
    print(bytecode_state.state())
    print(f"weekly scan against the loopback fake (PyGithub {_pygithub()}), incident issues per repository:")
    print(
        f"{'issues':>7} | {'run':<6} | {'reads':>5} | {'writes':>6} | {'reads/issue':>11} | "
        f"{'requests/issue':>14} | {'wall s':>6} | {'ms/issue':>8} | {'parsed':>6} | {'state kB':>8}"
    )
    rows = {}
    for n in SIZES:
        r = rows[n] = one_size(n)
        for name in ("first", "again"):
            reads, writes, secs = r[f"{name}_reads"], r[f"{name}_writes"], r[f"{name}_s"]
            print(
                f"{n:>7} | {name:<6} | {reads:>5.0f} | {writes:>6.0f} | {reads / n:>11.4f} | "
                f"{(reads + writes) / n:>14.4f} | {secs:>6.2f} | {secs / n * 1000:>8.2f} | "
                f"{r[f'{name}_parsed']:>6.0f} | {r[f'{name}_state_kb']:>8.0f}"
            )
    print("(reads exclude the 2 GET /rate_limit per run, which cost no quota; 'first' writes are the")
    print(" week's reminders, one per issue with a box left, plus the state file; 'again' is the same week;")
    print(" 'parsed' counts the bodies parsed, the others' readings came from the state file)")
    big = rows[SIZES[-1]]
    steady = big["again_reads"]
    worst = big["first_reads"] + MAX_WRITES
    verdict = "fits" if worst < HOURLY else "DOES NOT FIT"
    print()
    print(f"{SIZES[-1]:,} issues: a scan reads {steady:.0f} times ({steady / SIZES[-1]:.4f} requests per issue).")
    print(f"With the weekly workflow's max-writes {MAX_WRITES}, a run needs at most {worst:.0f} requests")
    print("(plus one permission read per author of an issue it writes to), so it")
    print(
        f"{verdict} GITHUB_TOKEN's {HOURLY:,} requests an hour ({worst / HOURLY:.0%}), leaving the rest to the events."
    )


def child(n: int, src: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": src}
    res = subprocess.run(
        [sys.executable, __file__, "--child", str(n)], env=env, capture_output=True, text=True, check=True, timeout=1800
    )
    out: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    if not str(out.pop("src")).startswith(str(Path(src).resolve())):
        raise SystemExit(f"the child did not run the code under {src}")
    return out


def compare(other: str) -> None:
    n = int(sys.argv[sys.argv.index("--size") + 1]) if "--size" in sys.argv else SIZES[-1]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    print(bytecode_state.state())
    mine_src = str(ROOT / "src")
    runs: dict[str, list[dict[str, float]]] = {"this": [], "other": []}
    for _ in range(repeat):  # interleaved: the machine's load falls on both alike
        runs["other"].append(child(n, other))
        runs["this"].append(child(n, mine_src))
    med = statistics.median
    print(f"weekly scan of {n:,} issues, median of {repeat} interleaved runs per checkout (seconds in process):")
    print(f"{'checkout':<40} | {'first s':>7} | {'again s':>7} | {'requests first/again':>20} | {'parsed again':>12}")
    for name, src in (("other", other), ("this", mine_src)):
        rs = runs[name]
        first = med(r["first_s"] for r in rs)
        again = med(r["again_s"] for r in rs)
        req = f"{rs[0]['first_reads'] + rs[0]['first_writes']:.0f}/{rs[0]['again_reads'] + rs[0]['again_writes']:.0f}"
        print(f"{src[-40:]:<40} | {first:>7.2f} | {again:>7.2f} | {req:>20} | {rs[0]['again_parsed']:>12.0f}")
    ratio = med(r["again_s"] for r in runs["this"]) / med(r["again_s"] for r in runs["other"])
    same = all(
        (a[f"{k}_reads"], a[f"{k}_writes"]) == (b[f"{k}_reads"], b[f"{k}_writes"])
        for a, b in zip(runs["this"], runs["other"], strict=True)
        for k in ("first", "again")
    )
    print(f"steady scan, this / other: {ratio:.2f}x (target: <= 0.2x); same request counts: {same}")
    print(f"state file after the scan: {runs['this'][0]['again_state_kb']:.0f} kB (must stay under 1,000 kB)")


def _pygithub() -> str:
    from importlib.metadata import version

    return version("PyGithub")


if __name__ == "__main__":
    main()
