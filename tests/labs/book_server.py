"""What the lab book's tests share to run `python -m labs.book` as a process: a free port, and
waiting until its index answers (asked directly, never through a proxy from the environment)."""

from __future__ import annotations

import socket
import time
import urllib.request

# Loopback directly, never through a proxy from the environment (http_proxy).
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_index(port: int, timeout_s: float = 15.0) -> None:
    """Until the book's index answers 200; the last connection error once `timeout_s` is over."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with _DIRECT.open(f"http://127.0.0.1:{port}/", timeout=2) as page:
                assert page.status == 200
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
