"""The write budget of one run (like actions/stale's operations-per-run), and the dry run.

Every write the shell makes first asks the budget; a dry run and a spent budget
both answer no, and what was not done is listed for the job summary. The next
run reconciles from the state again, so it picks up whatever was left.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Budget:
    """A count of writes a run may still make; a dry run may make none."""

    limit: int
    dry_run: bool = False
    used: int = 0
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def take(self, what: str) -> bool:
        if self.dry_run:
            self.skipped.append(f"{what} (dry run)")
            return False
        if self.used >= self.limit:
            self.skipped.append(f"{what} (write budget of {self.limit} used up; the next run continues)")
            return False
        self.used += 1
        self.done.append(what)
        return True
