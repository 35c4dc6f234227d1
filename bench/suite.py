"""How long `make test` takes with the stack up: its two phases after the stack starts, timed.

`make test` (scripts/test.sh) runs, per backend, the lifecycle tests, then with the stack up
everything that leaves the stack as it found it on two pytest-xdist workers, then what stops,
restarts or loads it, alone. With the stack already up the lifecycle tests skip (they need the
ports), so this runs the last two phases with the same interpreter and times them; the report
records whether the stack ran before. The bench's own tests (tests/bench/) are left out: they
run the bench, which would run the suite again. Each phase writes its time by suite
(tests/suite_times.py) to a scratch file named by TEST_TIMES_FILE, and the report keeps their sum:
reports/test-times.<backend>.json stays the last `make test` session's, which bench/sessions.py
reads, because this one (no bench tests, no lifecycle tests) is not one.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from proxylab.paths import REPO
from tests.suite_times import merge

_PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--ignore=tests/bench"]
WORKERS = os.environ.get("TEST_WORKERS", "2")
# scripts/test.sh's parallel and alone phases, in that order.
PHASES = [
    ("parallel", [*_PYTEST, "-n", WORKERS, "--dist", "loadfile", "-m", "not lifecycle and not alone"]),
    ("alone", [*_PYTEST, "-m", "alone and not lifecycle"]),
]
NO_TESTS = 5  # pytest's exit code when a phase selects nothing
TIMEOUT_S = 1800


def _pasteable(command: list[str]) -> str:
    """A phase's command as a person would paste it: `python -m pytest … -m 'not lifecycle …'`."""
    return shlex.join(["python", *command[1:]])


def describe() -> str:
    """Each phase and its command: `parallel: python -m pytest …; alone: …`."""
    return "; ".join(f"{name}: {_pasteable(command)}" for name, command in PHASES)


def time_test_suite(stack_running: bool) -> dict[str, Any]:
    """Seconds, exit code and pytest's summary lines of one run of the phases."""
    backend = os.environ.get("BACKEND", "").strip().lower() or "native"
    seconds, codes, summaries, tables = 0.0, [], [], []
    with tempfile.TemporaryDirectory(prefix="proxylab-bench-") as scratch:
        for name, command in PHASES:
            times = Path(scratch) / f"test-times.{backend}.{name}.json"
            tables.append(times)
            started = time.monotonic()
            done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S,
                                  env={**os.environ, "TEST_TIMES_FILE": str(times)})
            seconds += time.monotonic() - started
            codes.append(0 if done.returncode == NO_TESTS else done.returncode)
            lines = [line for line in done.stdout.splitlines() if line.strip() and not line.startswith(" ")]
            summaries.append(f"{name}: " + (lines[-1].strip("= ") if lines else done.stderr.strip()[-200:]))
        # Added up as scripts/test.sh adds its phases (the stack is not started here: no line for it).
        by_suite = merge(backend, seconds, 0.0, tables)["suites"]
    return {
        "command": " && ".join(_pasteable(command) for _, command in PHASES),
        "seconds": round(seconds, 2),
        "exit_code": max(codes, key=abs),
        "summary": "; ".join(summaries),
        "stack_running_before": stack_running,
        "backend": backend,
        "by_suite": by_suite,
    }
