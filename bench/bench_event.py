"""Benchmark: the event handler as a whole process against the loopback fake GitHub API.

Prints, for a typical ``issues.edited`` event (median of several runs):
- wall time of ``python -m incident_kit run`` (interpreter start, imports, API calls, output);
- API requests per event and writes per event, first run and a re-run with nothing to change;
- which heavy modules the handler imported (no PDF or calendar library belongs on this path).

Targets (issue #3): median under 1 s on a 2-core machine; at most 4 requests on a typical
edit; 0 writes when nothing changed. Issue #16: the typical edit within 1.25x of the floor, a
process that imports PyGithub and makes the same GET requests through it (measured in the same
run, interleaved with the handler's runs). Run: ``.venv/bin/python bench/bench_event.py``.

``--runs N`` sets the number of runs (default 9).
``--compare SRC`` also runs the handler from another checkout's ``src`` (PYTHONPATH=SRC, e.g. a worktree
of main), interleaved with the others, so a before/after ratio is not skewed by the machine's load.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bytecode_state  # bench/: which bytecode state the figures are for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakegithub import FakeGitHub  # noqa: E402

from incident_kit.body import edits  # noqa: E402
from incident_kit.entry import resources  # noqa: E402

REPO, BOT, TOKEN = "octo/app", "github-actions[bot]", "t"
RUNS = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 9
# cmarkgfm is not here: it parses the body on every event now (it is the event path).
HEAVY = ("xhtml2pdf", "reportlab", "icalendar", "nh3", "PIL", "jinja2", "yaml", "smtplib")


def body() -> str:
    text = resources.template_text().split("---\n", 2)[2]
    text = edits.answer(text, "50%", "y")
    text = edits.set_role(text, "Investigator", "alice")
    text = edits.set_role(text, "Communicator", "carol")
    text = edits.set_role(text, "Recorder", "dave")
    return edits.attach_video(text, "https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe")


def run_once(
    fake: FakeGitHub, number: int, tmp: Path, probe: bool = False, src: str = ""
) -> tuple[float, int, int, str]:
    event = tmp / "event.json"
    event.write_text(json.dumps({"action": "edited", "issue": {"number": number}, "sender": {"login": "alice"}}))
    env = {
        **os.environ,
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_OUTPUT": str(tmp / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary"),
        "GITHUB_WORKSPACE": str(tmp),
        "INCIDENT_KIT_TOKEN": TOKEN,
        "INCIDENT_KIT_BOT_LOGIN": BOT,
    }
    if src:
        env["PYTHONPATH"] = src
    code = "import sys, runpy; sys.argv=['incident-kit','run']; from incident_kit.entry.cli import main; rc=main()"
    if probe:
        # A module set up lazily (importlib.util.LazyLoader: settings' yaml) and never used is not loaded.
        loaded = "m in sys.modules and type(sys.modules[m]).__name__ != '_LazyModule'"
        code += f"; print('HEAVY=' + ','.join(m for m in {HEAVY!r} if {loaded}))"
    fake.reset_log()
    start = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - start
    heavy = next((line[6:] for line in res.stdout.splitlines() if line.startswith("HEAVY=")), "")
    return elapsed, fake.count(), len(fake.writes()), heavy


def floor_once(fake: FakeGitHub, paths: list[str]) -> float:
    """The floor: import PyGithub and make the handler's GET requests through its requester."""
    # A 404 (no settings file) is an answer like any other: the handler reads it too.
    code = (
        "from github import Auth, Github, GithubException\n"
        f"g = Github(auth=Auth.Token({TOKEN!r}), base_url={fake.base_url!r})\n"
        f"for p in {paths!r}:\n"
        "    try:\n        g.requester.requestJsonAndCheck('GET', p)\n"
        "    except GithubException:\n        pass\n"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=60)
    return time.perf_counter() - start


def main() -> None:
    compare = sys.argv[sys.argv.index("--compare") + 1] if "--compare" in sys.argv else ""
    print(bytecode_state.state())
    with FakeGitHub() as fake, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        fake.add_token(TOKEN, BOT)
        fake.add_repo(REPO)
        for login in ("alice", "carol", "dave"):
            fake.set_permission(REPO, login, "write")
        first_times, first_requests, first_writes = [], [], []
        for _ in range(RUNS):
            n = fake.create_issue(REPO, "Checkout is down", body(), user="alice", labels=["incident"])["number"]
            t, req, wr, _ = run_once(fake, n, tmp)
            first_times.append(t)
            first_requests.append(req)
            first_writes.append(wr)
        run_once(fake, n, tmp)
        # The handler's own reads on a typical edit (query strings dropped: same endpoints, same count).
        paths = [r.path for r in fake.requests if r.method == "GET" and not r.path.endswith("/rate_limit")]
        again_times, again_requests, again_writes, floor_times, other_times = [], [], [], [], []
        for _ in range(RUNS):
            floor_times.append(floor_once(fake, paths))
            if compare:
                other_times.append(run_once(fake, n, tmp, src=compare)[0])
            t, req, wr, _ = run_once(fake, n, tmp)
            again_times.append(t)
            again_requests.append(req)
            again_writes.append(wr)
        _, _, _, heavy = run_once(fake, n, tmp, probe=True)
    med = statistics.median
    print("event handler, whole process, against the loopback fake (median of", RUNS, "runs)")
    print(
        f"  first run on a new incident : {med(first_times) * 1000:7.0f} ms, "
        f"{med(first_requests):.0f} requests, {med(first_writes):.0f} writes"
    )
    print(
        f"  typical edit, nothing to do : {med(again_times) * 1000:7.0f} ms, "
        f"{med(again_requests):.0f} requests, {med(again_writes):.0f} writes"
    )
    print(f"  floor (PyGithub + {len(paths)} GETs)  : {med(floor_times) * 1000:7.0f} ms")
    print(f"  typical edit / floor        : {med(again_times) / med(floor_times):7.2f}x   (target: <= 1.25x)")
    if compare:
        other = med(other_times)
        print(f"  typical edit, {compare}: {other * 1000:7.0f} ms, {other / med(floor_times):.2f}x floor")
    print("  targets: < 1000 ms, <= 4 requests, 0 writes when nothing changed")
    print(f"  heavy modules imported      : {heavy or 'none'}   (target: none of {', '.join(HEAVY)})")


if __name__ == "__main__":
    main()
