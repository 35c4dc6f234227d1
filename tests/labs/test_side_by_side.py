"""Steps side by side (labs/side_by_side.py), and lab 07's steps as compose.yaml lets them run.

When these fail: two steps that restart or load the same service could run at once (a count
that means nothing), an ordinary lab would no longer run one step after another, results would
reach the screen out of order, or an error would leave a restart running. The lab 07 test fails
when a change to compose.yaml or the lab puts two strategies back on the same replicas, so that
`labs verify 07` and `make test` would run them one after another again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from lab_fakes import fake_lab

from labs.kinds.base import Outcome, shares
from labs.model import LabFileError, Step, load_lab
from labs.runner import run_lab
from labs.side_by_side import run_side_by_side
from proxylab.paths import REPO

WAIT_S = 5.0


def run(items: list[tuple[str, frozenset[str] | None]], work) -> tuple[list[str], list[str]]:
    """Run `items` (name, services) with `work(name)`; return (results, the order on_result saw)."""
    seen: list[str] = []
    results = run_side_by_side(items, lambda item: item[1], lambda item: work(item[0]), seen.append)
    return results, seen


def test_steps_that_share_no_service_run_at_the_same_time():
    both_running = threading.Barrier(2, timeout=WAIT_S)  # broken (an error) if they run one by one

    def work(name: str) -> str:
        both_running.wait()
        return name

    assert run([("a", frozenset({"replica-1"})), ("b", frozenset({"replica-2"}))], work) == (
        ["a", "b"],
        ["a", "b"],
    )


def test_steps_that_share_a_service_run_one_after_the_other():
    running: list[str] = []
    overlapped: list[tuple[str, ...]] = []

    def work(name: str) -> str:
        running.append(name)
        time.sleep(0.05)
        if len(running) > 1:
            overlapped.append(tuple(running))
        running.remove(name)
        return name

    items = [
        ("a", frozenset({"replica-1", "replica-2"})),
        ("b", frozenset({"replica-2"})),
        ("c", frozenset({"replica-2", "x"})),
    ]
    assert run(items, work) == (["a", "b", "c"], ["a", "b", "c"])
    assert overlapped == []


def test_results_arrive_in_file_order_when_a_later_step_ends_first():
    second_done = threading.Event()
    ended: list[str] = []

    def work(name: str) -> str:
        if name == "first":
            assert second_done.wait(WAIT_S), "the second step never ran beside the first"
        ended.append(name)
        if name == "second":
            second_done.set()
        return name

    results, seen = run([("first", frozenset({"x"})), ("second", frozenset({"y"}))], work)
    assert ended == ["second", "first"]
    assert seen == results == ["first", "second"]


def test_a_step_that_names_no_services_runs_alone_in_the_calling_thread():
    """An ordinary step (a request, a stop, a bench) waits for all before it; all after wait for it."""
    log: list[str] = []
    threads: dict[str, str] = {}

    def work(name: str) -> str:
        threads[name] = threading.current_thread().name
        log.append(f"{name} starts")
        time.sleep(0.05)
        log.append(f"{name} ends")
        return name

    run([("a", frozenset({"x"})), ("barrier", None), ("b", frozenset({"y"}))], work)
    assert log == ["a starts", "a ends", "barrier starts", "barrier ends", "b starts", "b ends"]
    assert threads["barrier"] == threading.current_thread().name


def test_an_error_stops_what_waits_and_is_raised_after_what_runs_has_ended():
    ended: list[str] = []

    def work(name: str) -> str:
        if name == "fails":
            raise RuntimeError("the replica did not stop")
        time.sleep(0.1)
        ended.append(name)
        return name

    items = [("fails", frozenset({"x"})), ("beside", frozenset({"y"})), ("after", frozenset({"x"}))]
    with pytest.raises(RuntimeError, match="did not stop"):
        run(items, work)
    assert ended == ["beside"], (
        "a step that waited for the failed one started, or one beside it was left running"
    )


def test_lab_07_restarts_its_three_strategies_through_one_proxy_at_once(native_context):
    """(a), (b) and (c) through the same proxy share no replica; the same strategy through two
    proxies shares both of its replicas, so those run one after the other."""
    lab = load_lab(next(Path(REPO, "labs").glob("07-*.yaml")))
    restarts = [step for step in lab.steps if step.kind == "rolling-restart"]
    services = {step.title: shares(step.action, native_context) for step in restarts}
    assert all(services.values()), (
        f"a rolling restart whose URL is no route of compose.yaml runs alone: {services}"
    )
    by_strategy: dict[str, list[frozenset[str]]] = {}
    for title, named in services.items():
        by_strategy.setdefault(title[:3], []).append(named)
    assert sorted(by_strategy) == ["(a)", "(b)", "(c)"]
    for strategy, sets in by_strategy.items():
        assert len(sets) == 4 and all(named == sets[0] for named in sets), (
            f"{strategy} does not use one replica set through all four proxies: {sets}"
        )
    first = [sets[0] for sets in by_strategy.values()]
    for index, named in enumerate(first):
        for other in first[index + 1 :]:
            assert not named & other, (
                f"two strategies share {sorted(named & other)}: lab 07 would run them one after the other"
            )
    assert [shares(step.action, native_context) for step in lab.steps if step.kind == "keepalive"] == [
        None,
        None,
    ]


@dataclass(frozen=True)
class SharingAction:
    """An action that names the services it touches and meets the other one at a barrier."""

    services: frozenset[str]
    meet: threading.Barrier

    def command(self, context) -> str:
        return "# a fake rolling restart"

    def urls(self, context) -> list[str]:
        return []

    def shares(self, context) -> frozenset[str]:
        return self.services

    def run(self, context) -> Outcome:
        try:
            self.meet.wait()
            return Outcome({"together": True}, "")
        except threading.BrokenBarrierError:
            return Outcome({"together": False}, "")


def test_steps_run_at_once_only_on_the_backends_the_lab_names(write_lab, native_context):
    """Lab 07's counts moved on Compose with its strategies at once, so it names `[native]`: a
    lab would run side by side where it did not ask to, or nowhere."""

    def lab(side_by_side: tuple[str, ...]):
        meet = threading.Barrier(2, timeout=0.5)
        steps = [
            Step(
                n,
                f"restart {n}",
                "rolling-restart",
                SharingAction(frozenset({f"replica-{n}"}), meet),
                ("together",),
                {},
                "",
            )
            for n in (1, 2)
        ]
        return replace(fake_lab(*steps), side_by_side=side_by_side)

    compose = SimpleNamespace(
        stack=native_context.stack, backend=SimpleNamespace(name="compose"), target=None
    )
    together = [
        [result.verdicts[0].actual for result in run_lab(lab(("native",)), context)]
        for context in (native_context, compose)
    ]
    assert together == [[True, True], [False, False]]
    assert load_lab(next(Path(REPO, "labs").glob("07-*.yaml"))).side_by_side == ("native",)
    with pytest.raises(LabFileError, match="side_by_side"):
        load_lab(
            write_lab(
                "title: T\nside_by_side: native\nsteps:\n  - title: S\n    request: {url: http://127.0.0.1:8000/app}\n"
            )
        )
