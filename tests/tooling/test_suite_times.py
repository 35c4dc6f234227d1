"""tests/suite_times.py, the time-by-suite table that ends every `make test` session: a suite is a
test file, and the session stack's start and stop are a line of their own, not charged to the test
that happened to need the stack first; the file also says when and at which commit the session
ran (proxylab/testtimes.py, which also adds a backend's phases up). A fresh copy of the plugin is
used, so the table of this very session is left alone."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from proxylab import testtimes


@pytest.fixture
def times():
    spec = importlib.util.spec_from_file_location(
        "suite_times_copy", Path(__file__).parents[1] / "suite_times.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(nodeid: str, when: str, seconds: float, skipped: bool = False):
    return SimpleNamespace(nodeid=nodeid, when=when, duration=seconds, skipped=skipped)


def test_a_suite_is_a_test_file_and_sums_setup_call_and_teardown(times):
    for nodeid in (
        "tests/labs/test_labs_live.py::test_lab[07]",
        "tests/labs/test_labs_live.py::test_lab[06]",
    ):
        for when, seconds in (("setup", 1.0), ("call", 10.0), ("teardown", 0.5)):
            times.pytest_runtest_logreport(report(nodeid, when, seconds))
    times.pytest_runtest_logreport(report("tests/app/test_app_health.py::test_ready", "call", 0.2))
    assert times.rows() == [
        {"suite": "labs/test_labs_live.py", "tests": 2, "seconds": 23.0},
        {"suite": "app/test_app_health.py", "tests": 1, "seconds": 0.2},
    ]


def test_the_stack_start_is_its_own_line_not_the_first_suites(times):
    item = SimpleNamespace(nodeid="tests/stack/test_routes.py::test_route[9001]")
    times.pytest_runtest_protocol(item)
    times.charge_stack(20.0)  # what running_stack's setup reports, inside this test's setup
    times.pytest_runtest_logreport(report(item.nodeid, "setup", 20.3))
    times.pytest_runtest_logreport(report(item.nodeid, "call", 0.1))
    assert times.rows() == [
        {"suite": times.STACK, "tests": 0, "seconds": 20.0},
        {"suite": "stack/test_routes.py", "tests": 1, "seconds": 0.4},
    ]


def test_a_skipped_test_counts_once(times):
    times.pytest_runtest_logreport(
        report("tests/suites/test_drift.py::test_proof", "setup", 0.0, skipped=True)
    )
    times.pytest_runtest_logreport(report("tests/suites/test_drift.py::test_proof", "teardown", 0.0))
    assert times.rows()[0]["tests"] == 1


def test_the_file_says_when_and_at_which_commit_the_session_ran(times, tmp_path, monkeypatch):
    """`make bench` would compare figures without knowing which run or which code they are from."""
    monkeypatch.setattr(times, "OUT", tmp_path / "test-times.native.json")
    times.pytest_runtest_logreport(report("tests/app/test_app_health.py::test_ready", "call", 1.25))
    lines: list[str] = []
    reporter = SimpleNamespace(section=lambda title: lines.append(title), write_line=lines.append)
    before = datetime.now(UTC).replace(microsecond=0)
    times.pytest_terminal_summary(reporter, 0, None)
    written = json.loads((tmp_path / "test-times.native.json").read_text())
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert written["commit"] == head
    assert before <= datetime.fromisoformat(written["finished"]) <= datetime.now(UTC)
    assert written["suites"] == [{"suite": "app/test_app_health.py", "tests": 1, "seconds": 1.2}]
    assert written["backend"] == times.BACKEND and written["wall_seconds"] >= 0
    assert lines[1] == "     1.2 s      1 tests  app/test_app_health.py"  # the terminal table is unchanged


def test_a_run_of_one_file_leaves_make_tests_table_alone():
    """`make bench` would report a developer's one-file run as the last `make test` session
    (it did: 24 tests, 2.3 s, for a whole backend)."""
    import os
    import sys

    from proxylab.paths import REPORTS_DIR

    recorded, own = REPORTS_DIR / "test-times.native.json", REPORTS_DIR / "test-times.native.pytest.json"
    before = recorded.read_bytes() if recorded.exists() else None
    env = {key: value for key, value in os.environ.items() if key != "TEST_TIMES_FILE"} | {
        "BACKEND": "native"
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/tooling/test_suite_times.py",
            "-k",
            "a_skipped_test_counts_once",
        ],
        cwd=Path(__file__).parents[2],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (recorded.read_bytes() if recorded.exists() else None) == before
    assert [(row["suite"], row["tests"]) for row in json.loads(own.read_text())["suites"]] == [
        ("tooling/test_suite_times.py", 1)
    ]


def test_outside_a_git_checkout_the_commit_is_null(tmp_path, monkeypatch):
    """A session run from an exported tree would fail at its very end instead of writing its table."""
    monkeypatch.setattr(testtimes, "REPO", tmp_path)
    assert testtimes.commit() is None


def test_a_backends_phases_add_up_to_one_table(tmp_path):
    """`make test`'s last table per backend would miss a phase's suites, count one twice, or
    lose the stack's up and down."""

    def phase(name: str, suites: list[dict]) -> Path:
        path = tmp_path / f"native.{name}.json"
        path.write_text(json.dumps({"suites": suites}))
        return path

    parallel = phase(
        "parallel",
        [
            {"suite": "labs/test_labs_live.py", "tests": 24, "seconds": 32.1},
            {"suite": "suites/test_matrix.py", "tests": 16, "seconds": 40.3},
        ],
    )
    alone = phase("alone", [{"suite": "labs/test_labs_live.py", "tests": 8, "seconds": 190.7}])
    data = testtimes.merge(
        "native", 450.0, 17.9, [tmp_path / "native.lifecycle.json", parallel, alone]
    )  # no lifecycle test selected: no file
    assert data["backend"] == "native" and data["wall_seconds"] == 450.0
    assert data["suites"] == [
        {"suite": "labs/test_labs_live.py", "tests": 32, "seconds": 222.8},
        {"suite": "suites/test_matrix.py", "tests": 16, "seconds": 40.3},
        {"suite": testtimes.STACK, "tests": 0, "seconds": 17.9},
    ]


def test_a_suite_that_ran_in_no_time_keeps_its_line(tmp_path):
    """A suite whose tests took under 0.05 s would vanish from the table (the bench's phases, with
    no stack started, would lose it), while an unstarted stack would show a 0.0 s line."""
    phase = tmp_path / "native.parallel.json"
    phase.write_text(json.dumps({"suites": [{"suite": "tooling/test_ports.py", "tests": 3, "seconds": 0.0}]}))
    assert testtimes.merge("native", 1.0, 0.0, [phase])["suites"] == [
        {"suite": "tooling/test_ports.py", "tests": 3, "seconds": 0.0}
    ]
