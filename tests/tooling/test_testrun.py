"""proxylab/testrun.py, `make test`'s driver, and proxylab/testphases.py: the phases, their
order, the stack started once, the exit status and the time tables. The machine is replaced by
fakes that record what would run, so no stack starts here (one test runs pytest on one small file).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import suite
from proxylab import testphases, testrun


@pytest.fixture
def machine(monkeypatch, tmp_path: Path):
    """The driver's calls, recorded: ("pytest", backend, phase) or ("up"/"down", backend)."""
    state = {
        "calls": [],
        "codes": {},
        "healthy": False,
        "engine": False,
        "native_running": False,
        "up": 0,
        "interrupt_at": None,
        "namespaces": False,
    }

    def run(command, backend, times_file=None):
        if command == testrun.UP:
            state["calls"].append(("up", backend))
            return state["up"]
        phase = times_file.stem.split(".")[1]
        state["calls"].append(("pytest", backend, phase))
        if state["interrupt_at"] == (backend, phase):
            raise KeyboardInterrupt
        table = [{"suite": f"{phase}/test_x.py", "tests": 1, "seconds": 2.0}]
        times_file.write_text(json.dumps({"suites": table}))
        return state["codes"].get((backend, phase), 0)

    def start(command, backend, times_file, output):
        """A phase started beside the next: recorded when it starts, its status given when waited for."""
        assert command[: len(testphases.NETNS)] == list(testphases.NETNS)
        output.write_text("the lifecycle phase's output\n")
        code = run(command, backend, times_file)
        state["calls"][-1] += ("beside",)
        return code

    def finish(code, interrupt=False):
        state["calls"].append(("finished", "interrupted" if interrupt else "ended"))
        return code

    def stop(backend):
        state["calls"].append(("down", backend))
        return True

    monkeypatch.setattr(testrun, "run", run)
    monkeypatch.setattr(testrun, "start", start)
    monkeypatch.setattr(testrun, "finish", finish)
    monkeypatch.setattr(testrun, "namespaces", lambda: state["namespaces"])
    monkeypatch.setattr(testrun, "stop", stop)
    monkeypatch.setattr(testrun, "stack_is_healthy", lambda backend: state["healthy"])
    monkeypatch.setattr(testrun, "engine_answers", lambda: state["engine"])
    monkeypatch.setattr(testrun, "native_is_running", lambda: state["native_running"])
    monkeypatch.setattr(testrun, "REPORTS_DIR", tmp_path)
    monkeypatch.setattr(testrun, "PHASES_DIR", tmp_path / "test-phases")
    monkeypatch.setattr(testrun.signal, "signal", lambda *_: None)  # pytest keeps its own SIGTERM
    return state


NATIVE = [
    ("pytest", "native", "lifecycle"),
    ("up", "native"),
    ("pytest", "native", "parallel"),
    ("pytest", "native", "alone"),
    ("down", "native"),
]


def test_the_phases_run_in_order_with_the_stack_started_once_between(machine, capsys, tmp_path):
    """The lifecycle tests would meet a running stack on their ports, or the stack would start per phase."""
    assert testrun.main([]) == 0
    assert machine["calls"] == NATIVE
    out = capsys.readouterr().out
    assert "== make test: the Compose session was SKIPPED: no Docker engine answers" in out
    assert out.rstrip().splitlines()[-1].startswith("== make test: native ")
    table = json.loads((tmp_path / "test-times.native.json").read_text())
    assert [row["suite"] for row in table["suites"]][:3] == [
        "lifecycle/test_x.py",
        "parallel/test_x.py",
        "alone/test_x.py",
    ]


BESIDE = [
    ("up", "native"),
    ("pytest", "native", "lifecycle", "beside"),
    ("pytest", "native", "parallel"),
    ("finished", "ended"),
    ("pytest", "native", "alone"),
    ("down", "native"),
]


def test_with_a_network_namespace_the_lifecycle_phase_runs_beside_the_parallel_one(machine, capsys, tmp_path):
    """Natively, the lifecycle tests get ports of their own, so the session stack starts first and
    they run while the parallel phase does: waited for before the alone phase (which wants a quiet
    machine), their output shown once they end."""
    machine["namespaces"] = True
    assert testrun.main([]) == 0
    assert machine["calls"] == BESIDE
    out = capsys.readouterr().out
    shown = out.index("the lifecycle phase's output")
    assert out.index("lifecycle phase started in a network namespace of its own") < shown
    assert shown < out.index("alone phase")


def test_on_compose_the_lifecycle_phase_runs_first_even_with_namespaces(machine):
    """The Compose lifecycle tests look for the containers' ports on the machine's own network."""
    machine["namespaces"], machine["engine"] = True, True
    assert testrun.main([]) == 0
    assert machine["calls"] == [*BESIDE, *[(call[0], "compose", *call[2:]) for call in NATIVE]]


def test_ctrl_c_beside_the_lifecycle_phase_interrupts_it_before_the_stack_stops(machine):
    """Its stacks would outlive the run, or the session stack would stop under it."""
    machine["namespaces"], machine["interrupt_at"] = True, ("native", "parallel")
    assert testrun.main([]) == 130
    assert machine["calls"] == [*BESIDE[:3], ("finished", "interrupted"), ("down", "native")]


def test_a_phase_that_could_run_beside_but_comes_last_is_waited_for_not_interrupted(machine, monkeypatch):
    """With nothing after it, it would be taken for an interrupted run and stopped with Ctrl-C."""
    machine["namespaces"] = True
    monkeypatch.setattr(testrun, "PHASES", (testphases.PHASES[0],))
    assert testrun.main([]) == 0
    assert machine["calls"] == [BESIDE[0], BESIDE[1], ("finished", "ended"), ("down", "native")]


