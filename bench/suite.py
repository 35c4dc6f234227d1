"""How long `make test` takes: the test suite run once, as a subprocess, timed.

`make test` is `python -m pytest` after `make deps venv` (which do nothing once set up), so this
runs that pytest with the same interpreter and times it. The bench's own tests (tests/bench/)
are left out: they run the bench, which would run the suite again. With the stack already up,
pytest reuses it and skips the lifecycle tests (they need the ports), exactly as `make test`
does on a machine where `make up` ran; the report records which it was. The session writes its
time by suite (tests/suite_times.py) to a scratch file named by TEST_TIMES_FILE, and the report
keeps it: reports/test-times.<backend>.json stays the last `make test` session's, which
bench/sessions.py reads, because this session (no bench tests, no lifecycle tests) is not one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from proxylab.paths import REPO

COMMAND = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--ignore=tests/bench"]
TIMEOUT_S = 1800


def time_test_suite(stack_running: bool) -> dict[str, Any]:
    """Seconds, exit code and pytest's summary line of one run of the suite."""
    backend = os.environ.get("BACKEND", "").strip().lower() or "native"
    with tempfile.TemporaryDirectory(prefix="proxylab-bench-") as scratch:
        times = Path(scratch) / f"test-times.{backend}.json"
        started = time.monotonic()
        done = subprocess.run(COMMAND, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S,
                              env={**os.environ, "TEST_TIMES_FILE": str(times)})
        seconds = time.monotonic() - started
        by_suite = _by_suite(times)
    lines = [line for line in done.stdout.splitlines() if line.strip() and not line.startswith(" ")]
    return {
        "command": "python -m pytest -q -p no:cacheprovider --ignore=tests/bench",
        "seconds": round(seconds, 2),
        "exit_code": done.returncode,
        "summary": lines[-1].strip("= ") if lines else done.stderr.strip()[-200:],
        "stack_running_before": stack_running,
        "backend": backend,
        "by_suite": by_suite,
    }


def _by_suite(times: Path) -> list[dict[str, Any]]:
    """The session's own table of seconds per suite, slowest first (empty if it wrote none)."""
    try:
        return json.loads(times.read_text())["suites"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return []
