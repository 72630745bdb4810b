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

from incident_kit.basics.attachment_urls import FORMS, VIDEO_EXTENSIONS, host_in, split
from incident_kit.body.model import Link
from incident_kit.settings.defaults import DEFAULT_VIDEO_HOSTS

_URL = re.compile(r"https?://[^\s<>\"'`)\]]+")
_IMG_BEFORE = re.compile(r"(<img\b[^>]*\bsrc\s*=\s*[\"']?|!\[[^\]]*\]\(\s*<?)$", re.I)
_VIDEO_BEFORE = re.compile(r"<(video|source)\b[^>]*\bsrc\s*=\s*[\"']?$", re.I)


def _split(url: str) -> tuple[str, str]:
    """(host, path) of a URL; a URL that cannot be split (``http://[x``) has neither."""
    parts = split(url)
    return ((parts.hostname or "").lower(), parts.path.lower()) if parts else ("", "")


def classify(url: str, context: str, allowed_hosts: tuple[str, ...]) -> tuple[str, str]:
    """Return (kind, form) for a URL; ``context`` is "bare", "image" or "video" (how it was written)."""
    url = url.rstrip(".,;:")
    host, path = _split(url)
    for form, pattern, extensionless in FORMS:
        if pattern.match(url.split("?", 1)[0]):
            if path.endswith(VIDEO_EXTENSIONS) or context == "video":
                return "video", form
            if extensionless:
                return ("image", form) if context == "image" else ("video", form)
            return ("image", form) if context == "image" else ("link", form)
    if context != "image" and host_in(host, allowed_hosts):
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
