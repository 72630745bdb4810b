"""Fetching images attached to an issue for the PDF report, from GitHub's own hosts only, within limits.

The report embeds an image only when this module fetched it itself: the renderer
never reads a path or URL that came from the issue. Only https URLs on GitHub's
attachment hosts are fetched, redirects are followed only to those hosts, and
each image and the total are capped; anything else stays a link in the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from incident_kit.basics.attachment_urls import GITHUB_HOSTS, host_in, host_of, on_hosts

MAX_IMAGE = 5 * 1024 * 1024
MAX_TOTAL = 20 * 1024 * 1024
MAX_COUNT = 20
TIMEOUT = 10.0

Fetch = Callable[[str], bytes | None]


def http_fetcher(
    token: str = "", hosts: tuple[str, ...] = GITHUB_HOSTS, scheme_ok: tuple[str, ...] = ("https",)
) -> Fetch:
    """A fetcher that follows at most 3 redirects, each to an allowed host, and reads at most MAX_IMAGE bytes."""
    import requests

    def fetch(url: str) -> bytes | None:
        headers = {"User-Agent": "incident-kit"}
        # The token goes to github.com itself only, never to a look-alike such as evilgithub.com.
        if token and host_in(host_of(url), ("github.com",)):
            headers["Authorization"] = f"token {token}"
        for _ in range(4):
            if not on_hosts(url, hosts, scheme_ok):
                return None
            try:
                with requests.get(url, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True) as resp:
                    if resp.status_code in (301, 302, 303, 307, 308):
                        url = resp.headers.get("location", "")
                        headers.pop("Authorization", None)  # never send the token to another host
                        continue
                    if resp.status_code != 200:
                        return None
                    data = b""
                    for chunk in resp.iter_content(64 * 1024):
                        data += chunk
                        if len(data) > MAX_IMAGE:
                            return None
                    return data
            except requests.RequestException:
                return None
        return None

    return fetch


def fetch_images(urls: Iterable[str], fetch: Fetch) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    total = 0
    for url in list(dict.fromkeys(urls))[:MAX_COUNT]:
        data = fetch(url)
        if data is None or total + len(data) > MAX_TOTAL:
            continue
        out[url] = data
        total += len(data)
    return out
