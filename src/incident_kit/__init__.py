"""incident-kit: a small team's incident process, run as GitHub issues by composite Actions.

The package is layered; each folder imports only the ones before it (a test keeps it so):

- ``basics``: small shared facts (markers, limits, time).
- ``settings``: the team's ``.github/incident-kit.yml``.
- ``body``: reading the issue body into the typed model.
- ``rules``: findings and the phase.
- ``github``: the port and its two backends (REST on PyGithub, the local sandbox).
- ``render``: the PDF, the status comment's markdown, fonts and templates.
- ``plan``: pure planning of the desired state and the bot's stored state.
- ``apply``: the one place that performs a plan within the budget.
- ``entry``: the CLI, the action entry point, install and the demo.
"""

from __future__ import annotations

__version__ = "0.1.0"
