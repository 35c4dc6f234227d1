"""The processes the native backend starts: who they are, and how to stop all of them.

What: a process is identified by its pid plus its kernel start time (`start_time`), so a reused
pid is never mistaken for ours and nginx renaming its master does not hide it; `stop_group`
signals a whole process group, waits, then kills what is left and waits until no live member
remains (nginx's workers share the master's group).
`kill_leftovers` kills what a main process that has already exited left in its group.
When: NativeBackend records `start_time` when it starts a service and calls `is_alive`,
`stop_group` and `kill_leftovers` from any later command (`status`, `down`, the next `up`).
Why: a process whose `up` has exited is re-parented, and not every init reaps at once: zombies
must count as gone, or `down` would wait on processes that no longer run.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STOP_GRACE_S = 10.0  # Compose's default stop_grace_period


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM in this thread until the block ends; they arrive right after.

    Threads created inside the block inherit the mask and keep it: a Ctrl-C can then reach only
    the main thread, and only outside such a block. Without that, a worker thread of `up` (a
    build, an unpack) takes the signal, and Python raises KeyboardInterrupt in the main thread
    at once, even between starting a process and recording its pid.
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def unblock_stop_signals() -> None:
    """For Popen(preexec_fn=...): a blocked mask survives exec, and the service would ignore SIGTERM."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def is_alive(pid: int, started: int) -> bool:
    """True when `pid` is still the process we started: same kernel start time, not a zombie.

    The start time (field 22 of /proc/PID/stat) tells a reused pid apart, and unlike the
    command line it survives nginx renaming its master process.
    """
    return start_time(pid) == started


def start_time(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else int(fields[19])


def stop_group(pid: int, started: int, sig: signal.Signals, grace: float = STOP_GRACE_S) -> None:
    """Signal the service's main process, wait for the grace period, then kill its whole group.

    Only the main process gets `sig`, as in a container, where docker-init passes the stop signal
    to its one child: a server with workers (Hypercorn's master and its worker) stops them itself.
    Signalling the group would hit Hypercorn's worker directly, which has no SIGTERM handler of
    its own and dies before the app's lifespan shutdown runs.
    Once the main process is gone, whatever is left of its group is killed at once, as a
    container's processes end with it: Hypercorn's master can exit before its worker (a
    `multiprocessing` child, re-parented to init), which then went on holding the service's port,
    so the next start of the service (drift's, a lab's restart) found it in use.
    """
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass  # the main process is gone already; what it left in its group is killed below
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and is_alive(pid, started):
        reap(pid)
        time.sleep(0.05)
    if is_alive(pid, started) or _group_has_live_members(pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    reap(pid)
    _wait_group_gone(pid)


def kill_leftovers(pid: int, started: int | None) -> bool:
    """Kill what a service's main process, gone already, left in its process group; True if any.

    A main process that exits on its own (Hypercorn's master, during a start that then fails)
    can leave its worker serving the service's port; `stop_group` is for a main process that
    still runs, so without this `down` would skip the service and then find its port in use.
    Linux gives out no pid that is still some group's id, so while group `pid` has members they
    are ours, unless `pid` names a live process again (our group had emptied, the number was
    given out anew) or a member is older than our main process: then nothing is killed.
    """
    if started is None or start_time(pid) is not None:
        return False
    members = _group_members(pid)
    if not members or any(began < started for began in members.values()):
        return False
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    _wait_group_gone(pid)
    return True


def _wait_group_gone(pgid: int) -> None:
    """Wait until no live process is left in the group (nginx's workers share the master's).

    Zombies do not count: a process whose parent `up` has already exited is re-parented, and
    not every init reaps at once.
    """
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and _group_has_live_members(pgid):
        time.sleep(0.05)


def _group_has_live_members(pgid: int) -> bool:
    return bool(_group_members(pgid))


def _group_members(pgid: int) -> dict[int, int]:
    """The live (not zombie) processes of group `pgid`: pid → kernel start time."""
    members = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members[int(stat.parent.name)] = int(fields[19])
    return members


def reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
