"""`python -m labs.book` as a command: it prints its URL, serves, stops on Ctrl-C with 130, and a
taken port is a message that names the port, who holds it and what to do (no stack needed).

When one fails, a presenter typing `make book` gets a traceback instead of a next step, or a
book that cannot be stopped the way every other proxylab command is (proxylab/exits.py).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest
from book_server import free_port, wait_for_index

from labs.book.__main__ import main
from proxylab.exits import FAULT, INTERRUPTED
from proxylab.paths import REPO


def test_a_taken_port_names_its_holder_and_the_next_step(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port)]) == FAULT
    error = capsys.readouterr().err
    assert f"port {port}" in error
    assert "is already in use by pid" in error
    assert f"make book PORT={port + 1}" in error


def test_it_prints_its_url_serves_and_ctrl_c_exits_130() -> None:
    port = free_port()
    book = subprocess.Popen(
        [sys.executable, "-m", "labs.book", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert book.stdout is not None
        assert book.stdout.readline().strip() == f"the lab book: http://127.0.0.1:{port}/  (Ctrl-C stops it)"
        wait_for_index(port, timeout_s=10)
        book.send_signal(signal.SIGINT)
        assert book.wait(timeout=10) == INTERRUPTED
    finally:
        if book.poll() is None:
            book.kill()
            book.wait()


def test_ctrl_c_stops_a_room_with_followers_connected() -> None:
    """A follow stream never ends by itself: without room.close() on the signal, uvicorn would
    wait for it, and a room with attendees connected could not be stopped with Ctrl-C."""
    port = free_port()
    book = subprocess.Popen(
        [sys.executable, "-m", "labs.book", "--port", str(port), "--presenter"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_index(port, timeout_s=10)
        follower = socket.create_connection(("127.0.0.1", port), timeout=10)
        follower.sendall(f"GET /api/follow HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert b"text/event-stream" in follower.recv(4096)
        book.send_signal(signal.SIGINT)
        assert book.wait(timeout=10) == INTERRUPTED
        assert book.stderr is not None and "Traceback" not in book.stderr.read()
        follower.close()
    finally:
        if book.poll() is None:
            book.kill()
            book.wait()
