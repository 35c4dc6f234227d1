"""proxylab/netns.py: a command in a network namespace of its own, as `make test` runs the
lifecycle phase beside the session stack. When one fails, the lifecycle tests meet the session
stack on their ports (busy ports, or its processes taken for their own strays).
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from proxylab import netns

NETNS = [sys.executable, "-m", "proxylab.netns"]


def inside(code: str) -> subprocess.CompletedProcess:
    """Python `code` run in a network namespace of its own."""
    return subprocess.run([*NETNS, sys.executable, "-c", code], capture_output=True, text=True, timeout=30)


if netns.available():
    pytest.skip(f"this machine gives no network namespace: {netns.available()}", allow_module_level=True)


def test_a_port_held_outside_is_free_inside_and_its_loopback_answers() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code = (
            "import socket\n"
            f"server = socket.create_server(('127.0.0.1', {port}))\n"
            f"client = socket.create_connection(('127.0.0.1', {port}), timeout=5)\n"
            "peer, _ = server.accept()\n"
            "client.sendall(b'ok'); print(peer.recv(2).decode())\n"
        )
        done = inside(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_a_port_listening_outside_is_not_reached_from_inside() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        inside = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)\n"
        done = subprocess.run(
            [*NETNS, sys.executable, "-c", inside], capture_output=True, text=True, timeout=30
        )
    assert done.returncode != 0 and "ConnectionRefusedError" in done.stderr, done.stderr


def test_the_exit_status_is_the_commands() -> None:
    assert inside("raise SystemExit(7)").returncode == 7


def test_no_command_is_a_usage_error() -> None:
    done = subprocess.run(NETNS, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "usage: python -m proxylab.netns COMMAND" in done.stderr
