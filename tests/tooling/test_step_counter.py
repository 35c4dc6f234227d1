"""proxylab/steps.py: the `[k/N m:ss]` prefix of the drift grid's, the bench's and the doctor's lines.

A failure means a long run's log no longer says how far it got or since when: a count that does
not move with the steps, or an elapsed time that is not the run's.
"""

from __future__ import annotations

import threading

from proxylab.steps import Steps


def test_each_line_says_how_many_steps_are_done_and_since_when() -> None:
    now = [100.0]
    lines: list[str] = []
    steps = Steps(12, lines.append, clock=lambda: now[0])
    steps.note("starting the native stack")
    now[0] += 75.4
    steps.done("the native stack answers")
    now[0] += 3600
    steps.done("nginx 1.22.1: 9 routes probed")
    assert lines == [
        "[ 0/12 0:00] starting the native stack",
        "[ 1/12 1:15] the native stack answers",
        "[ 2/12 61:15] nginx 1.22.1: 9 routes probed",
    ]


def test_steps_counted_from_threads_are_each_counted_once() -> None:
    """The doctor counts its configurations from a pool of threads."""
    lines: list[str] = []
    steps = Steps(64, lines.append)
    threads = [threading.Thread(target=lambda: [steps.done("probed") for _ in range(8)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(int(line[1:].split("/")[0]) for line in lines) == list(range(1, 65))
