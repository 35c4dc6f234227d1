"""How long `make test` takes with the stack up: its phases after the stack starts, timed.

`make test` (proxylab/testrun.py) runs, per backend, the lifecycle tests, then with the stack up
everything that leaves the stack as it found it on two pytest-xdist workers, then what stops,
restarts or loads it, alone. With the stack already up the lifecycle tests skip (they need the
ports), so this runs the phases that need the stack (proxylab/testphases.py, the same selection
and workers) with the same interpreter and times them; the report records whether the stack ran
before. The bench's own tests (tests/bench/) are left out: they run the bench, which would run the
suite again. Each phase writes its time by suite (tests/suite_times.py) to a scratch file named by
TEST_TIMES_FILE, and the report keeps their sum (proxylab/testtimes.py):
reports/test-times.<backend>.json stays the last `make test` session's, which bench/sessions.py
reads, because this one (no bench tests, no lifecycle tests) is not one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
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
NO_TESTS = testphases.NO_TESTS
TIMEOUT_S = 1800


def describe() -> str:
    """Each phase and its command: `parallel: python -m pytest …; alone: …`."""
    return "; ".join(f"{name}: {testphases.pasteable(command)}" for name, command in PHASES)


def time_test_suite(stack_running: bool) -> dict[str, Any]:
    """Seconds, exit code and pytest's summary lines of one run of the phases."""
    backend = os.environ.get("BACKEND", "").strip().lower() or "native"
    seconds, codes, summaries, tables = 0.0, [], [], []
    with tempfile.TemporaryDirectory(prefix="proxylab-bench-") as scratch:
        for name, command in PHASES:
            times = Path(scratch) / f"test-times.{backend}.{name}.json"
            tables.append(times)
            started = time.monotonic()
            done = subprocess.run(
                command,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                env={**os.environ, "TEST_TIMES_FILE": str(times)},
            )
            seconds += time.monotonic() - started
            codes.append(0 if done.returncode == NO_TESTS else done.returncode)
            lines = [line for line in done.stdout.splitlines() if line.strip() and not line.startswith(" ")]
            summaries.append(f"{name}: " + (lines[-1].strip("= ") if lines else done.stderr.strip()[-200:]))
        # Added up as `make test` adds its phases (the stack is not started here: no line for it).
        by_suite = merge(backend, seconds, 0.0, tables)["suites"]
    return {
        "command": " && ".join(testphases.pasteable(command) for _, command in PHASES),
        "seconds": round(seconds, 2),
        "exit_code": max(codes, key=abs),
        "summary": "; ".join(summaries),
        "stack_running_before": stack_running,
        "backend": backend,
        "by_suite": by_suite,
    }
