"""GitHub's attachment URLs: the forms an upload takes, the hosts they live on, and host matching.

GitHub inserts an uploaded video as a bare ``https://github.com/user-attachments/assets/<uuid>``
line with no file extension, and an uploaded image as ``<img src="...same form...">`` or
``![](...)``; older forms carry the extension or live on ``*.githubusercontent.com``. The body
reader (``body.video``) uses the forms to tell a video from an image, the report
(``render.pdf``) to decide which images it may embed, and the image fetcher
(``apply.attachments``) fetches only from these hosts. Real examples:
``shared/fixtures/attachments.md``.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

VIDEO_EXTENSIONS = (".mp4", ".mov", ".webm")
# Hosts GitHub serves attachments and image proxies from; a subdomain counts (user-images., camo., ...).
GITHUB_HOSTS = ("github.com", "githubusercontent.com")

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# (form name, pattern on the URL without its query, True when the form has no extension and so is a
# video or an image depending on how it is written)
FORMS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("user-attachments", re.compile(rf"^https://github\.com/user-attachments/assets/{UUID}$"), True),
    ("user-attachments-file", re.compile(r"^https://github\.com/user-attachments/files/\d+/"), False),
    ("repo-assets", re.compile(rf"^https://github\.com/[\w.-]+/[\w.-]+/assets/\d+/{UUID}$"), True),
    ("repo-files", re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/files/\d+/"), False),
    ("user-images", re.compile(r"^https://user-images\.githubusercontent\.com/\d+/"), False),
    ("private-user-images", re.compile(r"^https://private-user-images\.githubusercontent\.com/"), False),
    ("cloud", re.compile(r"^https://cloud\.githubusercontent\.com/assets/"), False),
)
# The path of an extensionless upload on github.com (either asset form above, as a rendered page links it).
ASSET_PATH = re.compile(rf"^/(?:user-attachments/assets/{UUID}|[^/]+/[^/]+/assets/\d+/{UUID})/?$")
_VIDEO_SUFFIX = re.compile("(?:" + "|".join(re.escape(e) for e in VIDEO_EXTENSIONS) + ")$", re.I)


def split(url: str) -> SplitResult | None:
    """The parts of a URL, or None for one urllib cannot take apart (``http://[x``, ``https://h:abc/``)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises only when read
    except ValueError:
        return None
    return parts


def host_of(url: str) -> str:
    """The URL's host in lower case; ``""`` when it has none or cannot be split."""
    parts = split(url)
    return (parts.hostname or "").lower() if parts else ""


def host_in(host: str, hosts: tuple[str, ...]) -> bool:
    """Is ``host`` one of ``hosts`` or a subdomain of one? (``evil-github.com`` is not ``github.com``.)"""
    return any(host == h or host.endswith("." + h) for h in hosts)


def on_hosts(url: str, hosts: tuple[str, ...] = GITHUB_HOSTS, schemes: tuple[str, ...] = ("https",)) -> bool:
    """Is ``url`` on one of ``hosts`` (or a subdomain) over one of ``schemes``?"""
    parts = split(url)
    return parts is not None and parts.scheme in schemes and host_in((parts.hostname or "").lower(), hosts)


def is_attachment_image(url: str) -> bool:
    """Is ``url`` one of GitHub's attachment or image-proxy URLs that can hold an image (https only)?"""
    parts = split(url)
    if parts is None or parts.scheme != "https" or parts.username or parts.password or parts.port not in (None, 443):
        return False
    if _VIDEO_SUFFIX.search(parts.path):
        return False
    host = (parts.hostname or "").lower()
    if host == "github.com":
        return bool(ASSET_PATH.match(parts.path))
    # user-images, private-user-images, camo and the other GitHub content hosts.
    return host.endswith(".githubusercontent.com")


def is_attachment_video(url: str) -> bool:
    """A link GitHub would play as a video: an extensionless upload, or a video file on GitHub's content hosts."""
    parts = split(url)
    if parts is None:
        return False
    host = (parts.hostname or "").lower()
    if host == "github.com" and ASSET_PATH.match(parts.path):
        return True
    return host.endswith("githubusercontent.com") and bool(_VIDEO_SUFFIX.search(parts.path))
