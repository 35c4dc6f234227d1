"""Native cold start: from nothing running to every service healthy, timed by the supervisor.

Each repeat stops the native stack (`down`) and starts it again (`up`); `Backend.up()`
returns the seconds from the first process started to the last health check passed, which is
what a person waits for after `make up` (minus building anything). The stack is left running
whether or not it ran before: the load measurements need it, and `make bench` stops it at the
end only if it started it. Before stopping anything, `check_startable` builds every service's
command line in a scratch folder, so a compose.yaml the native backend cannot run fails the
bench without taking a running stack down; if an `up` still fails, it is retried once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from proxylab.backend import Backend
from proxylab.cleanup import cleaned_up_by
from proxylab.native.runners import process_spec
from proxylab.steps import Steps


def state(backend: Backend) -> str:
    """ "running" (every service healthy), "stopped" (none running) or "partial"."""
    statuses = backend.status()
    if all(status.is_healthy for status in statuses):
        return "running"
    if not any(status.state == "running" for status in statuses):
        return "stopped"
    return "partial"


def check_startable(backend: Backend) -> None:
    """ProxylabError (from the runners) when some service could not be started natively."""
    with tempfile.TemporaryDirectory(prefix="proxylab-bench-") as scratch:
        for name in backend.stack.services:
            process_spec(backend.stack, name, Path(scratch), log=lambda _: None)


def measure_cold_starts(backend: Backend, repeats: int, steps: Steps) -> list[float]:
    """Seconds to all-healthy for each of `repeats` down-then-up cycles, one step each."""
    check_startable(backend)
    seconds = []

    def back_up() -> None:
        if state(backend) != "running":
            steps.note("bringing the stack back up after a failed cold start")
            backend.up()

    # If bringing it back fails too, that is told after the cold start's own failure.
    with cleaned_up_by(back_up):
        for repeat in range(1, repeats + 1):
            steps.note(f"cold start {repeat}/{repeats}: stopping the stack, then starting it")
            backend.down()
            seconds.append(backend.up())
            steps.done(f"cold start {repeat}/{repeats}: all healthy after {seconds[-1]:.2f} s")
    return seconds
