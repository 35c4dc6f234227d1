"""A test session's time by suite: the table, its file, and the sum of a backend's phases.

What: a suite is a test file (labs/test_labs_live.py); a row is its tests and seconds. `session`
is what reports/test-times.<backend>.json holds (backend, when and at which commit it finished,
wall clock, rows slowest first); `merge` adds the tables of a backend's phases up into one;
`table_lines` prints rows the way every table of them is printed.
When: tests/suite_times.py (the pytest plugin) writes each pytest session's table with these;
proxylab/testrun.py (`make test`) and bench/suite.py merge their phases' tables.
Why: production code (the bench, the test driver) and the plugin read and write the same file;
it lives here so that nothing outside tests/ imports from tests/.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from proxylab.paths import REPO

STACK = "(the session's stack: up and down)"


def commit() -> str | None:
    """The checked-out commit, short (`git rev-parse --short HEAD`); None outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def session(backend: str, wall: float, rows: list[dict]) -> dict:
    """What reports/test-times.<backend>.json holds: the backend, when and at which commit the
    session finished, its wall clock and its suites."""
    return {
        "backend": backend,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "wall_seconds": round(wall, 1),
        "suites": rows,
    }


def merge(backend: str, wall: float, stack_seconds: float, phases: list[Path]) -> dict:
    """One table for a backend's phases (`make test` runs lifecycle, parallel and alone phases as
    separate pytest sessions): seconds and tests added up per suite, the stack's up and down
    measured by the driver, and the backend's wall clock from its first phase to its last."""
    seconds: dict[str, float] = defaultdict(float)
    tests: dict[str, int] = defaultdict(int)
    for path in phases:
        if not path.is_file():  # a phase with no tests selected writes no table
            continue
        for row in json.loads(path.read_text())["suites"]:
            seconds[row["suite"]] += row["seconds"]
            tests[row["suite"]] += row["tests"]
    seconds[STACK] += stack_seconds  # a line only when the stack was started (no tests of its own)
    rows = [
        {"suite": suite, "tests": tests[suite], "seconds": round(s, 1)}
        for suite, s in seconds.items()
        if s > 0 or tests[suite]
    ]
    return session(backend, wall, sorted(rows, key=lambda row: row["seconds"], reverse=True))


def table_lines(rows: list[dict]) -> list[str]:
    """`   12.3 s     16 tests  suites/test_matrix.py`, one line per row (the stack's has no count)."""
    lines = []
    for row in rows:
        tests = f"{row['tests']:>5} tests" if row["tests"] else " " * 11
        lines.append(f"{row['seconds']:>8.1f} s  {tests}  {row['suite']}")
    return lines
