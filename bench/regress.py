"""What changed since the last bench: each backend's `make test` session, suite by suite.

`make bench` reads the previous reports/bench.json before it writes the new one; `compare` takes
the two reports and returns, per backend, the session's wall clock and every suite with its
seconds then and now, so the overview (bench/table.py) can show a suite that grew slower. A change
counts only when it is more than max(5 s, 10 %) of the earlier time: the sessions run on a shared
machine, and a few seconds either way is noise, not a regression. Pure data in, rows out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.sessions import BACKENDS

SESSION = "whole session (wall clock)"
TIMED = "make test, timed by this bench"
# A change smaller than both of these is noise on a shared 2-core machine.
MIN_SECONDS = 5.0
MIN_FRACTION = 0.10


@dataclass(frozen=True)
class SuiteTime:
    """One line of the overview: a suite's (or the session's) seconds now and at the previous bench."""

    suite: str  # a test file, SESSION or TIMED
    seconds: float | None  # now; None when the suite is gone
    before: float | None  # at the previous bench; None when new or when there is nothing to compare with
    tests: int | None = None
    tests_before: int | None = None
    change: str = ""  # slower, faster, same, new, removed; "" with nothing to compare with

    @property
    def delta(self) -> float | None:
        if self.seconds is None or self.before is None:
            return None
        return round(self.seconds - self.before, 1)


@dataclass(frozen=True)
class Session:
    backend: str
    about: str  # which session the figures are from, or why there are none
    compared: str  # what they are compared with
    rows: list[SuiteTime]  # SESSION first, then the suites slowest first, then the ones that are gone


def change(seconds: float, before: float) -> str:
    """slower or faster when the difference is more than max(5 s, 10 % of before), else same."""
    limit = max(MIN_SECONDS, MIN_FRACTION * before)
    if seconds - before > limit:
        return "slower"
    if before - seconds > limit:
        return "faster"
    return "same"


def compare(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[Session]:
    """Per backend, the `make test` session in `current` against the one `previous` recorded."""
    found = current.get("test_sessions", {})
    return [
        _session(backend, _sessions(previous).get(backend), found.get(backend), previous)
        for backend in BACKENDS
    ]


def timed(previous: dict[str, Any] | None, current: dict[str, Any]) -> SuiteTime | None:
    """The session the bench timed itself (full mode), against the previous bench's; None if not timed now."""
    now = current.get("test_suite", {})
    if "seconds" not in now:
        return None
    before = (previous or {}).get("test_suite", {}).get("seconds")
    return SuiteTime(
        TIMED, now["seconds"], before, change="" if before is None else change(now["seconds"], before)
    )


def load_previous(path: Path, log: Callable[[str], None]) -> dict[str, Any] | None:
    """The report a previous bench wrote to `path`, read before it is overwritten; None if none."""
    try:
        report = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        log(f"{path.name} from the previous bench is unreadable ({error}): no changes to show this time")
        return None
    if not isinstance(report, dict):
        log(
            f"{path.name} from the previous bench is not a report (a JSON {type(report).__name__}): "
            "no changes to show this time"
        )
        return None
    return report


def _sessions(report: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Backend → a session that has figures (entries that say `missing` are left out)."""
    found = (report or {}).get("test_sessions", {})
    return {
        backend: data
        for backend, data in found.items()
        if isinstance(data, dict) and {"wall_seconds", "suites"} <= set(data)
    }


def _session(
    backend: str, before: dict[str, Any] | None, now: dict[str, Any] | None, previous: dict[str, Any] | None
) -> Session:
    if now is None or "missing" in now:
        return Session(
            backend,
            (now or {}).get("missing") or f"no make test session recorded on the {backend} backend",
            "",
            [],
        )
    about = (
        f"finished {now.get('finished') or 'at an unrecorded time'}, commit {now.get('commit') or 'unknown'}"
    )
    if before is None:
        compared = (
            "no earlier bench to compare with"
            if previous is None
            else (
                f"the previous bench ({previous.get('started', '?')}) had no {backend} session "
                "to compare with"
            )
        )
        return Session(backend, about, compared, _rows(now, None))
    if (now.get("finished"), now.get("commit")) == (before.get("finished"), before.get("commit")) and now.get(
        "finished"
    ):
        compared = "the same session as the previous bench: run make test for new figures"
    else:
        compared = (
            f"vs the session the previous bench found (finished {before.get('finished') or '?'}, "
            f"commit {before.get('commit') or 'unknown'})"
        )
    return Session(backend, about, compared, _rows(now, before))


def _rows(now: dict[str, Any], before: dict[str, Any] | None) -> list[SuiteTime]:
    """The session's wall clock, its suites slowest first, then the suites it no longer has."""
    wall_before = None if before is None else (before["wall_seconds"], _tests(before))
    rows = [_row(SESSION, now["wall_seconds"], _tests(now), wall_before)]
    if before is None:
        return rows + [
            SuiteTime(suite["suite"], suite["seconds"], None, suite["tests"]) for suite in now["suites"]
        ]
    earlier = {suite["suite"]: suite for suite in before["suites"]}
    for suite in now["suites"]:
        old = earlier.pop(suite["suite"], None)
        if old is None:
            rows.append(SuiteTime(suite["suite"], suite["seconds"], None, suite["tests"], change="new"))
        else:
            rows.append(
                _row(suite["suite"], suite["seconds"], suite["tests"], (old["seconds"], old["tests"]))
            )
    return rows + [
        SuiteTime(name, None, old["seconds"], None, old["tests"], change="removed")
        for name, old in earlier.items()
    ]


def _row(suite: str, seconds: float, tests: int, before: tuple[float, int] | None) -> SuiteTime:
    if before is None:
        return SuiteTime(suite, seconds, None, tests)
    return SuiteTime(suite, seconds, before[0], tests, before[1], change(seconds, before[0]))


def _tests(session: dict[str, Any]) -> int:
    return sum(suite["tests"] for suite in session["suites"])
