"""One `make bench`: cold starts, the test suite's duration, then load on every target; a report.

`Plan.full()` is what `make bench` runs (3 cold starts, the suite once, 3 repeats of 10 s per
target and path: about 6 minutes of load with five targets, plus the suite); `Plan.smoke()` is
what CI and `make bench-smoke` run to keep the code working (1 cold start, no suite, 1 s per
target, under a minute); its numbers mean nothing. Either way the stack ends as it was found:
running if it ran before, stopped if the bench had to start it. Both modes also keep the last
`make test` session of each backend (bench/sessions.py: reading two small files), so the report
shows the suite time per backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import coldstart, machine, sessions, suite
from bench.load import measure_paths
from bench.stats import spread
from instruments import wrk
from instruments.load_targets import PATHS, Target, targets
from proxylab.backend import Backend
from proxylab.cleanup import cleaned_up_by
from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.native.probe import probe
from proxylab.steps import Steps


@dataclass(frozen=True)
class Plan:
    mode: str
    load: wrk.Load
    repeats: int
    warmup_s: int
    cold_starts: int
    time_suite: bool
    paths: dict[str, str] = field(default_factory=lambda: dict(PATHS))

    @classmethod
    def full(cls) -> Plan:
        return cls(
            "full",
            wrk.Load(threads=2, connections=16, seconds=10),
            repeats=3,
            warmup_s=2,
            cold_starts=3,
            time_suite=True,
        )

    @classmethod
    def smoke(cls) -> Plan:
        return cls(
            "smoke",
            wrk.Load(threads=2, connections=16, seconds=1),
            repeats=1,
            warmup_s=0,
            cold_starts=1,
            time_suite=False,
        )


def run_bench(
    plan: Plan, stack: Stack, backend: Backend, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Measure everything `plan` asks for; the report that reports/bench.json stores."""
    wrk.find_wrk()  # fail before touching the stack when the load tool is missing
    chosen = targets(stack)
    report: dict[str, Any] = {
        "mode": plan.mode,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend.name,
        "machine": machine.facts(),
        "test_sessions": sessions.last_sessions(),  # before the bench's own session runs
    }
    started_here = coldstart.state(backend) == "stopped"
    # Counted: each cold start, the suite, each load run (a target, a path, a repeat).
    runs = len(plan.paths) * len(chosen) * plan.repeats
    steps = Steps(plan.cold_starts + int(plan.time_suite) + runs, log)

    def stop_if_started_here() -> None:
        if started_here:
            log("stopping the stack the bench started")
            backend.down()

    # A stop that fails after a failed measurement is told after it, not in its place.
    with cleaned_up_by(stop_if_started_here):
        report["cold_start"] = _cold_start(plan, backend, chosen, steps)
        report["test_suite"] = _test_suite(plan, steps)
        if (
            plan.time_suite and coldstart.state(backend) != "running"
        ):  # a test session may stop what it found unhealthy
            log("the test suite left the stack stopped: starting it again for the load")
            backend.up()
        steps.note(
            f"load: wrk -t{plan.load.threads} -c{plan.load.connections}, {plan.load.seconds} s per run, "
            f"{plan.repeats} repeat(s), targets {', '.join(t.name for t in chosen)}"
        )
        report["load"] = {
            "tool": wrk.version(),
            **asdict(plan.load),
            "repeats": plan.repeats,
            "warmup_s": plan.warmup_s,
            "paths": measure_paths(chosen, plan.paths, plan.load, plan.repeats, plan.warmup_s, steps),
        }
        report["versions"] = backend.versions()
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    return report


def _cold_start(plan: Plan, backend: Backend, chosen: list[Target], steps: Steps) -> dict[str, Any]:
    """Time `plan.cold_starts` down-then-up cycles; with none, only make sure the targets answer."""
    if plan.cold_starts:
        seconds = coldstart.measure_cold_starts(backend, plan.cold_starts, steps)
        return {
            "repeats": len(seconds),
            "seconds": [round(s, 3) for s in seconds],
            **spread(seconds).as_data(),
        }
    silent = [
        target.url("/health/live") for target in chosen if not probe(target.url("/health/live"), timeout=2)[0]
    ]
    if silent and coldstart.state(backend) != "stopped":
        raise ProxylabError(
            "the native stack",
            f"is partly running: no answer from {', '.join(silent)}",
            "run `make up` (or `make down`) first; `make status` shows each service",
        )
    if silent:
        backend.up()
    return {"skipped": "no cold starts asked for (--cold-starts 0)"}


def _test_suite(plan: Plan, steps: Steps) -> dict[str, Any]:
    if not plan.time_suite:
        return {"skipped": f"{plan.mode} mode does not time the test suite"}
    steps.note(f"timing the test suite, with the stack up: {suite.describe()} (a few minutes)")
    result = suite.time_test_suite(stack_running=True)
    steps.done(f"test suite: {result['seconds']:.1f} s, {result['summary']}")
    return result
