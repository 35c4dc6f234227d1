"""Every command line maps a fault to exit 2, Ctrl-C to 130, and passes 0 and 1 through (proxylab/exits.py).

A failure here means a script or CI reading that command's status would take a fault (a port in use, a
malformed file) for a finding, or the other way round. Each case runs the CLI's `main` in this process
with one function it calls replaced by one that raises a ProxylabError, so nothing is started. A
cleanup that fails after a failure (proxylab/cleanup.py) is told after it and leaves its status as is.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from proxylab import cli
from proxylab.cleanup import cleaned_up_by
from proxylab.errors import ProxylabError
from proxylab.exits import EXPECTATION_FAILED, FAULT, INTERRUPTED, OK, run_main
from proxylab.native.supervisor import NativeBackend
from proxylab.paths import REPO

FAULT_TEXT = "next: do the next thing"


def _fault(*_: object, **__: object) -> None:
    raise ProxylabError("the thing", "is broken", "do the next thing")


@pytest.fixture(autouse=True)
def _sigterm_kept() -> Iterator[None]:
    """proxylab's and the doctor's main turn SIGTERM into Ctrl-C: give pytest its own handler back."""
    kept = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, kept)


# --- the convention itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (lambda: OK, 0),
        (lambda: EXPECTATION_FAILED, 1),
        (_fault, 2),
    ],
)
def test_run_main_passes_results_through_and_maps_a_fault_to_2(
    body: Callable[[], int], status: int, capsys
) -> None:
    """A fault exiting 1 reads as "the check found a difference"; a finding exiting 2 as "it could
    not run"."""
    assert run_main(body) == status
    assert (FAULT_TEXT in capsys.readouterr().err) == (status == FAULT)


def test_ctrl_c_exits_130_with_its_line(capsys) -> None:
    """A Ctrl-C with a traceback, or another status, would read as a crash in a script's log."""

    def interrupted() -> int:
        raise KeyboardInterrupt

    assert run_main(interrupted, interrupted="interrupted: stopped") == INTERRUPTED
    assert "interrupted: stopped" in capsys.readouterr().err


def test_sigterm_is_raised_as_ctrl_c_when_asked() -> None:
    """`make down` from another terminal would leave `make up --attach`'s processes running."""

    def terminated() -> int:
        signal.raise_signal(signal.SIGTERM)
        return OK

    assert run_main(terminated, sigterm=True) == INTERRUPTED


# --- a cleanup that fails after a failure -------------------------------------------------------------


def _stop_fails(*_: object) -> None:
    raise ProxylabError(
        "ports 127.0.0.1:8008",
        "are still in use after stopping every service",
        "find the owner with `ss -ltnp` and stop it",
    )


def _interrupted(*_: object) -> float:
    raise KeyboardInterrupt


STOP_FAILED = "while cleaning up: ports 127.0.0.1:8008: are still in use after stopping every service"


@pytest.mark.parametrize(
    ("failure", "status", "first"),
    [
        (
            ProxylabError(
                "port 127.0.0.1:8008 (for app-hypercorn)",
                "is already in use by pid 4121 (python3)",
                "run `make down`",
            ),
            FAULT,
            "error: port 127.0.0.1:8008 (for app-hypercorn): is already in use by pid 4121 (python3)",
        ),
        (KeyboardInterrupt(), INTERRUPTED, "interrupted: stopped"),
    ],
    ids=["fault", "ctrl-c"],
)
def test_a_failed_cleanup_is_told_after_the_failure_it_followed(
    failure: BaseException, status: int, first: str, capsys
) -> None:
    """`make drift` printed the cleanup's "ports still in use" and exited as its fault, while the
    start's own failure (the port a leftover worker held) survived only as __context__, unprinted."""

    def body() -> int:
        with cleaned_up_by(_stop_fails):
            raise failure

    assert run_main(body, interrupted="interrupted: stopped") == status
    printed = capsys.readouterr().err.strip()
    assert printed.startswith(first)
    assert printed.index(first) < printed.index(STOP_FAILED)


