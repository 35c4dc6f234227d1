"""The ops brief's companion: proxy headers, the three probes and a drain, with uvicorn alone.

What: `python labs/uvicorn_proxy_and_health_lab.py` starts the echo app itself with
`python -m app.serve` (uvicorn underneath, --proxy-headers on by default, FORWARDED_ALLOW_IPS
=127.0.0.1, a 2 s warm-up, a 2 s drain window) on a free loopback port, and walks through
  1. forwarded headers from a trusted hop (127.0.0.1) and from an untrusted one (127.0.0.77);
  2. /health/live, /health/startup and /health/ready during the warm-up and after it;
  3. SIGTERM: readiness turns 503 at once, requests still succeed for the window, exit code 0.
It prints a readable walk-through and exits 0, leaving no process behind (the server is killed
in `finally` if anything went wrong); 1 when the drain did not end with exit code 0, 2 when the app
did not start, 130 on Ctrl-C (proxylab/exits.py).
When: on a laptop with only the Python dependencies (`pip install -e .`): no Traefik, no Nginx,
no Docker. The full lab (labs 04, 06, 07) shows the same through real proxies.
Why: the brief's points 2 to 4 fit in one screen when the "proxy" is a header you send yourself.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Run by its path (`python labs/uvicorn_proxy_and_health_lab.py`): the repository is not on sys.path.
sys.path.insert(0, str(REPO))

from proxylab.errors import ProxylabError  # noqa: E402
from proxylab.exits import EXPECTATION_FAILED, OK, run_main  # noqa: E402

TRUSTED, UNTRUSTED = "127.0.0.1", "127.0.0.77"
FORGED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def get(
    port: int, path: str, source: str = TRUSTED, headers: dict[str, str] | None = None
) -> tuple[int | str, dict]:
    """One GET from `source`; (status, JSON body) or (error name, {})."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body.startswith(b"{") else {}
    except OSError as error:
        return type(error).__name__, {}
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FORWARDED_ALLOW_IPS": TRUSTED,
        "PROXYLAB_STARTUP_DELAY": "2",
        "PROXYLAB_DRAIN_SECONDS": "2",
    }
    argv = [sys.executable, "-m", "app.serve", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    print(
        f"$ FORWARDED_ALLOW_IPS={TRUSTED} PROXYLAB_STARTUP_DELAY=2 PROXYLAB_DRAIN_SECONDS=2 "
        f"python {' '.join(argv[1:])}"
    )
    server = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while get(port, "/health/live")[0] != 200:
        if server.poll() is not None or time.monotonic() > deadline:
            raise ProxylabError(
                "the app", f"did not start (exit code {server.poll()})", "run the command above to see why"
            )
        time.sleep(0.1)
    return server


def probes(port: int) -> str:
    return ", ".join(f"{name} {get(port, f'/health/{name}')[0]}" for name in ("live", "startup", "ready"))


def walk_through(port: int, server: subprocess.Popen) -> bool:
    """The four parts of the walk-through; False when the drain did not end with exit code 0."""
    print("\n1. Probes while the app warms up (startup and ready say 503; live never waits):")
    print(f"   {probes(port)}")

    print("\n2. Forwarded headers: uvicorn believes them only from --forwarded-allow-ips")
    for source in (TRUSTED, UNTRUSTED):
        _, body = get(port, "/app", source, FORGED)
        print(
            f"   from {source:<11} X-Forwarded-For {FORGED['X-Forwarded-For']}, -Proto https → "
            f"client {body.get('client_host')}, scheme {body.get('scheme')}"
        )
    print(f"   {TRUSTED} is a trusted hop: the app takes the header's client and scheme. {UNTRUSTED}")
    print("   is not: the headers are ignored and the app sees the real peer. Never trust '*'.")

    time.sleep(2.2)
    print(f"\n3. After the 2 s warm-up: {probes(port)}")

    print("\n4. SIGTERM: not ready at once, still serving for the drain window, then exit 0")
    server.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    print(f"   0.3 s after SIGTERM: ready {get(port, '/health/ready')[0]}, GET /app {get(port, '/app')[0]}")
    code = server.wait(timeout=15)
    print(f"   after the window: GET /app → {get(port, '/app')[0]} (listener closed); exit code {code}")
    if code != 0:
        print(f"app.serve exited {code}, not 0", file=sys.stderr)
    return code == 0


def main() -> int:
    return run_main(_walk)


def _walk() -> int:
    port = free_port()
    server = start_server(port)
    try:
        drained = walk_through(port, server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    print("\nRemember: trust forwarded headers only from your proxies; live, startup and ready answer")
    print("different questions; drain (not ready, keep serving, then stop) before you exit.")
    return OK if drained else EXPECTATION_FAILED


if __name__ == "__main__":
    sys.exit(main())
