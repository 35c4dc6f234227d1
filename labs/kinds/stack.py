"""Step kinds that act on the stack itself, for labs 06 and 07: stop, start, probe-sim, rolling-restart.

What:
  stop:            {service}                      stop one service as the backend would
  start:           {service}                      start it again and wait until it is healthy
  probe-sim:       {url, restart, duration, startup, liveness, readiness}
                                                  a kubelet's decisions on a live instance (labs/probe_sim.py)
  rolling-restart: {url, replica, rate, duration, signal_at}
                                                  load through a proxy while one replica gets SIGTERM
                                                  and is started again (labs/loadgen.py)
  keepalive:       {url, idle}                    two GETs on one connection, `idle` seconds apart
When: listed in KINDS below, which labs/kinds/__init__.py reads; the lab files name them.
Why here: these steps change the stack (natively a process signal, with Compose the Docker SDK,
through the backend's stop_service/start_service), so they live apart from the read-only
request and docs kinds; each leaves the stack as healthy as it found it.
"""

from __future__ import annotations

import http.client
import signal
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labs.kinds.base import Outcome, StepKind
from labs.loadgen import run_load
from labs.probe_sim import Probe, probe_once, simulate
from proxylab.backend import Backend
from proxylab.context import Context
from proxylab.errors import ProxylabError

_PROBE_PATHS = {"startup": "/health/startup", "liveness": "/health/live", "readiness": "/health/ready"}
_RESTART_TIMEOUT_S = (
    150.0  # a stop (10 s, then killed) and a start that never turns healthy (Compose gives up at 120 s)
)


def _wait_ready(url: str, timeout_s: float = 30.0) -> float | None:
    """Seconds until `url` answers 2xx/3xx, or None if it never did within `timeout_s`."""
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        if probe_once(url, 1.0)[0]:
            return round(time.monotonic() - began, 1)
        time.sleep(0.2)
    return None


@dataclass(frozen=True)
class ServiceAction:
    service: str
    verb: str  # stop or start

    def command(self, context: Context) -> str:
        return (
            f"docker compose {self.verb} {self.service}   "
            "# natively: python -m proxylab runs the same as a process"
        )

    def urls(self, context: Context) -> list[str]:
        return []

    def run(self, context: Context) -> Outcome:
        backend = context.backend
        seconds = (
            backend.stop_service(self.service) if self.verb == "stop" else backend.start_service(self.service)
        )
        state = "stopped" if self.verb == "stop" else "healthy"
        return Outcome(
            {"service": self.service, "state": state, "seconds": round(seconds, 1)},
            f"{self.service}: {state}",
        )


STOP, START = (
    StepKind(
        verb,
        ("service",),
        ("service", "state", "seconds"),
        lambda spec, verb=verb: ServiceAction(str(spec["service"]), verb),
        changes_the_stack=True,
    )
    for verb in ("stop", "start")
)


@dataclass(frozen=True)
class ProbeSimAction:
    url: str  # the instance itself, e.g. http://127.0.0.1:8010
    probes: tuple[Probe, ...]
    duration_s: float
    restart_service: str | None  # restart this service first: t=0 is its container start

    def command(self, context: Context) -> str:
        shown = "; ".join(
            f"{p.kind} {p.path} delay={p.initial_delay_s:g}s period={p.period_s:g}s "
            f"failureThreshold={p.failure_threshold}"
            for p in self.probes
        )
        return f"python -m labs.probe_sim  # {shown}"

    def urls(self, context: Context) -> list[str]:
        return [] if self.restart_service else [self.url]

    def run(self, context: Context) -> Outcome:
        if self.restart_service:
            backend = context.backend
            backend.stop_service(self.restart_service)
            backend.start_service(self.restart_service, wait=False)
        result = simulate(self.url, list(self.probes), self.duration_s)
        if self.restart_service:
            _wait_ready(self.url + _PROBE_PATHS["readiness"])
        fields = {
            "decision": result.decision,
            "restart_at_s": result.restart_at_s,
            "ready_at_s": result.ready_at_s,
            "timeline": result.timeline,
        }
        return Outcome(fields, "\n".join(result.timeline))


def _probe_sim(spec: Mapping[str, Any]) -> ProbeSimAction:
    probes = []
    for kind in ("startup", "liveness", "readiness"):
        if kind not in spec:
            continue
        item = spec[kind] or {}
        probes.append(
            Probe(
                kind,
                str(item.get("path", _PROBE_PATHS[kind])),
                float(item.get("initialDelaySeconds", 0)),
                float(item.get("periodSeconds", 1)),
                int(item.get("failureThreshold", 3)),
                float(item.get("timeoutSeconds", 1)),
            )
        )
    restart = spec.get("restart")
    return ProbeSimAction(
        str(spec["url"]).rstrip("/"),
        tuple(probes),
        float(spec.get("duration", 10)),
        str(restart) if restart else None,
    )


