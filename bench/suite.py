"""How long `make test` takes with the stack up: its phases after the stack starts, timed.

`make test` (proxylab/testrun.py) runs, per backend, the lifecycle tests, then with the stack up
everything that leaves the stack as it found it on two pytest-xdist workers, then what stops,
restarts or loads it, alone. Natively, where the machine gives a network namespace, the lifecycle
tests run in one of their own beside the parallel phase, so with the stack up `make test` runs
them too, and so does this (BESIDE); elsewhere they would meet the stack on their ports and skip.
This runs those phases (proxylab/testphases.py, the same selection and workers) with the same
interpreter and times them from the first start to the last end; the report records whether
the stack ran before. The bench's own tests (tests/bench/) are left out: they run the bench,
which would run the suite again. Each phase writes its time by suite (tests/suite_times.py) to
a scratch file named by TEST_TIMES_FILE, and the report keeps their sum (proxylab/testtimes.py):
reports/test-times.<backend>.json stays the last `make test` session's, which bench/sessions.py
reads, because this one (no bench tests) is not one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from subprocess import PIPE
from typing import Any

from proxylab import testphases
from proxylab.paths import REPO
from proxylab.testtimes import merge

_PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--ignore=tests/bench"]
# `make test`'s phases that run with the stack up (parallel, then alone), as (name, command).
PHASES = [
    (phase.name, [*_PYTEST, *testphases.pytest_args(phase)])
    for phase in testphases.PHASES
    if phase.needs_stack
]
# The phase that may run beside the first of PHASES, in a network namespace of its own (lifecycle),
# as (name, command); it does where testphases.runs_beside says so for the backend timed.
BESIDE = [
    (phase.name, [*testphases.NETNS, *_PYTEST, *testphases.pytest_args(phase)])
    for phase in testphases.PHASES
    if phase.own_network
]
NO_TESTS = testphases.NO_TESTS
TIMEOUT_S = 1800


def _backend() -> str:
    return os.environ.get("BACKEND", "").strip().lower() or "native"


def beside() -> list[tuple[str, list[str]]]:
    """BESIDE where the backend timed runs it beside the parallel phase on this machine, else []."""
    from proxylab import netns

    phases = {phase.name: phase for phase in testphases.PHASES}
    if not BESIDE or netns.available():
        return []
    return [
        (name, command) for name, command in BESIDE if testphases.runs_beside(phases[name], _backend(), True)
    ]


def describe() -> str:
    """Each phase and its command: `parallel: python -m pytest …; alone: …`, and what runs beside."""
    text = "; ".join(f"{name}: {testphases.pasteable(command)}" for name, command in PHASES)
    for name, command in beside():
        text += f"; beside {PHASES[0][0]}, {name}: {testphases.pasteable(command)}"
    return text


def _code(returncode: int) -> int:
    return 0 if returncode == NO_TESTS else returncode


def _summary(name: str, stdout: str, stderr: str) -> str:
    lines = [line for line in stdout.splitlines() if line.strip() and not line.startswith(" ")]
    return f"{name}: " + (lines[-1].strip("= ") if lines else stderr.strip()[-200:])


def time_test_suite(stack_running: bool) -> dict[str, Any]:
    """Seconds (from the first phase's start to the last one's end), exit code and pytest's summary
    lines of one run of the phases."""
    backend = _backend()
    codes, summaries, tables = [], [], []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="proxylab-bench-") as scratch:

        def env(name: str) -> dict[str, str]:
            times = Path(scratch) / f"test-times.{backend}.{name}.json"
            tables.append(times)
            return {**os.environ, "TEST_TIMES_FILE": str(times)}

        running = [
            (name, subprocess.Popen(command, cwd=REPO, stdout=PIPE, stderr=PIPE, text=True, env=env(name)))
            for name, command in beside()
        ]
        try:
            for index, (name, command) in enumerate(PHASES):
                done = subprocess.run(
                    command, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S, env=env(name)
                )
                codes.append(_code(done.returncode))
                summaries.append(_summary(name, done.stdout, done.stderr))
                if index == 0:  # what ran beside the first phase ends before the next one starts
                    for other, process in running:
                        out, err = process.communicate(timeout=TIMEOUT_S)
                        codes.append(_code(process.returncode))
                        summaries.append(_summary(f"{other} (beside {name})", out, err))
        finally:
            # A phase that timed out, or Ctrl-C: what runs beside stops its own stacks first.
            for _, process in running:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
                    process.communicate()
        seconds = time.monotonic() - started
        # Added up as `make test` adds its phases (the stack is not started here: no line for it).
        by_suite = merge(backend, seconds, 0.0, tables)["suites"]
    return {
        "command": " && ".join(testphases.pasteable(command) for _, command in PHASES)
        + "".join(f" (beside the first: {testphases.pasteable(command)})" for _, command in beside()),
        "seconds": round(seconds, 2),
        "exit_code": max(codes, key=abs),
        "summary": "; ".join(summaries),
        "stack_running_before": stack_running,
        "backend": backend,
        "by_suite": by_suite,
    }
