"""Where a `make test` session spends its time: seconds per suite, slowest first.

A suite is a test file (tests/labs/test_labs_live.py); its time is the sum of its tests' setup,
call and teardown. Starting and stopping the session's stack is its own line, not charged to
whichever test happened to need it first (tests/conftest.py's running_stack reports it through
`charge_stack`). The table ends the terminal report and goes to TEST_TIMES_FILE: `make test`
(proxylab/testrun.py) gives each of its phases a file of its own under reports/test-phases/ and
ends each backend by adding them up into reports/test-times.<backend>.json (proxylab/testtimes.py,
which holds the file's shape and the sum). There `make bench` finds the last `make test` of
each backend and compares it with the one its previous run found (bench/sessions.py,
bench/regress.py). The file also says when the session finished and at which commit, so a reader
knows which run the figures are from. The bench's own timed phases write to scratch files, and a
pytest run of its own (one file, say) to reports/test-times.<backend>.pytest.json, so neither
ever passes for a `make test` session.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from pathlib import Path

import pytest

from proxylab import testtimes
from proxylab.paths import REPORTS_DIR
from proxylab.testtimes import STACK

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
    table = [
        {"suite": suite, "tests": _tests[suite], "seconds": round(max(s, 0.0), 1)}
        for suite, s in _seconds.items()
        if suite
    ]
    if _stack_seconds:
        table.append({"suite": STACK, "tests": 0, "seconds": round(_stack_seconds, 1)})
    return sorted(table, key=lambda row: row["seconds"], reverse=True)


def session(wall: float, table: list[dict]) -> dict:
    """What this session's TEST_TIMES_FILE holds (proxylab/testtimes.py)."""
    return testtimes.session(BACKEND, wall, table)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    table = rows()
    if not table:
        return
    wall = time.monotonic() - _started
    write = terminalreporter.write_line
    terminalreporter.section(f"time by suite ({BACKEND} backend), slowest first")
    for line in testtimes.table_lines(table):
        write(line)
    write(f"{wall:>8.1f} s  wall clock for the whole session")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(session(wall, table), indent=2) + "\n")
