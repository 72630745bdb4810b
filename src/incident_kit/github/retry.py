"""When to wait and retry a GitHub request, and for how long (pure decisions, no I/O).

GitHub answers a rate-limited request with 403 or 429. The documented order is:
wait ``retry-after`` seconds when present; else, when ``x-ratelimit-remaining``
is 0, wait until ``x-ratelimit-reset``; else wait at least a minute and back off
(https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
Server errors and dropped connections are retried with exponential back-off.
Every retry is bounded three ways (:class:`RetryLimits`): tries of one
request, retries in the whole run, and seconds waited in the whole run. Past
any of them the run fails with a clear message instead of hanging until the
job's timeout or spending the hourly quota.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True)
class RetryLimits:
    """How far a run goes before it gives up on GitHub.

    Waited seconds alone do not bound a run: a server answering 429 with
    ``retry-after: 0`` costs no waiting at all and would be asked again forever.
    So one request gets at most ``attempts`` tries, and one run at most
    ``retries`` retries over all its requests (a run whose every request fails
    stops after a handful of them, not after ``attempts`` times each).
    """

    attempts: int = 6  # tries of one request, the first one included
    retries: int = 30  # retries in one run, over all its requests
    wait: float = 300.0  # seconds one run may spend waiting (the job's timeout is 10 minutes)


def give_up(limits: RetryLimits, *, attempt: int, run_retries: int, waited: float, wait: float) -> str | None:
    """Why the request that just failed (try number ``attempt + 1``) must not be tried again, or None.

    ``run_retries`` and ``waited`` are what the run has spent so far, ``wait`` the
    pause this retry would need.
    """
    if attempt + 1 >= limits.attempts:
        return f"gave up after {attempt + 1} attempts"
    if run_retries >= limits.retries:
        return f"gave up: this run already retried {run_retries} times"
    if waited + wait > limits.wait:
        return f"gave up after waiting {waited:.0f} s"
    return None
