"""One health probe of a native service: an HTTP GET, or a Redis PING for a redis:// URL.

What: `probe(url, timeout)` → (True, "200") when the service answers as healthy, else (False, why).
HTTP: 2xx is healthy. redis://host:port: the inline command PING must get +PONG back.
When: the supervisor while it waits for a service to turn healthy, and `status`.
Why: compose.yaml's healthchecks run inside containers (app.probe, wget, redis-cli); natively
proxylab asks the same URL itself, so it must speak the one non-HTTP protocol the stack has.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request

# Health probes must reach loopback directly, whatever proxy the caller's environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def probe(url: str, timeout: float) -> tuple[bool, str]:
    """Is the service behind `url` healthy? (ok, what it answered or what went wrong). Several
    URLs, space-separated (a CMD-SHELL check that asks one route per provider): healthy when
    each is, in turn, as `wget A && wget B` would say; the answer names the first that is not."""
    if " " in url.strip():
        for one in url.split():
            ok, said = probe(one, timeout)
            if not ok:
                return False, f"{one}: {said}"
        return True, said
    if url.startswith("redis://"):
        return _ping_redis(url, timeout)
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return 200 <= response.status < 300, str(response.status)
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return False, str(getattr(exc, "reason", exc))


def _ping_redis(url: str, timeout: float) -> tuple[bool, str]:
    """What `redis-cli -u URL ping` checks: the server answers PING with +PONG."""
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout
        ) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as exc:
        return False, str(exc)
    if answer.startswith(b"+PONG"):
        return True, "PONG"
    return False, f"answered {answer[:40]!r} to PING"
