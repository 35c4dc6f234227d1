"""`make up` on a machine without the cached builds: what needs no build answers while they run.

A compose.yaml of its own with two services: an app (a small HTTP server written here) and a
real Caddy in front of it (the cached `make caddy` build), on free ports. The Caddy home is told
its binary still has to be built, and its `binary` waits until the test lets the "build" end:
the Go build's minutes, without spending them. A failure means a fresh machine would again wait
for Traefik's and Caddy's builds before anything answers, or that `make status` cannot say what
waits for which build, or that a failed build leaves the started services running.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from proxylab.compose import Stack, load
from proxylab.errors import ProxylabError
from proxylab.native.go_build import image_version
from proxylab.native.supervisor import NativeBackend
from proxylab.proxies.caddy import CADDY

_SERVE = """\
import http.server, sys
args = sys.argv[1:]
host, port = args[args.index("--host") + 1], int(args[args.index("--port") + 1])

class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass

http.server.HTTPServer((host, port), Hello).serve_forever()
"""

_CADDYFILE = """\
{
\tadmin off
\tauto_https off
\tpersist_config off
}
:8080 {
\trespond /caddy-health "ok" 200
}
:9201 {
\treverse_proxy app-stand-in:8000
}
"""

_COMPOSE = """\
name: routes-before-builds
x-proxylab:
  prefix: /api/v1
  native: {{subnet: 127.31.251.0/24, source-address: 127.0.0.1}}
networks:
  lab:
    ipam:
      config:
        - subnet: 172.31.251.0/24
services:
  app-stand-in:
    build: .
    command: [python, -m, app.serve]
    networks: {{lab: {{ipv4_address: 172.31.251.10}}}}
    ports:
      - {{name: app, host_ip: 127.0.0.1, published: {app_port}, target: 8000}}
    healthcheck:
      test: [CMD, curl, -fsS, "http://127.0.0.1:8000/"]
      interval: 1s
      timeout: 1s
      retries: 3
  caddy:
    image: caddy:{caddy_tag}
    command: [caddy, run, --config, /etc/caddy/Caddyfile, --adapter, caddyfile]
    volumes:
      - ./Caddyfile:/etc/caddy/Caddyfile:ro
    depends_on:
      app-stand-in: {{condition: service_healthy}}
    networks: {{lab: {{ipv4_address: 172.31.251.6}}}}
    ports:
      - {{name: route, host_ip: 127.0.0.1, published: {proxy_port}, target: 9201,
         x-route: {{app: app-stand-in, strips: false}}}}
    healthcheck:
      test: [CMD, wget, -q, -O, /dev/null, "http://127.0.0.1:8080/caddy-health"]
      interval: 1s
      timeout: 1s
      retries: 3
"""

BUILD = "the Caddy test build"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=1).text == "hello"
    except requests.RequestException:
        return False


class Build:
    """The pending Caddy build: `binary` blocks until `finish()` (or fails on `fail()`)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.failed = False

    def finish(self) -> None:
        self.done.set()

    def fail(self) -> None:
        self.failed = True
        self.done.set()


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stack, int, int, Build]]:
    caddy_tag = "2.11.9-alpine"
    cached = CADDY.tool.binary_path(image_version(caddy_tag))
    if not cached.is_file():
        pytest.skip("the Caddy build is not cached (`make caddy`)")
    monkeypatch.delenv("PROXYLAB_APP_VENV", raising=False)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "serve.py").write_text(_SERVE)
    (tmp_path / "Caddyfile").write_text(_CADDYFILE)
    app_port, proxy_port = _free_port(), _free_port()
    (tmp_path / "compose.yaml").write_text(
        _COMPOSE.format(app_port=app_port, proxy_port=proxy_port, caddy_tag=caddy_tag)
    )
    build = Build()

    def binary(image_tag: str, log) -> str:
        build.done.wait(60)
        if build.failed:
            raise ProxylabError("caddy build", "`go build` failed (the test's)", "nothing to do")
        return str(cached)

    monkeypatch.setattr(type(CADDY), "build_pending", lambda self, tag: BUILD)
    monkeypatch.setattr(type(CADDY), "binary", lambda self, tag, log: binary(tag, log))
    yield load(tmp_path / "compose.yaml", env={}, project_dir=tmp_path), app_port, proxy_port, build
    build.finish()


