"""Video attachments: which links under "Video of incident" are videos.

GitHub inserts an uploaded video as a bare ``https://github.com/user-attachments/assets/<uuid>``
line with no file extension, and an uploaded image as ``<img ... src="...same form...">``
or ``![](...)``: the same URL form is a video or an image depending on how it
is written. Older forms carry the extension. Links to hosts the team allows
(Loom, YouTube, Google Drive, ...) count as videos too. The URL forms and real
examples are in ``shared/fixtures/attachments.md``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from incident_kit.body.model import Link
from incident_kit.settings.defaults import DEFAULT_VIDEO_HOSTS

VIDEO_EXTENSIONS = (".mp4", ".mov", ".webm")

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# (form name, pattern, True when the form has no extension and so depends on how it is written)
_FORMS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("user-attachments", re.compile(rf"^https://github\.com/user-attachments/assets/{_UUID}$"), True),
    ("user-attachments-file", re.compile(r"^https://github\.com/user-attachments/files/\d+/"), False),
    ("repo-assets", re.compile(rf"^https://github\.com/[\w.-]+/[\w.-]+/assets/\d+/{_UUID}$"), True),
    ("repo-files", re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/files/\d+/"), False),
    ("user-images", re.compile(r"^https://user-images\.githubusercontent\.com/\d+/"), False),
    ("private-user-images", re.compile(r"^https://private-user-images\.githubusercontent\.com/"), False),
    ("cloud", re.compile(r"^https://cloud\.githubusercontent\.com/assets/"), False),
)

_URL = re.compile(r"https?://[^\s<>\"'`)\]]+")
_IMG_BEFORE = re.compile(r"(<img\b[^>]*\bsrc\s*=\s*[\"']?|!\[[^\]]*\]\(\s*<?)$", re.I)
_VIDEO_BEFORE = re.compile(r"<(video|source)\b[^>]*\bsrc\s*=\s*[\"']?$", re.I)


def _split(url: str) -> tuple[str, str]:
    """(host, path) of a URL; a URL that cannot be split (``http://[x``) has neither."""
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower(), parts.path.lower()
    except ValueError:
        return "", ""


def classify(url: str, context: str, allowed_hosts: tuple[str, ...]) -> tuple[str, str]:
    """Return (kind, form) for a URL; ``context`` is "bare", "image" or "video" (how it was written)."""
    url = url.rstrip(".,;:")
    host, path = _split(url)
    for form, pattern, extensionless in _FORMS:
        if pattern.match(url.split("?", 1)[0]):
            if path.endswith(VIDEO_EXTENSIONS) or context == "video":
                return "video", form
            if extensionless:
                return ("image", form) if context == "image" else ("video", form)
            return ("image", form) if context == "image" else ("link", form)
    if context != "image" and any(host == h or host.endswith("." + h) for h in allowed_hosts):
        return "video", "allowed-host"
    if path.endswith(VIDEO_EXTENSIONS) and context != "image":
        # A direct video file on another host: a video, but say which host so config can allow it.
        return "link", "other-video-file"
    return ("image" if context == "image" else "link"), "other"


def find_links(lines: list[tuple[int, str]], allowed_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS) -> tuple[Link, ...]:
    """Every URL in the given (line number, text) pairs, classified."""
    out: list[Link] = []
    for number, text in lines:
        for m in _URL.finditer(text):
            before = text[: m.start()]
            if _IMG_BEFORE.search(before):
                context = "image"
            elif _VIDEO_BEFORE.search(before):
                context = "video"
            else:
                context = "bare"
            url = m.group(0).rstrip(".,;:")
            kind, form = classify(url, context, allowed_hosts)
            out.append(Link(url, number, kind, form))
    return tuple(out)
