"""Run a lab's steps side by side where they share no service; report them in file order.

A step whose action says which services it restarts and loads (`shares(context)`: lab 07's
rolling restarts, the replica and every replica behind the route it loads) starts as soon as
every earlier step that shares one of those services has ended. Any other step is a barrier: it
waits for every step before it, and every step after it waits for it. So a lab of ordinary steps
runs as it always did, one after another in the calling thread, while lab 07's (a), (b) and (c)
through one proxy, each on replicas of its own, run at the same time.

Results reach `on_result` in file order whatever order the steps end in. When a step raises, no
step that has not started yet starts, the ones running are waited for (nothing is left loading
or restarting a service), and the first error in file order is raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_side_by_side(
    items: Sequence[Item],
    shares: Callable[[Item], frozenset[str] | None],
    run: Callable[[Item], Result],
    on_result: Callable[[Result], None],
) -> list[Result]:
    """`run` each item, side by side where `shares` allows; `on_result` sees each result in order."""
    results: list[Result] = []
    pending: list[tuple[frozenset[str], Future]] = []
    stopped = threading.Event()

    def report_pending() -> None:
        while pending:
            results.append(pending[0][1].result())
            pending.pop(0)
            on_result(results[-1])

    def after(before: list[Future], item: Item) -> Result:
        wait(before)
        if stopped.is_set() or any(future.exception() for future in before):
            raise _NotStarted()
        return run(item)

    with ThreadPoolExecutor(max_workers=max(1, len(items)), thread_name_prefix="step") as pool:
        try:
            for item in items:
                services = shares(item)
                if services is None:
                    report_pending()
                    results.append(run(item))
                    on_result(results[-1])
                    continue
                before = [future for other, future in pending if other & services]
                pending.append((services, pool.submit(after, before, item)))
            report_pending()
        except BaseException:
            # The first error in file order (or Ctrl-C): start nothing more, end what runs.
            stopped.set()
            wait([future for _, future in pending])
            raise
    return results


class _NotStarted(Exception):
    """A step that never started because an earlier one raised (that error is the one raised)."""
