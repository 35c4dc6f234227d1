"""Liveness, readiness and startup probes, including warm-up and draining (no sleeping: fake clock)."""

from __future__ import annotations

import pytest
from app_modes import build_app
from fastapi.testclient import TestClient

from app.health import HealthState
from app.settings import Settings


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client_with_warmup(warmup_s: float, clock: FakeClock) -> TestClient:
    app = build_app(Settings(startup_delay_s=warmup_s))
    app.state.health = HealthState(warmup_s=warmup_s, clock=clock)  # the lifespan starts this one
    return TestClient(app)


def _probe_all(client: TestClient) -> dict[str, tuple[int, dict[str, object]]]:
    return {name: _status_and_body(client, f"/health/{name}") for name in ("live", "startup", "ready")}


def _status_and_body(client: TestClient, path: str) -> tuple[int, dict[str, object]]:
    response = client.get(path)
    return response.status_code, response.json()


def test_without_warmup_everything_is_up_once_started() -> None:
    """Docker and the proxies would never mark a freshly started app healthy."""
    with TestClient(build_app(Settings())) as client:
        assert _probe_all(client) == {
            "live": (200, {"status": "alive"}),
            "startup": (200, {"status": "started"}),
            "ready": (200, {"status": "ready"}),
        }


def test_during_warmup_only_liveness_passes() -> None:
    """A slow-starting instance would get traffic too early, or be restarted for being slow."""
    clock = FakeClock()
    with _client_with_warmup(5.0, clock) as client:
        clock.now += 2.0
        assert _probe_all(client) == {
            "live": (200, {"status": "alive"}),
            "startup": (503, {"status": "starting", "remaining_s": 3.0}),
            "ready": (503, {"status": "not ready", "reason": "starting"}),
        }
        clock.now += 3.0
        assert _probe_all(client)["startup"] == (200, {"status": "started"})
        assert _probe_all(client)["ready"] == (200, {"status": "ready"})


def test_draining_fails_readiness_but_not_liveness() -> None:
    """A shutting-down instance would keep receiving new traffic, or be killed before it drained."""
    with TestClient(build_app(Settings())) as client:
        client.app.state.health.begin_draining()
        probes = _probe_all(client)
    assert probes["ready"] == (503, {"status": "not ready", "reason": "draining"})
    assert probes["live"] == (200, {"status": "alive"})
    assert probes["startup"] == (200, {"status": "started"})


def test_lifespan_starts_warmup_and_shutdown_begins_draining() -> None:
    """Warm-up would never start (ready stays 503) or shutdown would not stop readiness first."""
    app = build_app(Settings())
    health = app.state.health
    assert health.started_at is None
    with TestClient(app):
        assert health.started_at is not None
        assert not health.is_draining
    assert health.is_draining


@pytest.mark.parametrize(
    ("warmup_s", "elapsed_s", "started", "draining", "problem"),
    [
        (0.0, 0.0, False, False, "starting"),  # lifespan not run yet
        (0.0, 0.0, True, False, None),
        (5.0, 4.9, True, False, "starting"),
        (5.0, 5.0, True, False, None),
        (5.0, 1.0, True, True, "draining"),  # draining wins: it is the reason that will not pass
        (0.0, 0.0, True, True, "draining"),
    ],
)
def test_readiness_problem_table(
    warmup_s: float, elapsed_s: float, started: bool, draining: bool, problem: str | None
) -> None:
    """/health/ready would give the wrong reason, and an operator would look in the wrong place."""
    clock = FakeClock()
    health = HealthState(warmup_s=warmup_s, clock=clock)
    if started:
        health.start()
    if draining:
        health.begin_draining()
    clock.now += elapsed_s
    assert health.readiness_problem() == problem
