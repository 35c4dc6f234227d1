"""Liveness, readiness and startup: three cheap probes with three different questions.

What: `HealthState` (kept on `app.state.health`) knows when warm-up started, how long it lasts
and whether the instance is draining; `router` answers
  /health/live     is the process serving at all?            always 200 while it can answer
  /health/startup  has the (simulated) warm-up finished?      503 until PROXYLAB_STARTUP_DELAY passed
  /health/ready    should a proxy send traffic here now?      503 while starting, draining, or
                                                              while Redis (if configured) is down
When: the lifespan calls `start()` at startup and `begin_draining()` at shutdown; Docker and
the proxies' health checks call the routes.
Why: the Kubernetes probe roles (see the ops brief): a failed liveness means restart, a failed
readiness means "take me out of rotation". Redis (app/dependency.py) is checked by readiness
only: a dead cache is a reason to get no traffic, never a reason to be restarted. The SIGTERM
drain of `python -m app.serve` calls `begin_draining()` the moment the signal arrives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

SERVICE_UNAVAILABLE = 503


@dataclass
class HealthState:
    """Warm-up and drain state of this instance; `clock` is injectable so tests need not sleep."""

    warmup_s: float = 0.0
    clock: Callable[[], float] = time.monotonic
    started_at: float | None = None
    is_draining: bool = False

    def start(self) -> None:
        """Begin the warm-up; called once from the lifespan."""
        self.started_at = self.clock()

    def begin_draining(self) -> None:
        """Stop being ready so proxies move traffic away; in-flight requests still finish."""
        self.is_draining = True

    @property
    def remaining_warmup_s(self) -> float:
        """Seconds of warm-up left; the full warm-up if the lifespan has not started yet."""
        if self.started_at is None:
            return self.warmup_s
        return max(0.0, self.warmup_s - (self.clock() - self.started_at))

    @property
    def has_started(self) -> bool:
        """True once the lifespan started and the warm-up delay has passed."""
        return self.started_at is not None and self.remaining_warmup_s == 0.0

    def readiness_problem(self) -> str | None:
        """Why this instance must not get traffic now ('draining', 'starting'), or None."""
        if self.is_draining:
            return "draining"
        if not self.has_started:
            return "starting"
        return None


router = APIRouter(prefix="/health", tags=["health"])


def _health_of(request: Request) -> HealthState:
    return request.app.state.health


@router.get("/live", include_in_schema=False)
async def live() -> dict[str, str]:
    """The process answers: nothing else is checked, so a slow dependency never causes a restart."""
    return {"status": "alive"}


@router.get("/ready", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    """200 when traffic is welcome, 503 with the reason while starting, draining or cut off."""
    problem = _health_of(request).readiness_problem()
    dependency = getattr(request.app.state, "redis", None)
    if problem is None and dependency is not None:
        problem = await dependency.problem()
    if problem is not None:
        return JSONResponse({"status": "not ready", "reason": problem}, status_code=SERVICE_UNAVAILABLE)
    return JSONResponse({"status": "ready"})


@router.get("/startup", include_in_schema=False)
async def startup(request: Request) -> JSONResponse:
    """503 with the seconds left until the warm-up delay has passed since startup, then 200."""
    health = _health_of(request)
    if not health.has_started:
        remaining_s = round(health.remaining_warmup_s, 3)
        return JSONResponse(
            {"status": "starting", "remaining_s": remaining_s}, status_code=SERVICE_UNAVAILABLE
        )
    return JSONResponse({"status": "started"})
