"""`make test`: every test on the native stack, then the stack tests again on a Docker engine.

What: for each backend of SESSIONS, the phases of proxylab/testphases.py in order, each a pytest
session; the backend's stack is started once, before the first phase that needs it, unless it
already runs (`make up`: then it is used and left running), and stopped after its last. Natively
the lifecycle phase runs in a network namespace of its own beside the parallel phase, its output
shown when it ends, where the machine gives one (proxylab/netns.py); else first, alone. The
Compose session runs when a Docker engine answers, the Compose plugin is there and no native
stack holds the ports; otherwise it says why it was skipped. Each backend ends with its time by
suite over all phases (reports/test-times.<backend>.json, proxylab/testtimes.py), the run with
each backend's wall clock and slowest suites.
When: `make test` (scripts/test.sh) runs `python -m proxylab.testrun [PYTEST ARGS...]`; the
arguments go to every pytest run. `--dry-run` prints each phase's command and runs nothing.
Profiles: the stack runs with compose.yaml's k8s profile (COMPOSE_PROFILES=k8s) unless the
caller sets COMPOSE_PROFILES, so the suites probe the Kubernetes routes as every other.
Why: the session's logic in Python, where it can be tested, instead of bash with inline Python.
Exit status: the pytest status of the last phase to fail, in the order they end (5, no test
selected, is not a failure);
1 when the stack did not start or stop; 130 on Ctrl-C or SIGTERM, after stopping a stack this
run started.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from proxylab import testtimes
from proxylab.exits import run_main
from proxylab.paths import REPO, REPORTS_DIR
from proxylab.testphases import NO_TESTS, PHASES, SESSIONS, Phase, dry_run, phase_command, runs_beside

PHASES_DIR = REPORTS_DIR / "test-phases"
TEST_PROFILES = "k8s"
UP = [sys.executable, "-m", "proxylab", "up"]


# --- what the driver asks of the machine (replaced in tests) --------------------------------------


_children: list[subprocess.Popen] = []  # the pytest sessions or `proxylab up` running now


def _env(backend: str, times_file: Path | None) -> dict[str, str]:
    return {**os.environ, "BACKEND": backend} | ({"TEST_TIMES_FILE": str(times_file)} if times_file else {})


def run(command: Sequence[str], backend: str, times_file: Path | None = None) -> int:
    """Run a phase (or `proxylab up`) to its end. On Ctrl-C the child has the signal too: it is
    waited for, so a pytest session tears its fixtures down (and a stack it started) first."""
    child = subprocess.Popen(list(command), cwd=REPO, env=_env(backend, times_file))
    _children.append(child)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.wait()
        raise
    finally:
        _children.remove(child)


def start(command: Sequence[str], backend: str, times_file: Path, output: Path) -> subprocess.Popen:
    """Start a phase that runs beside the next one; its output goes to `output`, shown when it ends."""
    with output.open("wb") as sink:
        child = subprocess.Popen(
            list(command), cwd=REPO, env=_env(backend, times_file), stdout=sink, stderr=subprocess.STDOUT
        )
    _children.append(child)
    return child


def finish(child: subprocess.Popen, interrupt: bool = False) -> int:
    """Wait for a phase `start` started; `interrupt`: Ctrl-C it first (the run is ending early). On
    Ctrl-C it has the signal too: it is waited for, so the stacks it started are stopped first."""
    try:
        if interrupt and child.poll() is None:
            child.send_signal(signal.SIGINT)
        return child.wait()
    except KeyboardInterrupt:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
        child.wait()
        raise
    finally:
        _children.remove(child)


def _terminated(*_: object) -> None:
    """SIGTERM (`kill`, CI cancelling a job) reaches this process only: pass it on to the children
    as the Ctrl-C it means, then stop as on Ctrl-C."""
    for child in _children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    raise KeyboardInterrupt


def namespaces() -> bool:
    """Whether this machine gives a process a network namespace of its own (proxylab/netns.py)."""
    from proxylab import netns

    return netns.available() == ""


def stop(backend: str) -> bool:
    """`proxylab down` for a stack this run started; its one line is not shown."""
    return (
        subprocess.run(
            [sys.executable, "-m", "proxylab", "down"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "BACKEND": backend},
            check=False,
        ).returncode
        == 0
    )


def stack_is_healthy(backend: str) -> bool:
    from proxylab import compose
    from proxylab.backend import choose
    from proxylab.errors import ProxylabError

    try:
        statuses = choose(compose.load(), lambda _: None, backend).status()
    except ProxylabError:
        return False
    return bool(statuses) and all(s.is_healthy for s in statuses)


def native_is_running() -> bool:
    from proxylab import compose
    from proxylab.backend import choose

    return choose(compose.load(), lambda _: None, "native").is_running()


def engine_answers() -> bool:
    """A Docker engine answers and the Compose plugin is there."""
    for command in (["docker", "info"], ["docker", "compose", "version"]):
        try:
            done = subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        if done.returncode != 0:
            return False
    return True


# --- the session ----------------------------------------------------------------------------------


class Run:
    """One `make test`: the backends' sessions, the status, and the stack it started (if any)."""

    def __init__(self, extra: Sequence[str]) -> None:
        self.extra = list(extra)
        self.status = 0
        self.started: str | None = None  # the backend whose stack this run started
        self.stack_seconds = 0.0
        self.namespaces: bool | None = None  # asked once, when a phase could run beside another

    def backend_session(self, backend: str, only: str) -> None:
        began = time.monotonic()
        self.stack_seconds = 0.0
        PHASES_DIR.mkdir(parents=True, exist_ok=True)
        for old in [*PHASES_DIR.glob(f"{backend}.*.json"), *PHASES_DIR.glob(f"{backend}.*.log")]:
            old.unlink()
        stack_up = False
        beside: tuple[Phase, subprocess.Popen] | None = None  # the phase running beside this one
        try:
            for phase in PHASES:
                if (phase.needs_stack or self._beside(phase, backend)) and not stack_up:
                    if not self._stack_up(backend):
                        return
                    stack_up = True
                if self._beside(phase, backend):
                    beside = (phase, self._start_beside(backend, phase, only))
                    continue
                self._phase(backend, phase, only)
                if beside:
                    self._finish_beside(backend, *beside)
                    beside = None
            if beside:  # it was the last phase: nothing ran beside it
                self._finish_beside(backend, *beside)
                beside = None
        finally:
            if beside:  # interrupted: its own stacks are stopped before the session's
                self._finish_beside(backend, *beside, interrupt=True)
        self.stop_stack()
        self._merge(backend, time.monotonic() - began)

    def _beside(self, phase: Phase, backend: str) -> bool:
        if self.namespaces is None:
            self.namespaces = namespaces()
        return runs_beside(phase, backend, self.namespaces)

    def _phase(self, backend: str, phase: Phase, only: str) -> None:
        print(f"== make test: {backend} backend, {phase.name} phase")
        times = PHASES_DIR / f"{backend}.{phase.name}.json"
        self._status(run(phase_command(phase, only, self.extra), backend, times))

    def _start_beside(self, backend: str, phase: Phase, only: str) -> subprocess.Popen:
        output = PHASES_DIR / f"{backend}.{phase.name}.log"
        print(
            f"== make test: {backend} backend, {phase.name} phase started in a network namespace of"
            f" its own (proxylab/netns.py), beside the next phase; its output follows when it ends"
        )
        times = PHASES_DIR / f"{backend}.{phase.name}.json"
        return start(phase_command(phase, only, self.extra, beside=True), backend, times, output)

    def _finish_beside(
        self, backend: str, phase: Phase, child: subprocess.Popen, interrupt: bool = False
    ) -> None:
        try:
            self._status(finish(child, interrupt))
        finally:
            print(f"== make test: {backend} backend, {phase.name} phase (ran beside the one above)")
            output = PHASES_DIR / f"{backend}.{phase.name}.log"
            with contextlib.suppress(OSError):
                sys.stdout.write(output.read_text(errors="replace"))

    def _status(self, code: int) -> None:
        if code not in (0, NO_TESTS):
            self.status = code

    def _stack_up(self, backend: str) -> bool:
        """The session stack is up: already (used and left running), or started now; False when it
        did not start (then the backend's remaining phases do not run)."""
        if stack_is_healthy(backend):
            return True
        began = time.monotonic()
        self.started = backend
        print(f"== make test: starting the {backend} stack once for the phases that need it")
        if run(UP, backend) != 0:
            self.status = 1
            self.stop_stack()
            return False
        self.stack_seconds = time.monotonic() - began
        return True

    def stop_stack(self) -> None:
        if self.started is None:
            return
        began = time.monotonic()
        backend, self.started = self.started, None
        if not stop(backend):
            self.status = 1
        self.stack_seconds += time.monotonic() - began

    def _merge(self, backend: str, wall: float) -> None:
        """The backend's table over all phases, printed and written (a failure here fails nothing)."""
        try:
            data = testtimes.merge(
                backend,
                wall,
                self.stack_seconds,
                [PHASES_DIR / f"{backend}.{phase.name}.json" for phase in PHASES],
            )
            out = REPORTS_DIR / f"test-times.{backend}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(data, indent=2) + "\n")
        except (OSError, ValueError, KeyError) as error:
            print(f"== make test: no time table for the {backend} backend: {error}", file=sys.stderr)
            return
        print(f"== time by suite ({backend} backend, all phases), slowest first")
        print("\n".join(testtimes.table_lines(data["suites"])))
        print(
            f"{data['wall_seconds']:>8.1f} s  wall clock for the {backend} backend"
            " (the suites ran partly side by side)"
        )


