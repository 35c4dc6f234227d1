"""Who is listening on a TCP port: read from /proc, so a busy port can be named with its owner."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

_LISTEN = "0A"


def listening(host: str, port: int) -> bool:
    """True when something accepts connections on host:port (0.0.0.0 is asked as 127.0.0.1)."""
    target = "127.0.0.1" if host == "0.0.0.0" else host
    try:
        with socket.create_connection((target, port), timeout=0.5):
            return True
    except OSError:
        return False


def can_bind(host: str, port: int) -> bool:
    """True when a new listener could bind host:port right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def owner(port: int) -> str:
    """'pid 4121 (traefik)' for the process listening on `port`, or 'an unknown process'."""
    inodes = _listening_inodes(port)
    if not inodes:
        return "an unknown process"
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (pid_dir / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            name = (pid_dir / "comm").read_text().strip() if (pid_dir / "comm").exists() else "?"
            return f"pid {pid_dir.name} ({name})"
    return "an unknown process (not visible to this user)"


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == _LISTEN and int(local.rpartition(":")[2], 16) == port:
                inodes.add(inode)
    return inodes


def describe(host: str, port: int) -> str:
    """'127.0.0.1:9999' in the form people type."""
    return f"[{host}]:{port}" if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address) else f"{host}:{port}"
