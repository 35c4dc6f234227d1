"""The suite time per backend and its change since the previous bench: reading the `make test`
session tables (bench/sessions.py), comparing two reports (bench/regress.py) and the overview
that shows it (bench/table.py). Pure data, no stack.

When one of these fails, `make bench` would hide a suite that grew slower, call noise a
regression, or show a table of zeros where it should say which backend has no session and why.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from rich.console import Console
from test_bench_parts import fake_report  # a whole report from made-up runs (tests/bench/ is on the path)

from bench import regress, sessions, suite, table
from proxylab import testphases
from proxylab.paths import REPORTS_DIR

# Two real, short phases' worth of tests: one quick file, instead of the whole suite.
SMALL_SESSION = [
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "tests/tooling/test_suite_times.py",
]


def session(
    wall: float,
    suites: dict[str, tuple[int, float]],
    finished: str = "2026-01-01T10:00:00+00:00",
    commit: str | None = "abc1234",
) -> dict:
    """A session as bench/sessions.py keeps it: suite → (tests, seconds), slowest first."""
    rows = [{"suite": name, "tests": tests, "seconds": seconds} for name, (tests, seconds) in suites.items()]
    return {
        "backend": "native",
        "file": "reports/test-times.native.json",
        "finished": finished,
        "commit": commit,
        "wall_seconds": wall,
        "suites": sorted(rows, key=lambda row: row["seconds"], reverse=True),
    }


def bench(native: dict | None = None, compose: dict | None = None, suite_seconds: float = 90.0) -> dict:
    report = fake_report()
    report["test_suite"]["seconds"] = suite_seconds
    missing = {
        "missing": "no make test session recorded on the compose backend; run make test with a Docker engine"
    }
    report["test_sessions"] = {
        "native": native or {"missing": "no make test session recorded on the native backend"},
        "compose": compose or missing,
    }
    return report


def rows_by_suite(result: regress.Session) -> dict[str, regress.SuiteTime]:
    return {row.suite: row for row in result.rows}


# --- the threshold: max(5 s, 10 %) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "before", "verdict"),
    [
        (25.0, 20.0, "same"),  # +5 s is not more than 5 s
        (25.1, 20.0, "slower"),  # short suites: 5 s is the bar
        (14.9, 20.0, "faster"),
        (110.0, 100.0, "same"),  # +10 % is not more than 10 %
        (110.2, 100.0, "slower"),  # long sessions: 10 % is the bar
        (106.0, 100.0, "same"),  # more than 5 s, but within 10 %
        (89.8, 100.0, "faster"),
        (0.3, 0.0, "same"),  # a suite that took no time before
    ],
)
def test_a_change_counts_only_beyond_five_seconds_or_ten_percent(seconds, before, verdict):
    """Noise on a shared machine would read as a regression, or a real one would pass as noise."""
    assert regress.change(seconds, before) == verdict


# --- comparing two reports ------------------------------------------------------------------------


def test_each_suite_is_slower_faster_same_new_or_removed():
    """A suite that grew slower, appeared or disappeared would not show in the next bench."""
    before = session(
        300.0,
        {
            "labs/test_labs_live.py": (12, 100.0),
            "stack/test_routes.py": (40, 60.0),
            "app/test_app.py": (20, 3.0),
            "suites/test_old.py": (4, 12.0),
        },
    )
    now = session(
        331.5,
        {
            "labs/test_labs_live.py": (12, 123.1),
            "stack/test_routes.py": (40, 45.0),
            "app/test_app.py": (22, 4.0),
            "suites/test_new.py": (5, 8.0),
        },
        finished="2026-01-02T10:00:00+00:00",
        commit="def5678",
    )
    native = regress.compare(bench(native=before), bench(native=now))[0]
    assert native.backend == "native"
    assert native.about == "finished 2026-01-02T10:00:00+00:00, commit def5678"
    assert "finished 2026-01-01T10:00:00+00:00, commit abc1234" in native.compared
    assert native.rows[0] == regress.SuiteTime(
        regress.SESSION, 331.5, 300.0, 79, 76, "slower"
    )  # +31.5 s > 30 s
    assert [row.suite for row in native.rows[1:]] == [
        "labs/test_labs_live.py",
        "stack/test_routes.py",
        "suites/test_new.py",
        "app/test_app.py",
        "suites/test_old.py",
    ]
    rows = rows_by_suite(native)
    assert (rows["labs/test_labs_live.py"].change, rows["labs/test_labs_live.py"].delta) == ("slower", 23.1)
    assert (rows["stack/test_routes.py"].change, rows["stack/test_routes.py"].delta) == ("faster", -15.0)
    assert (rows["app/test_app.py"].change, rows["app/test_app.py"].tests_before) == ("same", 20)
    assert rows["suites/test_new.py"] == regress.SuiteTime("suites/test_new.py", 8.0, None, 5, None, "new")
    assert rows["suites/test_old.py"] == regress.SuiteTime(
        "suites/test_old.py", None, 12.0, None, 4, "removed"
    )


def test_each_backend_is_compared_with_its_own_earlier_session():
    """The Compose session would be compared with the native one, or a missing backend would read as 0 s."""
    native = session(100.0, {"app/test_app.py": (20, 3.0)})
    compose = session(400.0, {"labs/test_labs_live.py": (12, 300.0)})
    result = regress.compare(
        bench(native=native, compose=compose),
        bench(
            native=native,
            compose=session(
                380.0, {"labs/test_labs_live.py": (12, 250.0)}, finished="2026-01-03T00:00:00+00:00"
            ),
        ),
    )
    assert [(s.backend, s.rows[0].change) for s in result] == [("native", "same"), ("compose", "same")]
    assert rows_by_suite(result[1])["labs/test_labs_live.py"].change == "faster"
    assert "the same session as the previous bench" in result[0].compared  # make test did not run in between
    alone = regress.compare(bench(native=native), bench(native=native))[1]
    assert (alone.rows, alone.about) == (
        [],
        "no make test session recorded on the compose backend; run make test with a Docker engine",
    )


def test_without_an_earlier_figure_nothing_is_called_new_or_changed():
    """The first bench, or the first to find a Compose session, would call every suite new."""
    now = session(100.0, {"app/test_app.py": (20, 3.0)})
    first = regress.compare(None, bench(native=now))[0]
    assert first.compared == "no earlier bench to compare with"
    assert [(row.before, row.change) for row in first.rows] == [(None, ""), (None, "")]
    older = bench()
    del older["test_sessions"]  # a report written before sessions were recorded
    assert "had no native session" in regress.compare(older, bench(native=now))[0].compared
    assert {row.change for row in regress.compare(older, bench(native=now))[0].rows} == {""}


def test_the_session_the_bench_timed_itself_is_compared_too():
    """The bench's own `make test` timing would lose its change since the previous bench."""
    assert regress.timed(bench(suite_seconds=90.0), bench(suite_seconds=120.0)) == regress.SuiteTime(
        regress.TIMED, 120.0, 90.0, change="slower"
    )
    assert regress.timed(None, bench(suite_seconds=120.0)).change == ""
    smoke = bench()
    smoke["test_suite"] = {"skipped": "smoke mode does not time the test suite"}
    assert regress.timed(bench(), smoke) is None


