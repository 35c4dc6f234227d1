"""The progress of a Go build: counted from what `go build -v` prints, shown live or as plain lines.

When these fail, a first `make up` (or `make traefik caddy`, the doctor) builds Traefik and Caddy
for minutes behind a line that does not move, a CI log shows nothing between "building" and
"built" (or a line a second), or a failed build's message buries the Go error under package names.
Each case feeds proxylab/native/go_progress.py (or scripts/engine.sh's go_build_progress, which
builds Compose) lines captured from a real `go build -v`; no Go toolchain is needed
(tests/tooling/test_go_build.py builds with the real one).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from rich.console import Console

from proxylab.native.go_progress import (
    GoBuildProgress,
    PlainLines,
    builds_running,
    follow_go_build,
    stop_builds,
)
from proxylab.paths import REPO

# `go build -v` of a two-package module needing golang.org/x/sync (go1.26.8, an empty GOCACHE and
# module cache), cut short in the standard library: what it prints on stderr, in order.
BUILT = """\
go: downloading golang.org/x/sync v0.19.0
example.com/tiny/greet
internal/goarch
internal/unsafeheader
internal/abi
internal/runtime/syscall/linux
math/bits
runtime
unicode/utf8
fmt
golang.org/x/sync/errgroup
example.com/tiny
"""

# The same module with an undefined name in greet/greet.go: -v names the package, then the error.
FAILED = """\
example.com/tiny/greet
# example.com/tiny/greet
greet/greet.go:3:49: undefined: w
"""


def _read(text: str) -> GoBuildProgress:
    progress = GoBuildProgress("Tiny v1.0.0")
    for line in text.splitlines(keepends=True):
        progress.read(line)
    return progress


# --- reading the lines ------------------------------------------------------------------------


def test_each_package_line_counts_once_and_a_download_is_no_package() -> None:
    """A download counted as a package, or an error line as one, would make the count a guess."""
    progress = _read(BUILT)
    assert (progress.packages, progress.downloads) == (11, 1)
    assert progress.current == "example.com/tiny"
    assert progress.messages == []


def test_the_go_error_is_kept_without_the_package_names() -> None:
    """A failed build's message shows the last 20 of these lines: package names would push the error out."""
    progress = _read(FAILED)
    assert progress.packages == 1
    assert progress.messages == ["# example.com/tiny/greet", "greet/greet.go:3:49: undefined: w"]


def test_the_line_says_what_how_many_how_long_and_what_now() -> None:
    assert _read(BUILT).summary(95.4) == (
        "building Tiny v1.0.0: 11 packages, 1 module downloaded, 95 s, now example.com/tiny"
    )
    assert GoBuildProgress("Tiny v1.0.0").summary(0) == "building Tiny v1.0.0: 0 packages, 0 s"
    downloading = _read(BUILT.splitlines()[0])
    assert downloading.summary(3).endswith("now downloading golang.org/x/sync v0.19.0")


# --- plain lines, for a log -------------------------------------------------------------------


def test_plain_lines_come_once_every_interval_however_many_lines_go_prints() -> None:
    """A CI log gets a line every 15 s: not one per package (thousands), not none for minutes."""
    logged: list[str] = []
    plain = PlainLines(logged.append, every=15, started=100.0)
    progress = GoBuildProgress("Tiny v1.0.0")
    for tenth in range(0, 400):  # 40 s of lines, ten a second
        progress.read(f"example.com/p{tenth}")
        plain.show(progress, 100.0 + tenth / 10)
    assert [line.split(", ")[1] for line in logged] == ["15 s", "30 s"]
    assert logged[0].startswith("building Tiny v1.0.0: 151 packages")


# --- following a build ------------------------------------------------------------------------


def _printing(text: str, pause: float, then_silent: float = 0.0, status: int = 0) -> list[str]:
    """A stand-in for `go build -v`: prints `text` on stderr a line every `pause` seconds, waits
    `then_silent` seconds (as the link does) and exits with `status`."""
    script = (
        "import sys, time\n"
        f"for line in {text.splitlines()!r}:\n"
        "    print(line, file=sys.stderr, flush=True)\n"
        f"    time.sleep({pause})\n"
        f"time.sleep({then_silent})\n"
        f"sys.exit({status})\n"
    )
    return [sys.executable, "-c", script]


def _follow(command: list[str], console: Console, every: float = 15.0) -> tuple[int, GoBuildProgress, list]:
    logged: list[str] = []
    status, progress = follow_go_build(
        command,
        cwd=Path.cwd(),
        env=os.environ,
        title="Tiny v1.0.0",
        log=logged.append,
        console=console,
        every=every,
    )
    return status, progress, logged


