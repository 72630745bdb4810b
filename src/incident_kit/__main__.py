"""Entry point for ``python -m incident_kit``."""

from __future__ import annotations

import sys

from incident_kit.entry.cli import main

if __name__ == "__main__":
    sys.exit(main())
