"""``incident-kit demo``: walk the demo incident (``story.STORY``) through incident-kit.

Each step's body is checked and what incident-kit concludes (decision, phase,
findings) is printed and written to an output folder a person can read.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from incident_kit import resources
from incident_kit.config import Config
from incident_kit.model import IssueContext
from incident_kit.parse import parse_incident
from incident_kit.rules import evaluate
from incident_kit.story import STORY, TITLE


def run_demo(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    body = resources.template_text().split("---\n", 2)[2].lstrip("\n")
    created = datetime.fromisoformat(STORY[0].at.replace("Z", "+00:00"))
    config = Config()
    print(f"Demo incident: {TITLE}\n")
    for n, step in enumerate(STORY, 1):
        body = step.edit(body)
        now = datetime.fromisoformat(step.at.replace("Z", "+00:00"))
        incident = parse_incident(body, reference=created)
        context = IssueContext(labels=frozenset({"incident"}), created_at=created, now=now)
        result = evaluate(incident, context, config)
        lines = [f"step {n}: {step.name} (by @{step.actor} at {step.at})"]
        lines.append(f"  decision: {result.decision}, phase: {result.phase}")
        lines += [f"  {f.severity} {f.rule} (line {f.line}): {f.message}" for f in result.findings]
        print("\n".join(lines) + "\n")
        (out / f"step-{n}-body.md").write_text(body, encoding="utf-8")
        (out / f"step-{n}-check.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"Bodies and findings of every step are in {out}/")
    return 0
