"""A kubelet in miniature: poll /health/{startup,live,ready} with Kubernetes' probe rules, decide.

What: `simulate(base_url, probes, duration_s)` runs each configured probe on its own schedule
(first at initialDelaySeconds, then every periodSeconds, timeoutSeconds each) against a real
instance and applies the rules of the Kubernetes docs ("Configure Liveness, Readiness and Startup
Probes"):
  - while a startup probe is configured and has not yet succeeded, liveness and readiness are
    not run at all; failureThreshold consecutive startup failures → restart;
  - failureThreshold consecutive liveness failures → restart;
  - readiness starts "not ready"; one success puts the pod in the Service's endpoints,
    failureThreshold consecutive failures take it out again (no restart).
It stops at the first restart, since a real kubelet would kill the container there. Every probe
and every change of decision is one line of the returned timeline, as a presenter reads it.
When: lab 06's `probe-sim:` steps (labs/kinds/stack.py).
Why: the three probes answer three questions, and the only way to *see* why a slow starter with
no startup probe is killed, or why a dead Redis must fail readiness and not liveness, is to
watch the decisions tick by on a real process.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

RESTART = "restart"
IN_ENDPOINTS = "in endpoints"
NOT_IN_ENDPOINTS = "not in endpoints"


@dataclass(frozen=True)
class Probe:
    """One probe as a pod spec writes it (seconds; successThreshold is 1 for all three)."""

    kind: str  # startup, liveness, readiness
    path: str
    initial_delay_s: float = 0.0
    period_s: float = 1.0
    failure_threshold: int = 3
    timeout_s: float = 1.0


@dataclass
class _Schedule:
    probe: Probe
    next_at: float
    failures: int = 0
    succeeded: bool = False


@dataclass
class Simulation:
    """What the kubelet decided, when, and the timeline that led there."""

    decision: str = NOT_IN_ENDPOINTS
    restart_at_s: float | None = None
    ready_at_s: float | None = None
    timeline: list[str] = field(default_factory=list)


def probe_once(url: str, timeout_s: float) -> tuple[bool, str]:
    """One HTTP probe: success is a status from 200 to 399, as the kubelet's httpGet says."""
    try:
        with _OPENER.open(url, timeout=timeout_s) as response:
            return 200 <= response.status < 400, str(response.status)
    except urllib.error.HTTPError as error:
        return False, str(error.code)
    except urllib.error.URLError as error:
        reason = error.reason
        return False, "refused" if isinstance(reason, ConnectionRefusedError) else str(reason)
    except OSError as error:
        return False, type(error).__name__


def simulate(base_url: str, probes: list[Probe], duration_s: float) -> Simulation:
    """Probe `base_url` for `duration_s` seconds from now (t=0, as the container starts)."""
    start = time.monotonic()
    schedules = {probe.kind: _Schedule(probe, probe.initial_delay_s) for probe in probes}
    result = Simulation()
    while (now := time.monotonic() - start) < duration_s:
        due = [s for s in schedules.values() if s.next_at <= now and _runs(s, schedules)]
        for schedule in due:
            _run(base_url, schedule, now, result)
            if result.decision == RESTART:
                return result
        time.sleep(0.05)
    return result


def _runs(schedule: _Schedule, schedules: dict[str, _Schedule]) -> bool:
    """Liveness and readiness wait until the startup probe (if any) has succeeded once."""
    startup = schedules.get("startup")
    if schedule.probe.kind == "startup":
        return not schedule.succeeded
    return startup is None or startup.succeeded


def _run(base_url: str, schedule: _Schedule, now: float, result: Simulation) -> None:
    probe = schedule.probe
    schedule.next_at = now + probe.period_s
    ok, answer = probe_once(base_url + probe.path, probe.timeout_s)
    schedule.failures = 0 if ok else schedule.failures + 1
    verdict = _decide(schedule, ok, now, result)
    tally = "ok" if ok else f"fail {schedule.failures}/{probe.failure_threshold}"
    result.timeline.append(
        f"t={now:4.1f}s {probe.kind:<9} {probe.path:<15} {answer:<8} {tally:<9} → {verdict}"
    )


def _decide(schedule: _Schedule, ok: bool, now: float, result: Simulation) -> str:
    kind, threshold = schedule.probe.kind, schedule.probe.failure_threshold
    if ok:
        schedule.succeeded = True
    if kind in ("startup", "liveness") and schedule.failures >= threshold:
        result.decision, result.restart_at_s = RESTART, round(now, 1)
        return "RESTART the container"
    if kind == "startup":
        return "started: liveness and readiness begin" if ok else "keep waiting (liveness, readiness not run)"
    if kind == "liveness":
        return "keep"
    if ok and result.decision != IN_ENDPOINTS:
        result.decision = IN_ENDPOINTS
        result.ready_at_s = round(now, 1) if result.ready_at_s is None else result.ready_at_s
        return "add to endpoints"
    if not ok and schedule.failures >= threshold and result.decision == IN_ENDPOINTS:
        result.decision = NOT_IN_ENDPOINTS
        return "REMOVE from endpoints (no restart)"
    return result.decision
