"""Readiness follows Redis, liveness never does (PROXYLAB_REDIS_URL; a real redis-server, no fakes).

The server is compose.yaml's Redis release, as the native backend runs it (proxylab/versions.py)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from app_modes import build_app
from fastapi.testclient import TestClient

from app import dependency, probe
from app.settings import Settings
from proxylab import compose
from proxylab.versions import pinned_program


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The pinned redis-server on a free loopback port, persisting nothing, stopped at the end."""
    server = str(pinned_program(compose.load(), "redis", "usr/bin/redis-server"))
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_ready_when_redis_answers(redis_url: str) -> None:
    """Readiness would keep a healthy instance out of rotation although its Redis answers."""
    with TestClient(build_app(Settings(redis_url=redis_url))) as client:
        assert client.get("/health/ready").json() == {"status": "ready"}


def test_unreachable_redis_fails_readiness_not_liveness() -> None:
    """A dead Redis would restart every replica (liveness) or still send them traffic (readiness)."""
    with TestClient(build_app(Settings(redis_url=f"redis://127.0.0.1:{_free_port()}/0"))) as client:
        ready = client.get("/health/ready")
        live = client.get("/health/live")
    assert ready.status_code == 503
    assert ready.json()["status"] == "not ready"
    assert ready.json()["reason"].startswith("redis unreachable")
    assert (live.status_code, live.json()) == (200, {"status": "alive"})


def test_readiness_gives_up_on_redis_before_a_probe_gives_up_on_readiness() -> None:
    """A Redis that hangs must read as "not ready" (the ping's timeout), not as a probe that
    timed out, which looks like a dead process: the ping's bound sits below the probe's."""
    assert dependency.DEFAULT_TIMEOUT_S < probe.DEFAULT_TIMEOUT_S


def test_without_a_redis_url_readiness_checks_no_redis() -> None:
    """Services with no PROXYLAB_REDIS_URL (every route of labs 01-05) would change behaviour."""
    with TestClient(build_app(Settings())) as client:
        assert client.app.state.redis is None
        assert client.get("/health/ready").status_code == 200


def test_a_redis_url_that_is_not_one_is_refused_at_startup() -> None:
    """A typo in PROXYLAB_REDIS_URL would surface as a puzzling readiness failure, not at start."""
    from app.settings import SettingsError

    with pytest.raises(SettingsError, match="PROXYLAB_REDIS_URL"):
        Settings.from_env({"PROXYLAB_REDIS_URL": "localhost:6379"})
