"""The real `uvicorn` CLI, as a subprocess: the facts the TestClient-based tests rely on.

uvicorn 0.55 hands the app `path = root_path + <request path>`: see
.venv/lib/python3.11/site-packages/uvicorn/protocols/http/h11_impl.py, `handle_events`
(`full_path = self.root_path + path`, `full_raw_path = self.root_path.encode("ascii") + raw_path`),
and the same lines in httptools_impl.py and zttp_impl.py. httptools is not installed in the pinned
environment, so `--http auto` picks h11 (uvicorn/protocols/http/auto.py). Starlette then strips
root_path again before routing (starlette/_utils.py, get_route_path), so `/app` matches and a
request for `/api/v1/app` becomes path `/api/v1/api/v1/app`: a 404.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

STARTUP_TIMEOUT_S = 10.0
PREFIX = "/api/v1"


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    log_path: Path

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of GET path, without following redirects."""
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(self.base_url + path, timeout=5) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_uvicorn(
    repo_root: Path, extra_args: list[str], extra_env: dict[str, str]
) -> Iterator[RunningServer]:
    """Run uvicorn until the caller is done; show its output if it does not come up in time."""
    port = _free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("PROXYLAB_")}
    env.pop("FORWARDED_ALLOW_IPS", None)
    env.update(extra_env)
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    with tempfile.NamedTemporaryFile("w+", prefix="uvicorn-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
        process = subprocess.Popen(
            command + extra_args, cwd=repo_root, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    server = RunningServer(f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_until_live(process, server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log_path.unlink(missing_ok=True)


def _wait_until_live(process: subprocess.Popen[bytes], server: RunningServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode}:\n{server.log_path.read_text()}")
        try:
            if server.get("/health/live")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"uvicorn did not answer within {STARTUP_TIMEOUT_S} s:\n{server.log_path.read_text()}")


@pytest.fixture(scope="module")
def server_root_path(repo_root: Path) -> Iterator[RunningServer]:
    """`uvicorn app.main:app --root-path /api/v1`: the FastAPI docs' tutorial001 setup."""
    env = {"PROXYLAB_INSTANCE": "cli-server-root-path"}
    yield from _start_uvicorn(repo_root, ["--root-path", PREFIX], env)


@pytest.fixture(scope="module")
def app_root_path(repo_root: Path) -> Iterator[RunningServer]:
    """`PROXYLAB_APP_ROOT_PATH=/api/v1 uvicorn app.main:app`: tutorial002, FastAPI(root_path=...)."""
    env = {"PROXYLAB_INSTANCE": "cli-app-root-path", "PROXYLAB_APP_ROOT_PATH": PREFIX}
    yield from _start_uvicorn(repo_root, [], env)


# --- the two facts the lab is built on ----------------------------------------------------------
def test_root_path_app_answers_at_the_unprefixed_path(server_root_path: RunningServer) -> None:
    """The docs' "Check the responses" step would fail: /app no longer reports root_path /api/v1."""
    status, _, body = server_root_path.get("/app")
    assert status == 200
    assert json.loads(body)["root_path"] == PREFIX


def test_root_path_app_does_not_answer_at_the_prefixed_path(server_root_path: RunningServer) -> None:
    """uvicorn would have stopped prepending root_path: a prefix-keeping proxy would then work."""
    status, _, body = server_root_path.get("/api/v1/app")
    assert status == 404
    assert json.loads(body)["path"] == "/api/v1/api/v1/app"


# --- what real uvicorn hands the app, checked against the TestClient emulation --------------------
def test_server_root_path_scope_matches_the_emulation(server_root_path: RunningServer) -> None:
    """The TestClient tests (app_modes.py) would be measuring a scope real uvicorn never sends."""
    _, _, body = server_root_path.get("/app")
    report = json.loads(body)
    base = server_root_path.base_url
    measured = ("path", "raw_path", "url", "base_url", "url_for", "root_path_mode")
    assert {key: report[key] for key in measured} == {
        "path": "/api/v1/app",
        "raw_path": "/api/v1/app",
        "url": f"{base}/api/v1/app",
        "base_url": f"{base}/api/v1/",
        "url_for": f"{base}/api/v1/app",
        "root_path_mode": "server",
    }
    assert report["server_port"] == int(base.rsplit(":", 1)[1])
    assert report["trusted_proxies"] == "127.0.0.1,::1 (uvicorn default)"


@pytest.mark.parametrize(
    ("fixture_name", "location_path"),
    [("server_root_path", "/api/v1/items/"), ("app_root_path", "/items/")],
)
def test_trailing_slash_redirect_location(
    fixture_name: str, location_path: str, request: pytest.FixtureRequest
) -> None:
    """The redirect facts in test_app_root_path_modes.py would not hold for the real server."""
    server: RunningServer = request.getfixturevalue(fixture_name)
    status, headers, _ = server.get("/items")
    assert status == 307
    assert headers["location"] == server.base_url + location_path


@pytest.mark.parametrize(("path", "status"), [("/app", 200), ("/api/v1/app", 200), ("/sub/echo", 404)])
def test_app_root_path_routes_both_paths_but_not_mounts(
    app_root_path: RunningServer, path: str, status: int
) -> None:
    """FastAPI(root_path=...) would behave differently under uvicorn than under TestClient."""
    assert app_root_path.get(path)[0] == status
