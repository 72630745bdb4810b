"""GitHub's size limits that more than one layer must respect, in one place.

A body over :data:`BODY_MAX` is refused by GitHub with 422 "Body is too long"; the
plan cuts what it writes to fit and the local sandbox refuses the same way GitHub
does, so both read this one number.
"""

from __future__ import annotations

# Characters GitHub accepts in an issue or comment body (422 "Body is too long" above it).
BODY_MAX = 65_536
BODY_TOO_LONG = f"Body is too long (maximum is {BODY_MAX} characters)"  # GitHub's own words for the 422

# The largest ``per_page`` GitHub's REST API takes (its default is 30).
PAGE_MAX = 100
