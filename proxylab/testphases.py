"""`make test`'s phases, written once: which tests each pytest session runs, and how.

What: each backend runs in three phases, each a pytest session (PHASES, in this order):
  lifecycle  the tests that start and stop stacks of their own (`-m lifecycle`). They need the
             stack's ports: natively they get them in a network namespace of their own
             (proxylab/netns.py) and run beside the parallel phase; where the machine gives no
             namespace, and on Compose (the engine publishes on the machine's own network),
             they run first, before the session stack exists;
  parallel   everything that leaves the stack as it found it, on TEST_WORKERS workers (default
             2, pytest-xdist), with the stack started once; a test file stays on one worker
             (--dist loadfile), so its module fixtures run once (each lab runs once);
  alone      what stops, restarts or loads the stack (`-m alone`: labs 06, 07, 10, 14 and 17, the
             drift check, the bench smoke) or times a signal (the doctor's Ctrl-C test), one
             after the other with nothing beside it: lab 07's counts assume a machine busy only
             with them.
The native backend runs every test; the Compose backend every stack test (`-m "stack or
compose"`: every lab, the matrix, spoofing, odd paths, the browser, the Compose lifecycle).
When: proxylab/testrun.py (`make test`) runs them; bench/suite.py times the phases that need the
stack; `scripts/test.sh --dry-run` prints each phase's command.
Why: one table, so the bench can never time another selection than `make test` runs.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    """One pytest session of a backend: which tests (`marks`), and how they run."""

    name: str
    marks: str  # the pytest marker expression
    parallel: bool  # on TEST_WORKERS pytest-xdist workers, a test file per worker
    needs_stack: bool  # runs with the session stack up (started before the first such phase)
    # May run in a network namespace of its own, beside the next phase (BESIDE_BACKENDS only).
    own_network: bool = False


PHASES = (
    Phase("lifecycle", "lifecycle", parallel=False, needs_stack=False, own_network=True),
    Phase("parallel", "not lifecycle and not alone", parallel=True, needs_stack=True),
    Phase("alone", "alone and not lifecycle", parallel=False, needs_stack=True),
)
# The backends in order, and the marker expression each adds to every phase ("" for all tests).
SESSIONS = (("native", ""), ("compose", "stack or compose"))
# Where an own_network phase runs beside the next one. Not Compose: its lifecycle tests find the
# containers' ports on the machine's own network, where the engine publishes them.
BESIDE_BACKENDS = ("native",)
NETNS = (sys.executable, "-m", "proxylab.netns")
# --durations adds the slowest single tests, so the next place to make `make test` faster is on screen.
SLOWEST = ("--durations=5", "--durations-min=5")
NO_TESTS = 5  # pytest's exit status when a phase selects nothing: not a failure


def workers() -> int:
    return int(os.environ.get("TEST_WORKERS", "2"))


def pytest_args(phase: Phase, only: str = "", count: int | None = None) -> list[str]:
    """The arguments that select and spread a phase's tests: `[-n 2 --dist loadfile] -m EXPR`."""
    count = workers() if count is None else count
    spread = ["-n", str(count), "--dist", "loadfile"] if phase.parallel and count > 1 else []
    return [*spread, "-m", f"{phase.marks} and ({only})" if only else phase.marks]


def phase_command(phase: Phase, only: str, extra: Sequence[str], beside: bool = False) -> list[str]:
    """The phase's pytest; `beside`: in a network namespace of its own (python -m proxylab.netns)."""
    command = [sys.executable, "-m", "pytest", *SLOWEST, *pytest_args(phase, only), *extra]
    return [*NETNS, *command] if beside and phase.own_network else command


def runs_beside(phase: Phase, backend: str, namespaces: bool) -> bool:
    """Whether `phase` runs in a namespace of its own beside the next phase on `backend`."""
    return phase.own_network and namespaces and backend in BESIDE_BACKENDS


def pasteable(command: Sequence[str]) -> str:
    """A command as a person would paste it: `python -m pytest … -m 'not lifecycle …'`."""
    return shlex.join(["python" if word == sys.executable else word for word in command])


def dry_run(extra: Sequence[str], namespaces: bool) -> list[str]:
    """Each backend's phases and the command each runs, in order; nothing is run. `namespaces`:
    whether this machine gives a process a network namespace of its own (proxylab/netns.py)."""
    lines = []
    for backend, only in SESSIONS:
        when = " (when a Docker engine answers and no native stack holds the ports)" if only else ""
        lines.append(f"{backend} backend{when}:")
        phases = list(PHASES)
        for index, phase in enumerate(phases):
            beside = runs_beside(phase, backend, namespaces)
            if beside:
                after = phases[index + 1].name
                stack = f"in a network namespace of its own, beside the {after} phase, with the stack up"
            else:
                stack = "with the stack up" if phase.needs_stack else "before the stack starts"
            command = pasteable(phase_command(phase, only, extra, beside))
            lines.append(f"  {phase.name} ({stack}): BACKEND={backend} {command}")
    return lines
