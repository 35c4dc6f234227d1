"""Who is listening on a TCP port: read from /proc, so a busy port can be named with its owner."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
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


def owner(port: int, host: str | None = None) -> str:
    """'pid 4121 (traefik)' for the process listening on `port` (on `host` or on every address,
    when a host is given: natively many apps listen on port 8000, each on its own address), or
    'an unknown process'."""
    inodes = _listening_inodes(port, host)
    if not inodes:
        return "an unknown process"
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            fds = list((pid_dir / "fd").iterdir())
        except OSError:  # gone, or not ours to read
            continue
        links = {_readlink(fd) for fd in fds}
        if any(f"socket:[{inode}]" in links for inode in inodes):
            name = (pid_dir / "comm").read_text().strip() if (pid_dir / "comm").exists() else "?"
            return f"pid {pid_dir.name} ({name})"
    return "an unknown process (not visible to this user)"


def _readlink(fd: Path) -> str:
    """Where a /proc/PID/fd entry points; "" for one closed since the listing (the listing's own)."""
    try:
        return os.readlink(fd)
    except OSError:
        return ""


def _listening_inodes(port: int, host: str | None = None) -> set[str]:
    wanted = (
        None
        if host is None
        else {ipaddress.ip_address(host), ipaddress.ip_address("0.0.0.0"), ipaddress.ip_address("::")}
    )
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            address, _, hex_port = local.rpartition(":")
            if state != _LISTEN or int(hex_port, 16) != port:
                continue
            if wanted is None or _address(address) in wanted:
                inodes.add(inode)
    return inodes


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """/proc/net/tcp{,6}'s local address (32-bit words in host byte order) as an address; an
    IPv4-mapped IPv6 address as its IPv4 address."""
    words = bytes.fromhex(hex_address)
    raw = (
        b"".join(words[i : i + 4][::-1] for i in range(0, len(words), 4))
        if sys.byteorder == "little"
        else words
    )
    address = ipaddress.ip_address(raw)
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def describe(host: str, port: int) -> str:
    """'127.0.0.1:9999' in the form people type."""
    return (
        f"[{host}]:{port}"
        if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
        else f"{host}:{port}"
    )
