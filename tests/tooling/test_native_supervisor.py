"""proxylab/native/supervisor.py: stopping a service leaves none of its processes, and a cleanup
that fails does not hide the failure it followed.

Each test runs a one-service compose.yaml of its own: a stand-in app server (`python -m app.serve`,
written here) that listens on a free port of 127.0.0.1 and leaves the serving to a worker, as
Hypercorn's master does. A failure means one of two things `make drift` met: a restart or a
failed start left the worker holding the port (the next start found it "already in use"); or the
cleanup after a failed start reported "ports ... are still in use after stopping every service"
instead of why the start failed.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from instruments.releases.apps import run_apps
from proxylab import ports
from proxylab.compose import load
from proxylab.errors import ProxylabError
from proxylab.exits import FAULT, run_main
from proxylab.native.processes import start_time
from proxylab.native.supervisor import NativeBackend

SERVICE = "app-stand-in"

# The master: listens, hands the socket to a worker, then does what STAND_IN says. `serves` waits
# for its stop signal and dies of it at once, leaving the worker behind in its process group; the
# two `exits` kinds exit 3 at once, their worker serving on, in the group or in a session of its own.
_SERVE = """\
import os, socket, subprocess, sys, time
args = sys.argv[1:]
host, port = args[args.index("--host") + 1], int(args[args.index("--port") + 1])
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((host, port))
listener.listen()
how = os.environ["STAND_IN"]
worker = subprocess.Popen(
    [sys.executable, os.path.join(os.path.dirname(__file__), "worker.py"), str(listener.fileno())],
    pass_fds=[listener.fileno()],
    start_new_session=how == "exits, its worker escapes",
)
with open(os.environ["WORKER_PIDS"], "a") as pids:
    pids.write(f"{worker.pid}\\n")
if how.startswith("exits"):
    os._exit(3)
while True:
    time.sleep(60)
"""

# The worker: answers every GET with 200 on the socket it was handed.
_WORKER = """\
import http.server, socket, sys

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Health, bind_and_activate=False)
server.socket.close()
server.socket = socket.socket(fileno=int(sys.argv[1]))
server.serve_forever()
"""

_COMPOSE = """\
name: stand-in
networks:
  lab:
    ipam:
      config:
        - subnet: 172.31.250.0/24
services:
  {service}:
    build: .
    command: [python, -m, app.serve]
    environment:
      STAND_IN: "{how}"
      WORKER_PIDS: {pids}
    ports:
      - {{name: {service}, host_ip: 127.0.0.1, published: {port}, target: 8000}}
    healthcheck:
      test: [CMD, curl, -fsS, "http://127.0.0.1:8000/health"]
      interval: 1s
      timeout: 1s
      retries: 3
