"""Run labs against the live stack: each step's action, then its expectations, field by field.

The runner knows nothing of terminals or files: it returns `StepResult`s that labs/present.py
shows, labs/reports.py writes as junit.xml and labs.json, and labs/handouts.py turns into
Markdown. Before any traffic it makes sure the routes the labs use answer, so a stopped stack
reads "the stack is not running: run `make up`" rather than a screen of red connection errors.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from instruments.client import Request
from labs.fields import lookup
from labs.kinds.base import shares
from labs.model import Lab, LabFileError, Step, load_lab
from labs.side_by_side import run_side_by_side
from proxylab.context import Context, connect
from proxylab.errors import ProxylabError


@dataclass(frozen=True)
class Verdict:
    """One field of one step: its actual value and, when the lab expects something, the verdict."""

    field: str
    actual: Any  # labs.fields.MISSING when the answer has no such field
    kind: str | None = None  # equals, contains, matches, absent; None when the field is only shown
    expected: str | None = None  # as a person reads it; None when the field is only shown
    expected_data: Any = None  # as labs.json stores it
    ok: bool = True


@dataclass(frozen=True)
class StepResult:
    lab: Lab
    step: Step
    command: str
    verdicts: tuple[Verdict, ...] = ()
    raw: str = ""
    skipped: bool = False
    # Every field of the answer, not only the shown ones: the book draws its hop picture from a
    # request step's echo report (`body`), labs/book/hops.py.
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(verdict.ok for verdict in self.verdicts)

    @property
    def mismatches(self) -> list[Verdict]:
        return [verdict for verdict in self.verdicts if not verdict.ok]


@dataclass(frozen=True)
class VerifyRun:
    """Every lab of a `verify` run, with what ran them."""

    backend: str
    versions: dict[str, str]
    timestamp: str
    results: list[StepResult]

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)


def run_step(lab: Lab, step: Step, context: Context) -> StepResult:
    """Send the step's action and judge each shown or expected field."""
    outcome = step.action.run(context)
    verdicts = []
    for name in step.field_names:
        actual = lookup(outcome.fields, name)
        expectation = step.expect.get(name)
        if expectation is None:
            verdicts.append(Verdict(name, actual))
            continue
        verdicts.append(
            Verdict(
                name,
                actual,
                expectation.kind,
                expectation.describe(context),
                expectation.as_data(context),
                expectation.holds(actual, context),
            )
        )
    return StepResult(
        lab, step, step.action.command(context), tuple(verdicts), outcome.raw, answer=outcome.fields
    )


def skip_step(lab: Lab, step: Step, context: Context) -> StepResult:
    return StepResult(lab, step, step.action.command(context), skipped=True)


def run_lab(
    lab: Lab, context: Context, on_step: Callable[[StepResult], None] = lambda _: None
) -> list[StepResult]:
    """Every step of `lab` with no pause; `on_step` sees each result, in file order, as it comes.
    On the backends a lab names in `side_by_side:`, steps that restart and load disjoint sets of
    services run at once (labs/side_by_side.py); every other step, and every step elsewhere, runs
    alone, in order. A lab that names its backends (`backends: [native]`) is skipped, step by
    step, elsewhere."""
    if not lab.runs_on(context.backend.name):
        results = [skip_step(lab, step, context) for step in lab.steps]
        for result in results:
            on_step(result)
        return results
    together = context.backend.name in lab.side_by_side
    return run_side_by_side(
        lab.steps,
        lambda step: shares(step.action, context) if together else None,
        lambda step: run_step(lab, step, context),
        on_step,
    )


def verify(
    paths: list[Path],
    context: Context | None = None,
    on_start: Callable[[VerifyRun], None] = lambda _: None,
    on_step: Callable[[StepResult], None] = lambda _: None,
) -> VerifyRun:
    """Load every lab first (a bad file fails before any traffic), make sure the stack answers, run them all.

    `on_start` sees the run (backend, versions) before the first step, so output can name the
    versions at the top; `on_step` sees each step's result as it comes."""
    labs = [load_lab(path) for path in paths]
    context = context or connect()
    require_stack(labs, context)
    timestamp = datetime.now(UTC).isoformat(timespec="seconds")
    run = VerifyRun(context.backend.name, context.backend.versions(), timestamp, [])
    on_start(run)
    for lab in labs:
        run.results.extend(run_lab(lab, context, on_step))
    return run


def require_stack(labs: list[Lab], context: Context) -> None:
    """Before any traffic: every placeholder names a service (else LabFileError), and every
    compose route the labs' steps use accepts a connection (else "the stack is not running")."""
    routes = {route.port: route for route in context.stack.routes}
    silent: dict[str, str] = {}
    for lab in labs:
        for step in lab.steps:
            for url in _expanded_urls(lab, step, context):
                _, host, port = Request(url).origin
                if port in routes and f"{host}:{port}" not in silent and not _answers(host, port):
                    silent[f"{host}:{port}"] = routes[port].label
    if silent:
        where = ", ".join(f"{address} ({label})" for address, label in silent.items())
        raise ProxylabError(
            "the stack is not running",
            "run `make up`",
            f"`make status` shows each service ({context.backend.name} backend)",
            f"no answer on {where}",
        )


def _expanded_urls(lab: Lab, step: Step, context: Context) -> list[str]:
    """The step's URLs, after filling in (and so validating) every placeholder the step uses."""
    try:
        step.action.command(context)
        for expectation in step.expect.values():
            expectation.expected(context)
        return step.action.urls(context)
    except KeyError as error:  # proxylab.context: "{upstream:x} names no service in compose.yaml"
        raise LabFileError(lab.path, error.args[0], (step.number, step.title)) from None


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False