PROBE_SIM = StepKind(
    "probe-sim",
    ("url", "restart", "duration", "startup", "liveness", "readiness"),
    ("decision", "restart_at_s", "ready_at_s", "timeline"),
    _probe_sim,
    changes_the_stack=True,
)


@dataclass(frozen=True)
class RollingRestartAction:
    url: str
    replica: str
    rate: int
    duration_s: float
    signal_at_s: float

    def command(self, context: Context) -> str:
        return (
            f"# {self.rate} GET/s to {self.url} for {self.duration_s:g}s; at t={self.signal_at_s:g}s:\n"
            f"docker kill -s SIGTERM <{self.replica}> && docker start <{self.replica}>   "
            "# natively: kill -TERM <pid>, then start it again"
        )

    def urls(self, context: Context) -> list[str]:
        return [self.url]

    def shares(self, context: Context) -> frozenset[str] | None:
        """The replica it restarts and every replica its load reaches (the route's, compose.yaml);
        None, so alone, for a URL that is no route of the stack."""
        route = context.stack.route(urllib.parse.urlsplit(self.url).port or 80)
        return None if route is None else frozenset({self.replica, *route.upstreams})

    def run(self, context: Context) -> Outcome:
        backend, timings, errors = context.backend, {}, []
        restart = threading.Thread(target=self._restart, args=(backend, timings, errors), daemon=True)
        threading.Timer(self.signal_at_s, restart.start).start()
        result = run_load(self.url, self.rate, self.duration_s)
        restart.join(timeout=_RESTART_TIMEOUT_S)
        if errors or restart.is_alive():
            raise self._restart_failed(errors[0] if errors else None)
        fields = {
            "requests": result.requests,
            "ok": result.ok,
            "non_2xx": result.non_2xx,
            "connection_errors": result.connection_errors,
            "failed": result.failed,
            "p50_ms": result.percentile_ms(0.50),
            "p99_ms": result.percentile_ms(0.99),
            "statuses": dict(sorted(result.statuses.items())),
            **timings,
        }
        return Outcome(fields, "\n".join(f"{key}: {value}" for key, value in fields.items()))

    def _restart(self, backend: Backend, timings: dict[str, float], errors: list[Exception]) -> None:
        try:
            timings["stop_s"] = round(backend.stop_service(self.replica, signal.SIGTERM), 1)
            timings["start_s"] = round(backend.start_service(self.replica), 1)
        except Exception as error:  # noqa: BLE001 - reported by run(), in the lab's own words
            errors.append(error)

    def _restart_failed(self, error: Exception | None) -> ProxylabError:
        """The counts of a load whose replica was not restarted mean nothing: say so instead."""
        if isinstance(error, ProxylabError):
            return error
        cause = (
            f"{type(error).__name__}: {error}"
            if error
            else f"still under way {_RESTART_TIMEOUT_S:g} s after the load ended"
        )
        return ProxylabError(
            f"the restart of {self.replica}",
            cause,
            f"`make status` shows whether it runs again, `make logs S={self.replica}` what it did",
        )


def _rolling_restart(spec: Mapping[str, Any]) -> RollingRestartAction:
    return RollingRestartAction(
        str(spec["url"]),
        str(spec["replica"]),
        int(spec.get("rate", 100)),
        float(spec.get("duration", 20)),
        float(spec.get("signal_at", 3)),
    )


ROLLING_RESTART = StepKind(
    "rolling-restart",
    ("url", "replica", "rate", "duration", "signal_at"),
    (
        "requests",
        "ok",
        "non_2xx",
        "connection_errors",
        "failed",
        "p50_ms",
        "p99_ms",
        "statuses",
        "stop_s",
        "start_s",
    ),
    _rolling_restart,
    changes_the_stack=True,
)


@dataclass(frozen=True)
class KeepaliveAction:
    url: str
    idle_s: float

    def command(self, context: Context) -> str:
        return (
            f"# two GETs on one connection to {self.url}, {self.idle_s:g}s apart "
            "(curl cannot pause between them)"
        )

    def urls(self, context: Context) -> list[str]:
        return [self.url]

    def run(self, context: Context) -> Outcome:
        parts = urllib.parse.urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=5)
        answers = []
        for index in range(2):
            if index:
                time.sleep(self.idle_s)
            try:
                connection.request("GET", parts.path or "/")
                response = connection.getresponse()
                response.read()
                answers.append(str(response.status))
            except (OSError, http.client.HTTPException) as error:
                answers.append(f"connection closed by the server ({type(error).__name__})")
        connection.close()
        return Outcome(
            {"first": answers[0], "second": answers[1]}, f"first: {answers[0]}\nsecond: {answers[1]}"
        )


KEEPALIVE = StepKind(
    "keepalive",
    ("url", "idle"),
    ("first", "second"),
    lambda spec: KeepaliveAction(str(spec["url"]), float(spec.get("idle", 1))),
)

KINDS = (STOP, START, PROBE_SIM, ROLLING_RESTART, KEEPALIVE)