# --- reading the session tables and the previous report ------------------------------------------------


def test_a_session_table_is_read_with_when_and_which_commit(tmp_path: Path):
    """The report would keep figures without saying which `make test` run they are from."""
    data = {
        "backend": "compose",
        "finished": "2026-01-01T10:00:00+00:00",
        "commit": "abc1234",
        "wall_seconds": 412.3,
        "suites": [{"suite": "labs/test_labs_live.py", "tests": 12, "seconds": 300.0}],
    }
    (tmp_path / "test-times.compose.json").write_text(json.dumps(data))
    found = sessions.last_sessions(tmp_path)
    assert found["compose"] == {**data, "file": str(tmp_path / "test-times.compose.json")}
    assert found["native"] == {
        "missing": f"no make test session recorded on the native backend "
        f"({tmp_path / 'test-times.native.json'}); run make test"
    }


def test_a_table_from_before_finished_and_commit_were_recorded_still_reads(tmp_path: Path):
    """The first bench after this change would drop the session `make test` left earlier."""
    path = tmp_path / "test-times.native.json"
    path.write_text(json.dumps({"backend": "native", "wall_seconds": 50.0, "suites": []}))
    assert (
        sessions.read(path, "native")["finished"] is None
        and sessions.read(path, "native")["wall_seconds"] == 50.0
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "is not readable JSON"),
        ("[1, 2]", "is not a session table: a JSON list, not an object"),
        ('{"suites": []}', "is not a session table: no number under wall_seconds"),
        (
            '{"wall_seconds": 3, "suites": [{"suite": "a.py"}]}',
            "is not a session table: a suite row without suite, tests and seconds",
        ),
    ],
)
def test_a_malformed_session_table_says_what_is_wrong_and_what_to_run(tmp_path: Path, text, problem):
    """`make bench` would crash on a half-written file, or show its garbage as a session."""
    path = tmp_path / "test-times.compose.json"
    path.write_text(text)
    missing = sessions.read(path, "compose")["missing"]
    assert missing.startswith(f"{path} {problem}")
    assert missing.endswith("run make test with a Docker engine (`make engine` starts one) to write it again")


