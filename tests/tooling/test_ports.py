"""proxylab/ports.py names the process behind a busy port: the message a user reads when `make up`
refuses a port. Natively many apps listen on port 8000, each on an address of its own, so the
owner must be the one on the address asked about."""

from __future__ import annotations

import os
import socket

import pytest

from proxylab import ports


@pytest.fixture
def listener():
    opened = []

    def listen(host: str, port: int = 0, family: int = socket.AF_INET) -> int:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.bind((host, port))
        sock.listen()
        opened.append(sock)
        return sock.getsockname()[1]

    yield listen
    for sock in opened:
        sock.close()


def test_the_owner_is_this_process_when_it_listens(listener):
    port = listener("127.0.0.1")
    assert ports.owner(port).startswith(f"pid {os.getpid()} ("), (
        "the process listening was not found in /proc"
    )


def test_a_listener_on_another_address_of_the_same_port_is_not_the_owner(listener):
    port = listener("127.0.0.5")
    assert ports.owner(port, "127.0.0.5").startswith(f"pid {os.getpid()} ")
    assert ports.owner(port, "127.0.0.6") == "an unknown process", (
        "a listener on 127.0.0.5 was named for 127.0.0.6"
    )


def test_a_wildcard_listener_owns_the_port_on_every_address(listener):
    port = listener("0.0.0.0")
    assert ports.owner(port, "127.0.0.7").startswith(f"pid {os.getpid()} ")
