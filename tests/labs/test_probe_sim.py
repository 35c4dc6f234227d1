"""The probe simulator applies Kubernetes' rules; checked against a scripted instance, no network."""

from __future__ import annotations

import pytest

from labs import probe_sim
from labs.probe_sim import IN_ENDPOINTS, NOT_IN_ENDPOINTS, RESTART, Probe, simulate


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[bool, str]]:
    """What each path answers; the test sets it, `probe_once` reads it."""
    table: dict[str, tuple[bool, str]] = {}
    monkeypatch.setattr(probe_sim, "probe_once", lambda url, timeout: table[url.removeprefix("http://x")])
    return table


def test_failing_liveness_restarts_after_failure_threshold(answers) -> None:
    """Lab 06 would claim a slow starter is killed when the kubelet would in fact wait."""
    answers.update({"/health/live": (False, "refused"), "/health/ready": (False, "refused")})
    result = simulate("http://x", [Probe("liveness", "/health/live", 0, 0.1, 3)], duration_s=2)
    assert result.decision == RESTART and result.restart_at_s is not None
    assert sum("liveness" in line for line in result.timeline) == 3


def test_a_startup_probe_gates_liveness_and_readiness(answers) -> None:
    """Liveness would run (and kill) during start even with a startup probe configured."""
    answers.update(
        {
            "/health/startup": (False, "503"),
            "/health/live": (False, "refused"),
            "/health/ready": (True, "200"),
        }
    )
    probes = [
        Probe("startup", "/health/startup", 0, 0.1, 50),
        Probe("liveness", "/health/live", 0, 0.1, 1),
        Probe("readiness", "/health/ready", 0, 0.1, 1),
    ]
    result = simulate("http://x", probes, duration_s=0.5)
    assert result.decision == NOT_IN_ENDPOINTS
    assert all("startup" in line for line in result.timeline)


def test_failing_readiness_removes_from_endpoints_without_restart(answers) -> None:
    """A dead dependency would be shown restarting the pod, the mistake lab 06 warns about."""
    answers.update({"/health/live": (True, "200"), "/health/ready": (True, "200")})
    probes = [Probe("liveness", "/health/live", 0, 0.1, 1), Probe("readiness", "/health/ready", 0, 0.1, 2)]
    assert simulate("http://x", probes, duration_s=0.3).decision == IN_ENDPOINTS
    answers["/health/ready"] = (False, "503")
    result = simulate("http://x", probes, duration_s=0.5)
    assert result.decision == NOT_IN_ENDPOINTS and result.restart_at_s is None
