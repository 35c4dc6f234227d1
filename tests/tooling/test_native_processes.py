"""proxylab/native/processes.py: a soft stop signal cannot hang `down`.

Natively a proxy now gets its image's stop signal (nginx's SIGQUIT, haproxy's SIGUSR1), each a
graceful stop that waits for the requests in flight. A failure here means a proxy that ignored it,
or held a connection open, would keep `make down` (and lab 07's restarts) waiting for ever.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from proxylab.native.processes import (
    is_alive,
    start_time,
    stop_group,
    stop_signals_held,
    unblock_stop_signals,
)

# A process that ignores the soft stop signals, as a proxy draining a slow request would seem to.
_STUBBORN = (
    "import signal, time\n"
    "for sig in (signal.SIGQUIT, signal.SIGUSR1):\n"
    "    signal.signal(sig, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


def test_a_process_that_ignores_its_stop_signal_is_killed_after_the_grace_period() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _STUBBORN],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=unblock_stop_signals,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        started = start_time(child.pid)
        began = time.monotonic()
        stop_group(child.pid, started, signal.SIGUSR1, grace=0.5)
        # Gone (stop_group may have reaped it itself, so its exit status is not ours to read),
        # within the grace period and the wait for its group, not the 60 s it meant to sleep.
        assert not is_alive(child.pid, started)
        assert time.monotonic() - began < 10.0
    finally:
        if child.poll() is None:
            child.kill()


# A main process that leaves a child in its group when it stops, as Hypercorn's master may leave
# its worker: the child holds what the service held (its port) until someone kills it.
_LEAVES_A_CHILD = (
    "import os, signal, subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "signal.signal(signal.SIGTERM, lambda *_: os._exit(0))\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def test_what_the_main_process_leaves_in_its_group_is_killed_with_it() -> None:
    """A leftover child would keep the service's port: `make drift` then failed with `ports
    127.0.0.1:8008: are still in use` when it restarted app-hypercorn under a release set."""
    main = subprocess.Popen(
        [sys.executable, "-c", _LEAVES_A_CHILD],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=unblock_stop_signals,
    )
    assert main.stdout is not None
    leftover = int(main.stdout.readline())
    leftover_started = start_time(leftover)
    try:
        stop_group(main.pid, start_time(main.pid), signal.SIGTERM, grace=5.0)
        assert not is_alive(leftover, leftover_started), "the main process's child outlived the stop"
    finally:
        if is_alive(leftover, leftover_started):
            os.kill(leftover, signal.SIGKILL)
        main.poll()


def _mask() -> set[signal.Signals]:
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))


def test_threads_made_while_the_stop_signals_are_held_never_take_a_ctrl_c() -> None:
    """`up` unpacks and builds in pool threads. Were one of them to take a Ctrl-C, Python would
    raise KeyboardInterrupt in the main thread between starting a service and recording its pid,
    and that service would outlive `up` (a uvicorn left on port 8000 once did)."""
    before = _mask()
    with ThreadPoolExecutor(max_workers=1) as pool:
        with stop_signals_held():
            assert {signal.SIGINT, signal.SIGTERM} <= _mask()
            made_inside = pool.submit(_mask)  # the submit creates the pool's thread here
        assert _mask() == before, "the main thread must get its Ctrl-C back when the block ends"
        assert {signal.SIGINT, signal.SIGTERM} <= made_inside.result()
        assert {signal.SIGINT, signal.SIGTERM} <= pool.submit(_mask).result(), (
            "the pool's thread lost the held mask once the main thread's block ended"
        )
