"""The three incident roles, in the order the template lists them, with the names people read.

Messages, the status comment, the report, the figures and the phase rules all walk the
roles in this order; the body reader (``body.roles``) finds them by these keys.
"""

from __future__ import annotations

ROLE_ORDER = ("investigator", "communicator", "recorder")
ROLE_NAMES = {"investigator": "Investigator", "communicator": "Communicator", "recorder": "Recorder"}