def test_a_cleanup_that_fails_after_a_success_is_the_failure() -> None:
    """A stop that failed after everything else went well would pass unnoticed."""
    with pytest.raises(ProxylabError, match="are still in use"):
        with cleaned_up_by(_stop_fails):
            pass


def test_ctrl_c_during_up_exits_130_even_when_the_stop_after_it_fails(monkeypatch, capsys) -> None:
    """`python -m proxylab up` interrupted, then a stop that could not free a port: the command
    exited 2 with only the stop's error, as if `up` itself had found a fault."""
    monkeypatch.setenv("BACKEND", "native")
    monkeypatch.setattr("proxylab.cli.ensure_certs", lambda: [REPO / ".run" / "certs" / "ca.pem"])
    monkeypatch.setattr(NativeBackend, "up", _interrupted)
    monkeypatch.setattr(NativeBackend, "down", _stop_fails)
    assert cli.main(["up"]) == INTERRUPTED
    printed = capsys.readouterr().err
    assert printed.index("interrupted: everything that was started") < printed.index(STOP_FAILED)


# --- every command line -------------------------------------------------------------------------------
# (module of `main`, what to make raise, argv): the replaced function is the first real work `main` does.

CLIS = [
    ("proxylab.cli", "proxylab.compose.load", ["routes"]),
    ("proxylab.cli", "proxylab.compose.load", ["status"]),
    ("proxylab.certs", "proxylab.certs.ensure_certs", ["{tmp}"]),
    ("labs.__main__", "labs.runner.verify", ["verify", "01", "--reports", "{tmp}"]),
    ("labs.__main__", "labs.handouts.generate", ["handouts", "01", "--out", "{tmp}"]),
    ("labs.uvicorn_proxy_and_health_lab", "labs.uvicorn_proxy_and_health_lab.free_port", []),
    ("suites.matrix.__main__", "proxylab.compose.load", ["--reports", "{tmp}"]),
    ("suites.browser.__main__", "proxylab.compose.load", ["--screenshots", "{tmp}"]),
    ("suites.spoofing", "proxylab.compose.load", []),
    ("suites.oddpaths", "proxylab.compose.load", []),
    ("suites.drift.__main__", "suites.drift.__main__.run_grid", ["--reports", "{tmp}"]),
    ("instruments.releases.restart", "instruments.releases.restart.connect", ["pinned", "app-plain"]),
    ("bench.__main__", "bench.regress.load_previous", ["--smoke", "--out", "{tmp}"]),
    ("doctor.cli", "doctor.cli._validated", ["main:app"]),
    ("proxylab.testrun", "proxylab.testrun.Run.backend_session", ["-x"]),
]


@pytest.mark.parametrize(
    ("module", "target", "argv"), CLIS, ids=[f"{m} {' '.join(a[:1])}" for m, _, a in CLIS]
)
def test_every_cli_exits_2_on_a_fault(
    module: str, target: str, argv: list[str], monkeypatch, tmp_path: Path, capsys
) -> None:
    """The command would exit 1 (read as a finding), 3 or a traceback for a fault a person can fix."""
    main = __import__(module, fromlist=["main"]).main
    monkeypatch.setattr(target, _fault)
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    # The companion script takes no arguments.
    assert (main() if module == "labs.uvicorn_proxy_and_health_lab" else main(args)) == FAULT
    assert FAULT_TEXT in capsys.readouterr().err


@pytest.mark.parametrize(
    ("module", "argv"),
    [
        ("suites.drift.__main__", ["--sets", "uvicorn=0.1"]),
        ("doctor.cli", ["not-module-attr"]),
    ],
)
def test_bad_input_exits_2_with_its_next_step(module: str, argv: list[str], capsys) -> None:
    """A malformed argument the parser cannot see would exit another way than argparse's own 2."""
    assert __import__(module, fromlist=["main"]).main(argv) == FAULT
    assert "next:" in capsys.readouterr().err
