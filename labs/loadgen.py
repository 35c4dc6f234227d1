"""A small, bounded load generator: GET one loopback URL at a fixed rate and count what went wrong.

What: `run_load(url, rate, duration_s)` sends `rate` requests per second for `duration_s`
seconds from a pool of threads, each with its own keep-alive connection (as a browser or an
API client would hold one), and returns a `LoadResult`: requests, 2xx, non-2xx answers,
connection errors (no HTTP answer at all), and latency percentiles. Requests are scheduled on a
fixed clock, not "as fast as the last one returned", so a stall shows up as latency and a burst
of errors rather than as fewer requests.
When: lab 07's `rolling-restart:` steps, while one replica behind the proxy is restarted.
Why bounded: it is a lab instrument, not a benchmark. Only 127.0.0.1 URLs are accepted, the
rate and duration are capped, and the total is rate × duration requests, never more.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

MAX_RATE = 500
MAX_DURATION_S = 60.0
WORKERS = 32
TIMEOUT_S = 5.0


@dataclass
class LoadResult:
    """Counts and latencies of one run; `failed` is what a user would have noticed."""

    requests: int = 0
    ok: int = 0
    non_2xx: int = 0
    connection_errors: int = 0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return self.non_2xx + self.connection_errors

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def run_load(url: str, rate: int, duration_s: float) -> LoadResult:
    """GET `url` `rate` times a second for `duration_s` seconds; every request is counted."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname != "127.0.0.1" or parts.scheme != "http":
        raise ValueError(f"the load generator only sends to http://127.0.0.1, not {url}")
    if not 1 <= rate <= MAX_RATE or not 0 < duration_s <= MAX_DURATION_S:
        raise ValueError(f"rate must be 1..{MAX_RATE}/s and duration 0..{MAX_DURATION_S:.0f}s")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    result, lock, local = LoadResult(), threading.Lock(), threading.local()
    total = int(rate * duration_s)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="load") as pool:
        for number in range(total):
            delay = start + number / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(_one, parts.hostname, parts.port or 80, target, local, result, lock)
    return result


def _one(
    host: str, port: int, target: str, local: threading.local, result: LoadResult, lock: threading.Lock
) -> None:
    began = time.monotonic()
    status = _get(host, port, target, local)
    elapsed_ms = (time.monotonic() - began) * 1000
    with lock:
        result.requests += 1
        result.latencies_ms.append(elapsed_ms)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status.isdigit() and 200 <= int(status) < 300:
            result.ok += 1
        elif status.isdigit():
            result.non_2xx += 1
        else:
            result.connection_errors += 1


def _get(host: str, port: int, target: str, local: threading.local) -> str:
    """One GET on this thread's keep-alive connection; the status, or the error's name."""
    connection = getattr(local, "connection", None)
    if connection is None:
        connection = local.connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        response.read()
        if response.getheader("connection", "").lower() == "close":
            connection.close()
        return str(response.status)
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        local.connection = None
        return type(error).__name__
