"""The last `make test` session on each backend, as proxylab/testrun.py left it for the bench.

`make test` (proxylab/testrun.py) ends each backend by writing reports/test-times.<backend>.json: its
wall clock over its three phases, when and at which commit it finished, and its seconds per suite
(proxylab/testtimes.py). It runs the native backend and, when a Docker engine answers, the Compose
one, so after it both files exist. The bench reads them as they are (it runs nothing on Compose;
the native phases it times itself are another run, bench/suite.py) and keeps them in its report
under "test_sessions", where bench/regress.py compares them with the previous bench's. A backend
without a readable file gets a sentence saying so and what to run, never a table of zeros.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proxylab.paths import REPORTS_DIR

BACKENDS = ("native", "compose")
# What to run when a backend has no session on record.
RUN = {"native": "run make test", "compose": "run make test with a Docker engine (`make engine` starts one)"}


def last_sessions(reports: Path = REPORTS_DIR) -> dict[str, dict[str, Any]]:
    """Backend → its last `make test` session, or {"missing": why, and what to run}."""
    return {backend: read(reports / f"test-times.{backend}.json", backend) for backend in BACKENDS}


def read(path: Path, backend: str) -> dict[str, Any]:
    """One session table: backend, file, finished, commit, wall_seconds and suites (slowest first)."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {
            "missing": (
                f"no make test session recorded on the {backend} backend ({_shown(path)}); {RUN[backend]}"
            )
        }
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return {"missing": f"{_shown(path)} is not readable JSON ({error}); {RUN[backend]} to write it again"}
    problem = _problem(data)
    if problem:
        return {
            "missing": f"{_shown(path)} is not a session table: {problem}; {RUN[backend]} to write it again"
        }
    return {
        "backend": backend,
        "file": _shown(path),
        "finished": data.get("finished"),  # absent from files written before it was recorded
        "commit": data.get("commit"),
        "wall_seconds": data["wall_seconds"],
        "suites": [
            {"suite": row["suite"], "tests": row["tests"], "seconds": row["seconds"]}
            for row in data["suites"]
        ],
    }


def _problem(data: Any) -> str:
    """What is wrong with a session table's shape, or "" if nothing."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if not _is_number(data.get("wall_seconds")):
        return "no number under wall_seconds"
    if not isinstance(data.get("suites"), list):
        return "no list under suites"
    for row in data["suites"]:
        if not (
            isinstance(row, dict)
            and isinstance(row.get("suite"), str)
            and _is_number(row.get("seconds"))
            and isinstance(row.get("tests"), int)
        ):
            return f"a suite row without suite, tests and seconds: {row!r}"
    return ""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(path: Path) -> str:
    """reports/test-times.native.json rather than an absolute path, when it is under the repo."""
    try:
        return str(path.relative_to(REPORTS_DIR.parent))
    except ValueError:
        return str(path)