def _log_console() -> Console:
    return Console(file=io.StringIO(), force_terminal=False, force_interactive=False)


def test_in_a_log_the_lines_come_while_the_build_runs() -> None:
    status, progress, logged = _follow(_printing(BUILT, pause=0.1), _log_console(), every=0.35)
    assert status == 0 and progress.packages == 11
    assert 2 <= len(logged) <= 4, logged
    assert all(line.startswith("building Tiny v1.0.0: ") for line in logged)


def test_a_silent_stretch_still_gets_its_line() -> None:
    """The link prints nothing for a minute: the log must still show the clock moving."""
    status, _, logged = _follow(_printing(BUILT, pause=0, then_silent=2.5), _log_console(), every=1.0)
    assert status == 0
    assert len(logged) >= 2, logged
    assert logged[-1].startswith("building Tiny v1.0.0: 11 packages, 1 module downloaded, ")


def test_a_failed_build_gives_its_status_and_its_error() -> None:
    status, progress, _ = _follow(_printing(FAILED, pause=0, status=1), _log_console())
    assert status == 1
    assert progress.messages[-1] == "greet/greet.go:3:49: undefined: w"


def test_on_a_terminal_the_line_is_drawn_in_place_and_nothing_is_logged() -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, force_interactive=True, width=60)
    status, _, logged = _follow(_printing(BUILT, pause=0.05), terminal, every=0.0)
    assert status == 0 and logged == []
    drawn = screen.getvalue()
    assert "building Tiny v1.0.0: 11 packages, 1 module downloaded, …" in drawn
    # One line, redrawn: cut to the width, never wrapped onto a second.
    assert "now example.com/tiny" not in drawn


# --- scripts/engine.sh, for Compose -----------------------------------------------------------


def test_the_compose_build_in_bash_says_how_far_it_got_and_passes_the_error_through(tmp_path: Path) -> None:
    """`make engine` builds Compose with the same `go build -v`: its lines come every
    PROGRESS_EVERY_S (1 s here) through a silent stretch, and the Go error reaches stderr whole
    (its failure message says "Go error above"); a line split by read's timeout is one package."""
    script = (
        f"source {REPO / 'scripts/engine.sh'}; PROGRESS_EVERY_S=1; "
        "{ printf 'go: downloading golang.org/x/sync v0.19.0\\nexample.com/tiny/gr'; sleep 1.5; "
        "printf 'eet\\n'; sleep 1.5; "
        "printf '# example.com/tiny/greet\\ngreet/greet.go:3:49: undefined: w\\n'; } "
        '| go_build_progress "Compose v2.0.0" "$(date +%s)"'
    )
    done = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PROXYLAB_CACHE": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) >= 2, done.stdout
    assert lines[-1].startswith("engine: building Compose v2.0.0: 1 packages, modules downloaded: 1, "), lines
    assert lines[-1].endswith(", now example.com/tiny/greet"), lines
    assert done.stderr == FAILED.split("\n", 1)[1]


def test_stopping_the_builds_ends_the_compilers_they_started(tmp_path: Path) -> None:
    """`go build` runs the compiler as child processes; `make up`'s Ctrl-C (stop_builds) must end
    them with it, or they keep both cores busy after the stack is gone. A shell that starts a
    child stands in for go and its compiler."""
    pids = tmp_path / "pids"
    script = f"sleep 60 & echo $! > {pids}; echo $$ >> {pids}; wait"
    outcome: list[int] = []
    runner = threading.Thread(
        target=lambda: outcome.append(
            follow_go_build(
                ["sh", "-c", script],
                cwd=tmp_path,
                env=os.environ,
                title="a stand-in",
                log=lambda _: None,
                console=Console(file=io.StringIO()),
            )[0]
        )
    )
    runner.start()
    deadline = time.monotonic() + 10
    # Written and registered: on a busy machine the shell can write its pids before the thread
    # that started it has registered the build, and stop_builds would find nothing to stop.
    while time.monotonic() < deadline and (
        len(pids.read_text().split() if pids.exists() else []) < 2 or not builds_running()
    ):
        time.sleep(0.05)
    started = [int(pid) for pid in pids.read_text().split()]
    stop_builds()
    runner.join(10)
    assert outcome and outcome[0] != 0
    time.sleep(0.2)
    assert [pid for pid in started if _alive(pid)] == [], "a process of the build outlived stop_builds"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"
