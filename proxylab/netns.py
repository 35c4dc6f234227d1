"""`python -m proxylab.netns COMMAND...`: COMMAND in a network namespace of its own, whose
loopback is its own, so a second native stack binds the very ports a running one holds.

What: unshare(2) with CLONE_NEWNET (root), or CLONE_NEWUSER|CLONE_NEWNET with the caller's own
uid and gid mapped (anyone, where the kernel allows user namespaces); then `lo` is brought up
(a new namespace's loopback is down) and COMMAND replaces this process. Files, processes and the
Docker socket are shared with the machine; only addresses and ports are apart.
When: `make test` runs its lifecycle phase so, beside the parallel phase (proxylab/testrun.py),
where `available()` says the machine allows it; elsewhere that phase runs before the stack.
Why: the lifecycle tests start and stop whole stacks on the stack's own ports. Apart, they need
not wait for the session stack to be down, and the session stack need not wait for them.
Exit status: COMMAND's; 3 when no namespace could be made (the reason on stderr).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import sys
from functools import cache
from pathlib import Path

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
IFREQ = "16sh22x"  # struct ifreq: the interface's name, then ifr_flags in a 24-byte union
NOT_ALLOWED = 3


def enter() -> None:
    """Move this process into a new network namespace with its loopback up; OSError if the
    machine does not allow it."""
    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) != 0:
        error = ctypes.get_errno()
        asked = "CLONE_NEWNET" if flags == CLONE_NEWNET else "CLONE_NEWUSER|CLONE_NEWNET"
        raise OSError(error, f"unshare({asked}): {os.strerror(error)}")
    if flags & CLONE_NEWUSER:
        # The same uid and gid inside as outside: files made inside belong to the caller.
        maps = (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1"))
        for name, text in maps:
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        current = struct.unpack(IFREQ, fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack(IFREQ, b"lo", 0)))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", current | IFF_UP))


@cache
def available() -> str:
    """Why this machine gives a process no network namespace of its own; empty when it gives one."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "proxylab.netns", sys.executable, "-c", "pass"],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    return "" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["no reason given"])[-1]


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m proxylab.netns COMMAND [ARGS...]", file=sys.stderr)
        return 2
    try:
        enter()
    except OSError as error:
        print(f"proxylab.netns: no network namespace of its own: {error.strerror or error}", file=sys.stderr)
        return NOT_ALLOWED
    os.execvp(argv[0], argv)
    return 127  # not reached: execvp replaces this process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
