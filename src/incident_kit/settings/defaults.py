"""Built-in defaults that both the settings schema and the body readers use.

They live here, below both, so the settings never import a body reader to borrow
a list, and a reader called without settings (tests, ``check`` with no file)
uses the same values.
"""

from __future__ import annotations

# Action items that ask people to "be careful" or "do their best" instead of changing code,
# the issue template or the schedule (the template's own rule).
DEFAULT_VAGUE_PHRASES = (
    "be careful",
    "more careful",
    "do your best",
    "do our best",
    "pay attention",
    "pay more attention",
    "double-check",
    "double check",
    "try harder",
    "keep in mind",
    "be aware",
    "remember to",
    "気をつける",
    "気を付ける",
    "注意する",
    "頑張る",
    "がんばる",
    "徹底する",
)

# Hosts whose links count as a video of the incident, besides GitHub's own attachments.
DEFAULT_VIDEO_HOSTS = (
    "loom.com",
    "youtube.com",
    "youtu.be",
    "drive.google.com",
    "vimeo.com",
)