def test_the_session_the_bench_times_leaves_make_tests_table_alone(monkeypatch):
    """The next bench would compare the bench's own session (no bench or lifecycle tests) with a
    real `make test` one, and report the difference as a change in the suite."""
    recorded = REPORTS_DIR / "test-times.native.json"
    before = recorded.read_bytes() if recorded.exists() else None
    small = SMALL_SESSION
    # Two real, short phases instead of the whole suite: the second selects nothing (exit 5, not a failure).
    monkeypatch.setattr(suite, "PHASES", [("parallel", small), ("alone", [*small, "-m", "alone"])])
    monkeypatch.setattr(suite, "BESIDE", [])
    monkeypatch.delenv("BACKEND", raising=False)
    result = suite.time_test_suite(stack_running=False)
    assert result["exit_code"] == 0, result["summary"]
    assert [row["suite"] for row in result["by_suite"]] == ["tooling/test_suite_times.py"]
    assert result["summary"].startswith("parallel: ") and "; alone: " in result["summary"]
    assert (recorded.read_bytes() if recorded.exists() else None) == before


def test_natively_the_bench_times_the_lifecycle_phase_beside_the_parallel_one(monkeypatch):
    """With the stack up `make test` runs the lifecycle tests in a namespace of their own beside
    the parallel phase: a bench without them would time less than `make test` does."""
    from proxylab import netns

    if netns.available():
        pytest.skip(f"this machine gives no network namespace: {netns.available()}")
    lifecycle = [*testphases.NETNS, *SMALL_SESSION[:-1], "tests/tooling/test_netns.py"]
    monkeypatch.setattr(
        suite, "PHASES", [("parallel", SMALL_SESSION), ("alone", [*SMALL_SESSION, "-m", "alone"])]
    )
    monkeypatch.setattr(suite, "BESIDE", [("lifecycle", lifecycle)])
    monkeypatch.setenv("BACKEND", "native")
    assert "; beside parallel, lifecycle: python -m proxylab.netns python -m pytest" in suite.describe()
    result = suite.time_test_suite(stack_running=True)
    assert result["exit_code"] == 0, result["summary"]
    assert "; lifecycle (beside parallel): " in result["summary"] and "4 passed" in result["summary"]
    assert [row["suite"] for row in result["by_suite"]] == [
        "tooling/test_suite_times.py",
        "tooling/test_netns.py",
    ]
    monkeypatch.setenv("BACKEND", "compose")  # the Compose lifecycle tests need the machine's own network
    assert "beside" not in suite.describe()


def test_the_full_bench_says_which_phases_it_times(monkeypatch):
    """`make bench` would stop with an AttributeError where it starts timing the suite, as it did
    when suite.py went from one command to two phases (only the smoke, which skips it, ran in CI)."""
    from bench.run import Plan, _test_suite
    from proxylab.steps import Steps

    assert "-m 'not lifecycle and not alone'; alone: " in suite.describe()  # pasteable: quoted
    small = SMALL_SESSION
    monkeypatch.setattr(suite, "PHASES", [("parallel", small), ("alone", [*small, "-m", "alone"])])
    monkeypatch.setattr(suite, "BESIDE", [])
    lines: list[str] = []
    result = _test_suite(Plan.full(), Steps(1, lines.append))
    # Each line says how far the bench got: the suite is announced before it counts, then counted.
    assert lines[0].startswith(
        "[0/1 0:00] timing the test suite, with the stack up: parallel: python -m pytest -q"
    )
    assert "; alone: python -m pytest" in lines[0] and lines[0].endswith("-m alone (a few minutes)")
    assert lines[1].startswith("[1/1 ") and "] test suite: " in lines[1]
    assert result["exit_code"] == 0, result["summary"]


