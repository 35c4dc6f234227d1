"""What a `go build -v` is doing while it does it: a line that says how far it got and since when.

What: `follow_go_build` runs a `go build -v` and reads what it prints. `-v` names each package as
the compiler takes it (`github.com/traefik/traefik/v3/pkg/server`), and a module fetched first
shows as `go: downloading MODULE VERSION`; every other line (`# pkg`, `file.go:3:49: undefined: w`,
`go: ...`) is kept as the Go error. On a terminal, rich redraws one line in place with the count,
the elapsed time and the package now compiling; without one (CI, a log file) the same line is
logged once every PLAIN_EVERY seconds, so a log shows a build that moves, not one that hangs.

When: GoTool._build (go_build.py) builds Traefik and Caddy with it: a first build compiles their
whole dependency tree for minutes, which used to pass behind one silent line. scripts/engine.sh
does the same for Compose, in bash.

It changes nothing that is built: `-v` only prints (`go help build`: "print the names of
packages as they are compiled"); a package taken from the build cache is not named.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.text import Text

# Seconds between two plain lines when no terminal shows the live one (CI logs stay short).
PLAIN_EVERY = 15.0
# An import path alone on a line: what `-v` prints. Errors have spaces, colons or a leading '#'.
_PACKAGE = re.compile(r"[\w.~+\-]+(?:/[\w.~+\-]+)*")
_DOWNLOADING = "go: downloading "

Log = Callable[[str], object]


@dataclass
class GoBuildProgress:
    """How far a `go build -v` got, from the lines it printed so far."""

    title: str  # as the line names the build: "Traefik v3.6.12"
    packages: int = 0
    downloads: int = 0
    current: str = ""  # the package compiling, or the module downloading, now
    messages: list[str] = field(default_factory=list)  # every line that is not progress: the Go error

    def read(self, line: str) -> None:
        line = line.rstrip()
        if not line:
            return
        if line.startswith(_DOWNLOADING):
            self.downloads += 1
            self.current = "downloading " + line.removeprefix(_DOWNLOADING)
        elif _PACKAGE.fullmatch(line):
            self.packages += 1
            self.current = line
        else:
            self.messages.append(line)

    def summary(self, seconds: float) -> str:
        """`building Traefik v3.6.12: 812 packages, 95 s, now github.com/...`"""
        counts = _count(self.packages, "package")
        if self.downloads:
            counts += f", {_count(self.downloads, 'module')} downloaded"
        now = f", now {self.current}" if self.current else ""
        return f"building {self.title}: {counts}, {seconds:.0f} s{now}"


class PlainLines:
    """No terminal: the summary through `log`, once every `every` seconds (the first after `every`)."""

    def __init__(self, log: Log, every: float, started: float) -> None:
        self.log, self.every, self.started = log, every, started
        self.due = started + every

    def show(self, progress: GoBuildProgress, now: float) -> None:
        if now < self.due:
            return
        self.log(progress.summary(now - self.started))
        self.due = now + self.every

    def close(self) -> None:
        pass


_LIVE = threading.Lock()  # held by the build whose live line is on the terminal
_BUILDS: set[subprocess.Popen] = set()  # the `go build`s running now, whatever thread runs them


class LiveLine:
    """A terminal: one line rich redraws in place, cut to the width, gone when the build ends."""

    def __init__(self, console: Console, started: float) -> None:
        self.console, self.started = console, started
        self.status = console.status("", spinner="dots")
        self.status.start()

    def show(self, progress: GoBuildProgress, now: float) -> None:
        line = Text(progress.summary(now - self.started))
        # The spinner and a space come first; a line that wrapped would be drawn again below itself.
        line.truncate(self.console.width - 3, overflow="ellipsis")
        self.status.update(line)

    def close(self) -> None:
        self.status.stop()


def follow_go_build(
    command: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    title: str,
    log: Log,
    console: Console | None = None,
    every: float | None = None,
) -> tuple[int, GoBuildProgress]:
    """Run `command` (a `go build -v ...`), showing its progress; its exit status and what it printed.

    The live line is drawn when `console` (stdout's, by default) is interactive; TTY_INTERACTIVE=0
    asks for the plain lines on a terminal too (rich's switch)."""
    console = console or Console()
    progress = GoBuildProgress(title)
    started = time.monotonic()
    every = PLAIN_EVERY if every is None else every
    # Go prints all of it on stderr; one pipe keeps the error's lines in the order they came.
    # A group of its own: `go build` runs the compiler as child processes, and stopping the build
    # (Ctrl-C, a failed start) must end those too, not leave them compiling to the end.
    child = subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    _BUILDS.add(child)
    # One live line on a terminal at a time: `make up` builds Traefik and Caddy side by side, and
    # the second build reports in plain lines rather than drawing over the first.
    live = console.is_interactive and _LIVE.acquire(blocking=False)
    shown = LiveLine(console, started) if live else PlainLines(log, every, started)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(child.stdout, lines), daemon=True).start()
    try:
        while (line := _next(lines)) is not None:
            progress.read(line)
            shown.show(progress, time.monotonic())
        return child.wait(), progress
    finally:
        shown.close()
        if live:
            _LIVE.release()
        # Interrupted (Ctrl-C, `make down`'s SIGTERM): the build stops with us, as subprocess.run's did.
        if child.poll() is None:
            _kill_group(child)
            child.wait()
        _BUILDS.discard(child)


def builds_running() -> int:
    """How many `go build` processes stop_builds would end now."""
    return sum(child.poll() is None for child in list(_BUILDS))


def stop_builds() -> None:
    """Kill every `go build` running now. A build runs in a thread of its own while `make up`
    starts what needs none; a Ctrl-C reaches the main thread only, so it ends them here."""
    for child in list(_BUILDS):
        if child.poll() is None:
            _kill_group(child)


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """The child's output, line by line, into `lines`; None once it closes."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _next(lines: queue.Queue[str | None]) -> str | None:
    """The next line, or "" after a second without one: the link prints nothing for a long while,
    and the elapsed time should still move."""
    try:
        return lines.get(timeout=1.0)
    except queue.Empty:
        return ""