def _until(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_what_needs_no_build_answers_while_the_build_runs(tmp_path: Path, stack) -> None:
    stack_, app_port, proxy_port, build = stack
    lines: list[str] = []
    backend = NativeBackend(stack_, run_dir=tmp_path / "run", log=lines.append)
    with _up_in_background(backend, build) as up:
        assert _until(lambda: _answers(app_port)), "the app never answered while Caddy was building"
        assert not _answers(proxy_port), "the route through Caddy answered before its build ended"
        states = {status.name: (status.state, status.ident) for status in backend.status()}
        assert states["caddy"] == ("waiting", f"for {BUILD}"), states
        assert _until(lambda: any(line.startswith("answering now: ") for line in lines)), lines
        assert any(line == f"waiting for {BUILD}: caddy (ports {proxy_port})" for line in lines), lines
        build.finish()
        up.join()
        assert up.outcome and isinstance(up.outcome[0], float), up.outcome
        assert _answers(proxy_port), "the route through Caddy does not answer after its build"


def test_a_failed_build_stops_what_started_and_says_why(tmp_path: Path, stack) -> None:
    stack_, app_port, _, build = stack
    backend = NativeBackend(stack_, run_dir=tmp_path / "run", log=lambda _: None)
    with _up_in_background(backend, build) as up:
        assert _until(lambda: _answers(app_port))
        build.fail()
        up.join()
        assert up.outcome and isinstance(up.outcome[0], ProxylabError), up.outcome
        assert up.outcome[0].thing == "caddy build"
        assert not _answers(app_port), "the app still runs after the build failed"


def test_an_unpack_still_running_holds_back_only_its_own_service(
    tmp_path: Path, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Caddy's binary is cached but slow to come (as Nginx's, HAProxy's and Redis's are while
    they are unpacked from Debian's suites on a fresh machine): the app must start and answer
    meanwhile, and Caddy once its binary is there. A failure means a fresh `make up` again waits
    for every unpack (lab 16's bookworm releases included) before the first route answers."""
    stack_, app_port, proxy_port, build = stack
    monkeypatch.setattr(type(CADDY), "build_pending", lambda self, tag: None)
    backend = NativeBackend(stack_, run_dir=tmp_path / "run", log=lambda _: None)
    with _up_in_background(backend, build) as up:
        assert _until(lambda: _answers(app_port)), "the app waited for Caddy's binary"
        assert not _answers(proxy_port), "the route through Caddy answered before its binary came"
        build.finish()
        up.join()
        assert up.outcome and isinstance(up.outcome[0], float), up.outcome
        assert _answers(proxy_port), "the route through Caddy does not answer once its binary came"


def test_a_second_stop_signal_during_the_clean_up_waits_for_it(
    tmp_path: Path, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build fails while the app runs; as the clean-up begins, a Ctrl-C arrives (as make's
    own SIGTERM follows the one sent to its group). The clean-up must still stop the builds and
    the app, then let the Ctrl-C through. Seen once: the second signal cut it short, and a Caddy
    build compiled on for a minute after "interrupted"."""
    stack_, app_port, _, build = stack
    stopped_builds: list[bool] = []

    def stop_builds_then_ctrl_c() -> None:
        # To the main thread, as the terminal's Ctrl-C is handled there: held by the clean-up's
        # mask, or raised right here without it.
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        stopped_builds.append(True)

    monkeypatch.setattr("proxylab.native.supervisor.stop_builds", stop_builds_then_ctrl_c)
    backend = NativeBackend(stack_, run_dir=tmp_path / "run", log=lambda _: None)
    failing = threading.Thread(target=lambda: (_until(lambda: _answers(app_port)), build.fail()))
    failing.start()
    # Python's own Ctrl-C handler, whatever the test runner set (a pytest-xdist worker's may differ).
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            backend.up()  # in the main thread: the one Python delivers SIGINT to
        assert stopped_builds == [True], "the builds were not stopped"
        assert not _answers(app_port), "the app still runs: the clean-up was cut short"
    finally:
        signal.signal(signal.SIGINT, handler)
        failing.join(30)
        backend.down()


class _Up:
    """`backend.up()` in a thread of its own: what it returned or raised, once joined."""

    def __init__(self, backend: NativeBackend) -> None:
        self.outcome: list[BaseException | float] = []
        self.thread = threading.Thread(target=lambda: self.outcome.append(self._up(backend)))

    @staticmethod
    def _up(backend: NativeBackend) -> BaseException | float:
        try:
            return backend.up()
        except BaseException as error:  # the test reads it; the thread must not die with it
            return error

    def join(self) -> None:
        self.thread.join(30)


@contextmanager
def _up_in_background(backend: NativeBackend, build: Build) -> Iterator[_Up]:
    """Starts `up` meanwhile; after the test, ends the stand-in build, waits for `up`, stops all."""
    up = _Up(backend)
    up.thread.start()
    try:
        yield up
    finally:
        build.finish()
        up.join()
        backend.down()
