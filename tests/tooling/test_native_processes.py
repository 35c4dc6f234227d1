"""proxylab/native/processes.py: a soft stop signal cannot hang `down`.

Natively a proxy now gets its image's stop signal (nginx's SIGQUIT, haproxy's SIGUSR1), each a
graceful stop that waits for the requests in flight. A failure here means a proxy that ignored it,
or held a connection open, would keep `make down` (and lab 07's restarts) waiting for ever.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from proxylab.native.processes import is_alive, start_time, stop_group, unblock_stop_signals

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
