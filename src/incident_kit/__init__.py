"""incident-kit: a small team's incident process, run as GitHub issues by composite Actions.

The package is split into a pure core (``document``, ``parse`` and the feature
modules it calls, ``rules``, ``phase``) that turns an issue body into a typed
:mod:`incident_kit.model` and findings, and a thin shell (``cli`` and, later, the
GitHub adapters) that reads files, the environment and the API.
"""

from __future__ import annotations

__version__ = "0.1.0"