def compose_skipped() -> list[str]:
    """Why the Compose session does not run, in the lines `make test` prints; [] when it runs."""
    if not engine_answers():
        return [
            (
                "== make test: the Compose session was SKIPPED: no Docker engine answers"
                " (or no Compose plugin)."
            ),
            "   On Debian, `make engine` installs and starts one; Docker Desktop works as it is.",
        ]
    if native_is_running():
        return [
            "== make test: the Compose session was SKIPPED: a native stack (`make up`) holds the ports.",
            "   `make down`, then `make test` runs both sessions.",
        ]
    return []


def summary(backends: Sequence[str]) -> list[str]:
    """The last lines a CI log shows: each backend's wall clock and its three slowest suites."""
    lines = []
    for backend in backends:
        path = REPORTS_DIR / f"test-times.{backend}.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        slowest = ", ".join(f"{row['suite']} {row['seconds']:.0f} s" for row in data["suites"][:3])
        lines.append(
            f"== make test: {backend} {data['wall_seconds']:.0f} s (slowest: {slowest}; "
            f"all in reports/test-times.{backend}.json)"
        )
    return lines


def _session(extra: list[str]) -> int:
    # Each line out before the next phase's pytest writes, also into a CI log (a pipe).
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    session = Run(extra)
    try:
        session.backend_session("native", "")
        ran = ["native"]
        skipped = compose_skipped()
        if skipped:
            print("\n".join(skipped))
        else:
            compose_file = os.environ.get("COMPOSE_FILE") or "compose.yaml"
            print(f"== make test: the Compose session (COMPOSE_FILE={compose_file})")
            session.backend_session("compose", SESSIONS[1][1])
            ran.append("compose")
    finally:
        # However the run ends (Ctrl-C, SIGTERM included), a stack it started is stopped.
        session.stop_stack()
    lines = summary(ran)
    if lines:
        print("\n".join(lines))
    return session.status


def main(argv: list[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    if "--dry-run" in extra:
        extra.remove("--dry-run")
        print("\n".join(dry_run(extra, namespaces())))
        return 0
    signal.signal(signal.SIGTERM, _terminated)
    # The k8s profile runs too: its routes are probed by every suite, like every other route.
    # COMPOSE_PROFILES set by the caller wins (COMPOSE_PROFILES= leaves the control plane out).
    os.environ.setdefault("COMPOSE_PROFILES", TEST_PROFILES)
    return run_main(
        lambda: _session(extra), interrupted="interrupted: a stack `make test` started has been stopped"
    )


if __name__ == "__main__":
    sys.exit(main())
