"""Run labs against the live stack: each step's action, then its expectations, field by field.

The runner knows nothing of terminals or files: it returns `StepResult`s that labs/present.py
shows, labs/reports.py writes as junit.xml and labs.json, and labs/handouts.py turns into
Markdown. Before any traffic it makes sure the routes the labs use answer, so a stopped stack
reads "the stack is not running: run `make up`" rather than a screen of red connection errors.
With PROXYLAB_TARGET (proxylab/target.py) the steps run against a deployed stack by URL: a step
runs only if everything it sends goes to the target and it changes nothing of the stack here.
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
from labs.kinds import KINDS
from labs.kinds.base import shares
from labs.model import Lab, LabFileError, Step, load_lab
from labs.side_by_side import run_side_by_side
from proxylab.context import Context, connect
from proxylab.errors import ProxylabError
from proxylab.target import VARIABLE as TARGET_VARIABLE


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
    # Why it did not run: the lab's `backends:` or `profiles:` (Lab.skip_reason), a target that
    # does not serve it; None: the presenter's `s` key skipped it.
    skip_reason: str | None = None
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
    # What PROXYLAB_TARGET mapped each published route to (Target.describe), or None: this machine.
    target: dict[str, Any] | None = None

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


def skip_step(lab: Lab, step: Step, context: Context, reason: str | None = None) -> StepResult:
    return StepResult(lab, step, step.action.command(context), skipped=True, skip_reason=reason)


def target_skips(step: Step, context: Context) -> str | None:
    """Why `step` cannot run against PROXYLAB_TARGET, or None (it can, or no target is set): it
    restarts or loads services of this machine, or sends somewhere the target does not map."""
    if context.target is None:
        return None
    if KINDS[step.kind].changes_the_stack:
        return "it acts on this machine's stack, not the target"
    urls = step.action.urls(context)
    unmapped = [url for url in urls if not context.target.serves(url)]
    if not urls or unmapped:
        return f"{context.target.path} maps no route for {unmapped[0] if unmapped else 'it'}"
    return None


def run_or_skip(lab: Lab, step: Step, context: Context) -> StepResult:
    reason = target_skips(step, context)
    return run_step(lab, step, context) if reason is None else skip_step(lab, step, context, reason)


def run_lab(
    lab: Lab, context: Context, on_step: Callable[[StepResult], None] = lambda _: None
) -> list[StepResult]:
    """Every step of `lab` with no pause; `on_step` sees each result, in file order, as it comes.
    On the backends a lab names in `side_by_side:`, steps that restart and load disjoint sets of
    services run at once (labs/side_by_side.py); every other step, and every step elsewhere, runs
    alone, in order. A lab that names its backends (`backends: [native]`) is skipped, step by
    step, elsewhere; one that names compose.yaml profiles (`profiles: [k8s]`), where one is not
    active."""
    reason = lab.skip_reason(context.backend.name, context.stack)
    if reason:
        results = [skip_step(lab, step, context, reason) for step in lab.steps]
        for result in results:
            on_step(result)
        return results
    together = context.backend.name in lab.side_by_side
    return run_side_by_side(
        lab.steps,
        lambda step: shares(step.action, context) if together else None,
        lambda step: run_or_skip(lab, step, context),
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
    target = context.target.describe() if context.target else None
    run = VerifyRun(context.backend.name, context.backend.versions(), timestamp, [], target)
    on_start(run)
    for lab in labs:
        run.results.extend(run_lab(lab, context, on_step))
    return run


def require_stack(labs: list[Lab], context: Context) -> None:
    """Before any traffic: every placeholder names a service (else LabFileError), and every
    compose route the labs' steps use accepts a connection (else "the stack is not running").
    A lab skipped here (another backend, a profile left out) is asked nothing."""
    routes = {route.port: route for route in context.stack.routes}
    silent: dict[str, str] = {}
    for lab in labs:
        if lab.skip_reason(context.backend.name, context.stack):
            continue
        for step in lab.steps:
            urls = _expanded_urls(lab, step, context)
            for url in [] if target_skips(step, context) else urls:
                _, host, port = Request(url).origin
                # Under a target every URL a step sends is the target's; here, only compose routes.
                asked = context.target is not None or port in routes
                if asked and f"{host}:{port}" not in silent and not _answers(host, port):
                    silent[f"{host}:{port}"] = "the target" if context.target else routes[port].label
    if silent and context.target is not None:
        where = ", ".join(silent)
        raise ProxylabError(
            f"the target ({context.target.path})",
            f"does not answer on {where}",
            f"check the deployment, or unset {TARGET_VARIABLE} to run against this machine",
        )
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