"""


@dataclass
class StandIn:
    backend: NativeBackend
    port: int
    pids: Path

    def workers(self) -> list[int]:
        """Every worker the master has started, oldest first."""
        return [int(line) for line in self.pids.read_text().split()] if self.pids.exists() else []

    def main_pid(self) -> int:
        status = next(s for s in self.backend.status() if s.name == SERVICE)
        return int(status.ident.split()[1])

    def port_is_free(self) -> bool:
        return ports.can_bind("127.0.0.1", self.port)


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], StandIn]]:
    """stand_in(how): the native backend over a compose.yaml whose one service is the stand-in."""
    monkeypatch.delenv("PROXYLAB_APP_VENV", raising=False)  # the stand-in runs from this .venv
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "serve.py").write_text(_SERVE)
    (tmp_path / "app" / "worker.py").write_text(_WORKER)
    made: list[StandIn] = []

    def make(how: str) -> StandIn:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        pids = tmp_path / "workers"
        compose = tmp_path / "compose.yaml"
        compose.write_text(_COMPOSE.format(service=SERVICE, how=how, pids=pids, port=port))
        stack = load(compose, env={}, project_dir=tmp_path)
        made.append(StandIn(NativeBackend(stack, run_dir=tmp_path / "run", log=lambda _: None), port, pids))
        return made[-1]

    yield make
    for made_one in made:
        try:
            made_one.backend.down()
        except ProxylabError:
            pass  # an escaped worker still holds the port: it is killed below
        for pid in made_one.workers():
            if start_time(pid) is not None:
                os.kill(pid, signal.SIGKILL)


def _reraise(error: BaseException) -> int:
    raise error


# --- a failed start -------------------------------------------------------------------------------


def test_a_failed_start_is_told_before_the_cleanup_that_failed_after_it(stand_in, capsys) -> None:
    """`make drift` printed only "ports 127.0.0.1:8008: are still in use after stopping every
    service", the cleanup's failure, and not why the start had failed; here a worker in a session
    of its own holds the port, which no stop can find."""
    lab = stand_in("exits, its worker escapes")
    with pytest.raises(ProxylabError) as raised:
        lab.backend.up()
    error = raised.value
    assert (error.thing, error.cause) == (f"service {SERVICE}", "exited with code 3 before turning healthy")
    assert getattr(error, "__notes__", []) == [
        f"while cleaning up: ports 127.0.0.1:{lab.port}: are still in use after stopping every service\n"
        "  next: find the owner with `ss -ltnp` and stop it"
    ]
    # As a command line prints it: the cause first, the cleanup after, the exit status a fault's.
    assert run_main(lambda: _reraise(error)) == FAULT
    printed = capsys.readouterr().err
    assert printed.startswith(f"error: service {SERVICE}: exited with code 3 before turning healthy\n")
    assert printed.index("exited with code 3") < printed.index("while cleaning up: ports 127.0.0.1:")


def test_a_failed_start_leaves_nothing_of_the_service_behind(stand_in) -> None:
    """A master that exits before turning healthy, its worker serving on in its group, as
    Hypercorn's may: `down` skipped a service whose main process was gone, so the worker kept the
    port and the cleanup failed with "ports ... are still in use"."""
    lab = stand_in("exits, its worker stays")
    with pytest.raises(ProxylabError) as raised:
        lab.backend.up()
    assert raised.value.cause == "exited with code 3 before turning healthy"
    assert getattr(raised.value, "__notes__", []) == [], "the cleanup after the failed start failed"
    (worker,) = lab.workers()
    assert start_time(worker) is None, "the master's worker outlived the failed start"
    assert lab.port_is_free()


# --- a restart of one service ---------------------------------------------------------------------


def _labs_restart(lab: StandIn) -> None:
    """Labs 06 and 07: the service's own stop signal, then a start that waits until it is healthy."""
    lab.backend.stop_service(SERVICE)
    lab.backend.start_service(SERVICE)


def _drifts_restart(lab: StandIn) -> None:
    """`make drift` and lab 14 (instruments/releases/apps.py): SIGKILL, start, wait until healthy."""
    run_apps(lab.backend, None, [SERVICE])


def _restart_after_a_crash(lab: StandIn) -> None:
    """The master died on its own (killed here) before anyone stopped it; its worker serves on."""
    main = lab.main_pid()
    os.kill(main, signal.SIGKILL)
    deadline = time.monotonic() + 2.0
    while start_time(main) is not None and time.monotonic() < deadline:  # gone, or a zombie
        time.sleep(0.02)
    _labs_restart(lab)


@pytest.mark.parametrize(
    "restart",
    [_labs_restart, _drifts_restart, _restart_after_a_crash],
    ids=["a lab's restart", "drift's restart", "a restart after the master crashed"],
)
def test_a_restart_leaves_no_worker_behind(stand_in, restart: Callable[[StandIn], None]) -> None:
    """The old worker would keep the port, and the new start fail with "port 127.0.0.1:8008 (for
    app-hypercorn): is already in use by pid N (python3)", as `make drift` did under a release set."""
    lab = stand_in("serves")
    lab.backend.up()
    (old,) = lab.workers()
    old_started = start_time(old)
    restart(lab)
    assert start_time(old) != old_started, "the stopped service's worker is still running"
    assert [s.is_healthy for s in lab.backend.status()] == [True]
    assert len(lab.workers()) == 2
