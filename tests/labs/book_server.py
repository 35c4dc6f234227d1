"""What the lab book's tests share to run `python -m labs.book` as a process: a free port, waiting
until its index answers (asked directly, never through a proxy from the environment), a book
served for a test module, a screenshot's check that it is no blank page, and the first step
that changes the stack (what a reader may not run)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from labs.kinds import KINDS
from labs.model import LABS_DIR, find_labs, load_lab
from proxylab.paths import REPO

# Loopback directly, never through a proxy from the environment (http_proxy).
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def stack_changing_step() -> tuple[str, int]:
    """(lab, step number) of the first step in the labs that stops, restarts or loads services."""
    for path in find_labs():
        lab = load_lab(path)
        for step in lab.steps:
            if KINDS[step.kind].changes_the_stack:
                return lab.name, step.number
    raise AssertionError("no lab has a step that changes the stack")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_index(port: int, timeout_s: float = 15.0) -> None:
    """Until the book's index answers 200; the last connection error once `timeout_s` is over."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with _DIRECT.open(f"http://127.0.0.1:{port}/", timeout=2) as page:
                assert page.status == 200
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass(frozen=True)
class Book:
    """A running `python -m labs.book`: its base URL, and how long it took to its first page."""

    url: str
    first_page_s: float


@contextmanager
def serve_book(backend: str, labs: Path = LABS_DIR, presenter: bool = False) -> Iterator[Book]:
    """`python -m labs.book` on a free port, as `make book` starts it, stopped with Ctrl-C after."""
    port = free_port()
    started = time.monotonic()
    argv = [sys.executable, "-m", "labs.book", "--port", str(port), "--labs", str(labs)]
    server = subprocess.Popen(
        [*argv, *(["--presenter"] if presenter else [])],
        cwd=REPO,
        env={**os.environ, "BACKEND": backend, "PROXYLAB_BIND": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_index(port)
        yield Book(f"http://127.0.0.1:{port}", round(time.monotonic() - started, 2))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def blank(png: Path) -> str | None:
    """Why a screenshot looks blank, or None: a page that drew (nearly) nothing is one colour,
    a page that drew text has many pixels off its background and many shades (anti-aliasing)."""
    image = Image.open(png).convert("RGB")
    image.thumbnail((640, 640))  # enough to count, a fraction of the work
    colours = image.getcolors(maxcolors=1 << 16) or []
    if not colours:
        return None  # more than 65536 colours: far from blank
    background = max(colours)[0]
    drawn = 1 - background / (image.width * image.height)
    if len(colours) < 16 or drawn < 0.01:
        return f"{png.name}: {len(colours)} colours, {drawn:.1%} of the pixels off the background"
    return None
