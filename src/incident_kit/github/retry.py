"""When to wait and retry a GitHub request, and for how long (pure decisions, no I/O).

GitHub answers a rate-limited request with 403 or 429. The documented order is:
wait ``retry-after`` seconds when present; else, when ``x-ratelimit-remaining``
is 0, wait until ``x-ratelimit-reset``; else wait at least a minute and back off
(https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
Server errors and dropped connections are retried with exponential back-off.
The total wait of a run is capped: past the cap the run fails with a clear
message instead of hanging until the job's timeout.
"""

from __future__ import annotations

from collections.abc import Mapping

SECONDARY_MIN_WAIT = 60.0


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def is_rate_limited(status: int, headers: Mapping[str, str] | None, message: str) -> bool:
    if status == 429:
        return True
    if status != 403:
        return False
    if _header(headers, "retry-after") is not None or _header(headers, "x-ratelimit-remaining") == "0":
        return True
    return "rate limit" in message.lower()


def rate_limit_wait(headers: Mapping[str, str] | None, now: float, attempt: int) -> float:
    """Seconds to wait before retrying a rate-limited request."""
    retry_after = _header(headers, "retry-after")
    if retry_after is not None:
        try:
            return float(max(0.0, float(retry_after)))
        except ValueError:
            pass
    if _header(headers, "x-ratelimit-remaining") == "0":
        reset = _header(headers, "x-ratelimit-reset")
        try:
            return float(max(0.0, float(reset or "") - now) + 1.0)
        except ValueError:
            pass
    return SECONDARY_MIN_WAIT * float(2**attempt)


def backoff(attempt: int, base: float = 1.0) -> float:
    """Back-off for server errors and resets: 1, 2, 4, 8 ... seconds."""
    return base * float(2**attempt)
