"""Where a `make test` session spends its time: seconds per suite, slowest first.

A suite is a test file (tests/labs/test_labs_live.py); its time is the sum of its tests' setup,
call and teardown. Starting and stopping the session's stack is its own line, not charged to
whichever test happened to need it first (tests/conftest.py's running_stack reports it through
`charge_stack`). The table ends the terminal report and goes to TEST_TIMES_FILE: scripts/test.sh
gives each of its phases a file of its own under
reports/test-phases/ and ends each backend with `python tests/suite_times.py merge`, which adds
them up into reports/test-times.<backend>.json. There `make bench` finds the last `make test` of
each backend and compares it with the one its previous run found (bench/sessions.py,
bench/regress.py). The file also says when the session finished and at which commit, so a reader
knows which run the figures are from. The bench's own timed phases write to scratch files, and a
pytest run of its own (one file, say) to reports/test-times.<backend>.pytest.json, so neither
ever passes for a `make test` session.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from proxylab.paths import REPO, REPORTS_DIR

STACK = "(the session's stack: up and down)"
# The session's backend, read as tests/conftest.py reads it.
BACKEND = os.environ.get("BACKEND", "").strip().lower() or "native"
# Not test-times.<backend>.json: that is `make test`'s, which a run of one file must not replace.
OUT = Path(os.environ.get("TEST_TIMES_FILE") or REPORTS_DIR / f"test-times.{BACKEND}.pytest.json")

_seconds: dict[str, float] = defaultdict(float)
_tests: dict[str, int] = defaultdict(int)
_stack_seconds = 0.0
_current = ""  # the suite whose setup, call or teardown runs now
_started = time.monotonic()


def _suite(nodeid: str) -> str:
    return nodeid.split("::", 1)[0].removeprefix("tests/")


def charge_stack(seconds: float) -> None:
    """Move `seconds` spent starting or stopping the session's stack from the suite running now
    (whose setup or teardown did it) to a line of its own."""
    global _stack_seconds
    _stack_seconds += seconds
    _seconds[_current] -= seconds


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    global _current
    _current = _suite(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _seconds[_suite(report.nodeid)] += report.duration
    if report.when == "call" or (report.when == "setup" and report.skipped):
        _tests[_suite(report.nodeid)] += 1


def rows() -> list[dict]:
    """Every suite that ran, slowest first, and the stack's own line."""
    table = [{"suite": suite, "tests": _tests[suite], "seconds": round(max(s, 0.0), 1)} for suite, s in _seconds.items() if suite]
    if _stack_seconds:
        table.append({"suite": STACK, "tests": 0, "seconds": round(_stack_seconds, 1)})
    return sorted(table, key=lambda row: row["seconds"], reverse=True)


def commit() -> str | None:
    """The checked-out commit, short (`git rev-parse --short HEAD`); None outside a git checkout."""
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def session(wall: float, table: list[dict]) -> dict:
    """What reports/test-times.<backend>.json holds: the backend, when and at which commit the
    session finished, its wall clock and its suites."""
    return {
        "backend": BACKEND,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "wall_seconds": round(wall, 1),
        "suites": table,
    }


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    table = rows()
    if not table:
        return
    wall = time.monotonic() - _started
    write = terminalreporter.write_line
    terminalreporter.section(f"time by suite ({BACKEND} backend), slowest first")
    for row in table:
        tests = f"{row['tests']:>5} tests" if row["tests"] else " " * 11
        write(f"{row['seconds']:>8.1f} s  {tests}  {row['suite']}")
    write(f"{wall:>8.1f} s  wall clock for the whole session")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(session(wall, table), indent=2) + "\n")


def merge(backend: str, wall: float, stack_seconds: float, phases: list[Path]) -> dict:
    """One table for a backend's phases (scripts/test.sh runs lifecycle, parallel and alone phases
    as separate pytest sessions): seconds and tests added up per suite, the stack's up and down
    measured by the script, and the backend's wall clock from its first phase to its last."""
    seconds: dict[str, float] = defaultdict(float)
    tests: dict[str, int] = defaultdict(int)
    for path in phases:
        if not path.is_file():  # a phase with no tests selected writes no table
            continue
        for row in json.loads(path.read_text())["suites"]:
            seconds[row["suite"]] += row["seconds"]
            tests[row["suite"]] += row["tests"]
    seconds[STACK] += stack_seconds  # a line only when the stack was started (no tests of its own)
    table = sorted(({"suite": suite, "tests": tests[suite], "seconds": round(s, 1)} for suite, s in seconds.items() if s > 0 or tests[suite]),
                   key=lambda row: row["seconds"], reverse=True)
    return {**session(wall, table), "backend": backend}


def _main(argv: list[str]) -> int:
    """`python tests/suite_times.py merge BACKEND WALL STACK_SECONDS PHASE.json...`: print the
    backend's table and write it to reports/test-times.<backend>.json."""
    if len(argv) < 4 or argv[0] != "merge":
        print(_main.__doc__)
        return 2
    backend, wall, stack_seconds, phases = argv[1], float(argv[2]), float(argv[3]), [Path(p) for p in argv[4:]]
    data = merge(backend, wall, stack_seconds, phases)
    print(f"== time by suite ({backend} backend, all phases), slowest first")
    for row in data["suites"]:
        tests = f"{row['tests']:>5} tests" if row["tests"] else " " * 11
        print(f"{row['seconds']:>8.1f} s  {tests}  {row['suite']}")
    print(f"{data['wall_seconds']:>8.1f} s  wall clock for the {backend} backend (the suites ran partly side by side)")
    out = REPORTS_DIR / f"test-times.{backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
