"""Starting and stopping the stack on a real Docker engine: nothing is left behind.

These run in the Compose session of `make test` (BACKEND=compose, an engine answering) before the
session's own stack starts, on the same ports; in the native session they are skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import docker
import pytest
from terminal import sigint_as_in_a_terminal

from proxylab import compose
from proxylab.compose_backend import PROJECT_LABEL
from proxylab.paths import REPO

pytestmark = [pytest.mark.compose, pytest.mark.lifecycle]
STACK = compose.load()
PROJECT = str(STACK.raw["name"])


@pytest.fixture(autouse=True)
def on_compose():
    if os.environ.get("BACKEND", "").strip().lower() != "compose":
        pytest.skip(
            "Compose lifecycle: runs in the Compose session (BACKEND=compose), "
            "which `make test` starts when an engine answers"
        )


@pytest.fixture
def engine():
    return docker.from_env()


def leftovers(engine) -> tuple[list[str], list[str]]:
    """The project's containers (any state) and networks. A container removed between the SDK's
    listing and its inspection of each one (ignore_removed) is not a leftover: that race, during
    `up`, once failed this file's Ctrl-C test with docker.errors.NotFound."""
    label = {"label": f"{PROJECT_LABEL}={PROJECT}"}
    containers = engine.containers.list(all=True, filters=label, ignore_removed=True)
    return [c.name for c in containers], [n.name for n in engine.networks.list(filters=label)]


def proxylab(*args: str) -> list[str]:
    return [sys.executable, "-m", "proxylab", *args]


ENV = {**os.environ, "BACKEND": "compose", "PYTHONUNBUFFERED": "1"}


def test_up_then_down_leaves_no_container_and_no_network(engine):
    """`make down` would leave containers or the lab network behind, and the next `make up` (or
    another project on 172.30.0.0/24) would trip over them."""
    up = subprocess.run(proxylab("up"), cwd=REPO, env=ENV, capture_output=True, text=True, timeout=600)
    assert up.returncode == 0, up.stdout + up.stderr
    containers, networks = leftovers(engine)
    assert len(containers) == len(STACK.services) and networks, (containers, networks)
    down = subprocess.run(proxylab("down"), cwd=REPO, env=ENV, capture_output=True, text=True, timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    assert leftovers(engine) == ([], [])


def test_ctrl_c_during_up_stops_everything(engine):
    """A presenter's Ctrl-C while the stack starts would leave half a stack running on the ports."""
    process = subprocess.Popen(
        proxylab("up"),
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    )
    deadline = time.monotonic() + 300
    while not leftovers(engine)[0] and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert leftovers(engine)[0], "no container appeared: `up` never got as far as starting one"
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 130, output
    assert "everything that was started has been stopped" in output
    assert leftovers(engine) == ([], [])