def test_the_previous_report_is_read_or_its_problem_said(tmp_path: Path):
    """A broken bench.json would stop the bench, or the changes would vanish without a word."""
    said: list[str] = []
    assert regress.load_previous(tmp_path / "bench.json", said.append) is None and said == []
    (tmp_path / "bench.json").write_text(json.dumps(bench()))
    assert regress.load_previous(tmp_path / "bench.json", said.append)["mode"] == "full"
    (tmp_path / "bench.json").write_text("{truncated")
    assert regress.load_previous(tmp_path / "bench.json", said.append) is None
    assert said and said[0].startswith("bench.json from the previous bench is unreadable")


# --- the overview on a terminal ----------------------------------------------------------------------


def rendered(report: dict, previous: dict | None) -> str:
    console = Console(width=200, record=True, force_terminal=True, color_system="standard")
    table.print_report(report, console, previous)
    return console.export_text(styles=True)


def test_the_overview_shows_both_backends_with_their_changes():
    """The terminal would show one backend only, or a regression without its colour."""
    before = bench(
        native=session(300.0, {"labs/test_labs_live.py": (12, 100.0), "app/test_app.py": (20, 3.0)}),
        compose=session(500.0, {"labs/test_labs_live.py": (12, 400.0)}),
        suite_seconds=90.0,
    )
    now = bench(
        native=session(
            330.0,
            {
                "labs/test_labs_live.py": (12, 123.1),
                "suites/test_new.py": (5, 8.0),
                "app/test_app.py": (20, 3.0),
            },
            finished="2026-01-02T10:00:00+00:00",
        ),
        compose=session(420.0, {"labs/test_labs_live.py": (12, 320.0)}, finished="2026-01-02T10:10:00+00:00"),
        suite_seconds=91.0,
    )
    text = rendered(now, before)
    plain = Console(width=200, record=True)
    plain.print(table.render(now, before))
    lines = [line.strip() for line in plain.export_text().splitlines()]
    native_at = next(i for i, line in enumerate(lines) if line.startswith("make test on the native backend"))
    compose_at = next(
        i for i, line in enumerate(lines) if line.startswith("make test on the compose backend")
    )
    assert native_at < compose_at
    labs = [line for line in lines if "labs/test_labs_live.py" in line]
    assert "123.1 s" in labs[0] and labs[0].endswith("+23.1 s")
    assert "320.0 s" in labs[1] and labs[1].endswith("-80.0 s")
    assert any("suites/test_new.py" in line and line.endswith("new") for line in lines)
    assert any(line.startswith(regress.TIMED) and "91.0 s" in line and "+1.0 s" in line for line in lines)
    assert re.search(r"\x1b\[31m *\+23\.1 s", text) and re.search(
        r"\x1b\[32m *-80\.0 s", text
    )  # slower red, faster green
    assert re.search(r"\x1b\[2m *\+0\.0 s", text)  # unchanged, dim


def test_a_backend_without_a_session_says_why_in_the_overview():
    """The overview would print an empty Compose table, or nothing, without saying what to run."""
    plain = Console(width=200, record=True)
    plain.print(table.render(bench(native=session(100.0, {"app/test_app.py": (20, 3.0)})), None))
    out = plain.export_text()
    assert "make test on the native backend: finished 2026-01-01T10:00:00+00:00, commit abc1234" in out
    assert "no make test session recorded on the compose backend; run make test with a Docker engine" in out
    assert "no earlier bench to compare with" in out


def test_a_slower_suite_shows_even_below_the_slowest_few():
    """A regression in a short suite would hide under the cut-off of the slowest eight."""
    many = {f"app/test_{n:02}.py": (3, 200.0 - 10 * n) for n in range(12)}  # 200 s down to 90 s
    slower = {**many, "app/test_11.py": (3, 100.5)}  # the fastest, 10.5 s slower: still 11th of 12
    plain = Console(width=200, record=True)
    plain.print(
        table.render(
            bench(native=session(1200.0, slower, finished="later")), bench(native=session(1200.0, many))
        )
    )
    lines = [line.strip() for line in plain.export_text().splitlines()]
    assert [line.split()[0] for line in lines if line.startswith("app/test_")][-1] == "app/test_11.py"
    assert any(line.startswith("app/test_11.py") and line.endswith("+10.5 s") for line in lines)
    assert not any(line.startswith("app/test_10.py") for line in lines)
    assert any(
        "3 more suites in the JSON report, none changed by more than max(5 s, 10 %)" in line for line in lines
    )