def test_a_failing_lifecycle_phase_beside_fails_the_run(machine):
    machine["namespaces"], machine["codes"] = True, {("native", "lifecycle"): 1}
    assert testrun.main([]) == 1
    assert machine["calls"] == BESIDE


def test_a_running_stack_is_used_and_left_running(machine):
    """`make test` after `make up` would stop the stack the person started."""
    machine["healthy"] = True
    assert testrun.main([]) == 0
    assert machine["calls"] == [call for call in NATIVE if call[0] == "pytest"]


@pytest.mark.parametrize(
    ("codes", "status"),
    [
        ({("native", "lifecycle"): 5}, 0),  # no test selected is not a failure
        ({("native", "parallel"): 1}, 1),
        ({("native", "parallel"): 1, ("native", "alone"): 5}, 1),
        ({("native", "lifecycle"): 1, ("native", "alone"): 2}, 2),  # the last failing phase's status
    ],
)
def test_the_status_is_the_last_failing_phases(machine, codes, status):
    """A failing phase would pass for success, or an empty one for a failure."""
    machine["codes"] = codes
    assert testrun.main([]) == status
    assert machine["calls"] == NATIVE, "a failing phase must not stop the later ones"


def test_a_stack_that_does_not_start_skips_its_phases_and_fails(machine):
    machine["up"] = 1
    assert testrun.main([]) == 1
    assert machine["calls"] == [("pytest", "native", "lifecycle"), ("up", "native"), ("down", "native")]


def test_ctrl_c_stops_the_stack_this_run_started(machine, capsys):
    """An interrupted `make test` would leave the stack's processes holding the ports."""
    machine["interrupt_at"] = ("native", "parallel")
    assert testrun.main([]) == 130
    assert machine["calls"] == [*NATIVE[:3], ("down", "native")]
    assert "interrupted" in capsys.readouterr().err


def test_the_compose_session_runs_the_stack_tests_when_an_engine_answers(machine, capsys):
    machine["engine"] = True
    assert testrun.main([]) == 0
    assert machine["calls"] == [*NATIVE, *[(call[0], "compose", *call[2:]) for call in NATIVE]]
    assert "== make test: the Compose session (COMPOSE_FILE=" in capsys.readouterr().out


def test_a_native_stack_holding_the_ports_skips_the_compose_session(machine, capsys):
    machine["engine"], machine["native_running"] = True, True
    assert testrun.main([]) == 0
    skipped = "the Compose session was SKIPPED: a native stack (`make up`) holds the ports"
    assert skipped in capsys.readouterr().out


def test_the_dry_run_shows_every_phases_command_and_runs_nothing(machine, capsys, monkeypatch):
    """`scripts/test.sh --dry-run` is how a person sees what `make test` selects."""
    monkeypatch.setenv("TEST_WORKERS", "2")
    assert testrun.main(["--dry-run", "-x"]) == 0
    assert machine["calls"] == []
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "native backend:"
    assert lines[1].startswith("  lifecycle (before the stack starts): BACKEND=native python -m pytest ")
    assert lines[2].endswith("-n 2 --dist loadfile -m 'not lifecycle and not alone' -x")
    assert lines[3].endswith("-m 'alone and not lifecycle' -x")
    assert lines[4].startswith("compose backend")
    assert lines[6].endswith("-m 'not lifecycle and not alone and (stack or compose)' -x")
    machine["namespaces"] = True
    assert testrun.main(["--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(
        "  lifecycle (in a network namespace of its own, beside the parallel phase, with the stack up):"
        " BACKEND=native python -m proxylab.netns python -m pytest "
    )
    assert lines[5].startswith("  lifecycle (before the stack starts): BACKEND=compose python -m pytest ")


def test_one_worker_runs_the_parallel_phase_without_xdist(monkeypatch):
    monkeypatch.setenv("TEST_WORKERS", "1")
    parallel = next(phase for phase in testphases.PHASES if phase.parallel)
    assert testphases.pytest_args(parallel) == ["-m", "not lifecycle and not alone"]


def test_the_bench_times_the_phases_that_run_with_the_stack_up():
    """The bench would time another selection than `make test` runs."""
    assert [name for name, _ in suite.PHASES] == [p.name for p in testphases.PHASES if p.needs_stack]
    for (_, command), phase in zip(suite.PHASES, [p for p in testphases.PHASES if p.needs_stack]):
        assert command[-2:] == ["-m", phase.marks] and "--ignore=tests/bench" in command
    # and, beside the first, the phase make test runs there in a network namespace of its own
    assert [name for name, _ in suite.BESIDE] == [p.name for p in testphases.PHASES if p.own_network]
    assert all(command[:3] == list(testphases.NETNS) for _, command in suite.BESIDE)


def test_a_phase_runs_pytest_with_its_backend_and_time_table(tmp_path):
    """The real `run`, on one small file: a phase's table would go to make test's own file, or the
    phase would see another backend than the one its session is for."""
    small = ["-q", "-p", "no:cacheprovider", "tests/tooling/test_ports.py"]
    times = tmp_path / "native.parallel.json"
    assert testrun.run([testrun.sys.executable, "-m", "pytest", *small], "native", times) == 0
    assert json.loads(times.read_text())["backend"] == "native"
    nothing = [testrun.sys.executable, "-m", "pytest", *small, "-m", "alone and lifecycle"]
    assert testrun.run(nothing, "native", tmp_path / "none.json") == testphases.NO_TESTS
