"""`python -m app.serve`: the drain window on a real uvicorn subprocess, against plain uvicorn.

On SIGTERM the launcher must turn /health/ready to 503 at once, keep answering for the window,
end open streams cleanly, then exit 0. Plain uvicorn is checked too, because the launcher exists
for what it does: it refuses new connections right after SIGTERM.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DRAIN_S = 2.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> int | str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError as error:
        return type(error).__name__
    finally:
        connection.close()


def _start(argv: list[str], port: int, repo_root: Path) -> subprocess.Popen:
    env = {**os.environ, "PROXYLAB_DRAIN_SECONDS": str(DRAIN_S)}
    process = subprocess.Popen(
        [*argv, "--host", "127.0.0.1", "--port", str(port)],
        cwd=repo_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while _get(port, "/health/ready") != 200:
        assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    return process


@pytest.fixture
def serve(repo_root: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    port = _free_port()
    process = _start([sys.executable, "-m", "app.serve", "app.main:app"], port, repo_root)
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()


def test_sigterm_turns_unready_at_once_serves_through_the_window_and_exits_0(serve) -> None:
    """Proxies would keep sending traffic to a leaving replica, or meet a closed listener (502s)."""
    process, port = serve
    process.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    assert _get(port, "/health/ready") == 503, "readiness must fail the moment SIGTERM arrives"
    served = [_get(port, "/app") for _ in range(5)]
    assert served == [200] * 5, "the app must keep serving during the drain window"
    assert process.poll() is None, "the process left before its drain window ended"
    assert process.wait(timeout=DRAIN_S + 10) == 0, "app.serve must exit 0 after a clean shutdown"
    assert _get(port, "/app") == "ConnectionRefusedError"


def test_an_open_stream_ends_with_a_bye_event_when_draining(serve) -> None:
    """An SSE client would be cut mid-event at the graceful-shutdown timeout instead of told to go."""
    process, port = serve
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/stream?ticks=100")
    response = connection.getresponse()
    assert response.readline() == b"retry: 1000\n"
    process.send_signal(signal.SIGTERM)
    body = response.read().decode()  # returns only when the server ends the stream
    connection.close()
    assert body.rstrip().endswith("event: bye\ndata: draining")
    assert process.wait(timeout=DRAIN_S + 10) == 0


def test_plain_uvicorn_refuses_new_connections_right_after_sigterm(repo_root: Path) -> None:
    """If this fails, uvicorn itself now drains, and app.serve's reason to exist should be re-read."""
    port = _free_port()
    process = _start([sys.executable, "-m", "uvicorn", "app.main:app"], port, repo_root)
    try:
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert _get(port, "/app") == "ConnectionRefusedError"
        assert process.wait(timeout=10) == -signal.SIGTERM, "uvicorn re-raises the signal it caught"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
