"""One fixed-concurrency load run with wrk, read back as numbers rather than scraped text.

What: wrk (Debian's package, /usr/bin/wrk) keeps a fixed number of connections busy for a fixed
time and measures every request's latency. Our Lua script (wrk_json.lua) counts answers that are
not 2xx and prints one `PROXYLAB_BENCH {json}` line when the run ends; `measure` runs wrk once and
returns that line as a `LoadRun`; `Load.command` is the same run as a command to paste.
When: `make bench` (bench/run.py) and lab 10's `bench:` step.
Why: the numbers come from wrk's own JSON, not its human-readable layout. Loopback only: a remote
URL would measure the network, not the proxy.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from proxylab.errors import ProxylabError

SCRIPT = Path(__file__).resolve().parent / "wrk_json.lua"
MARKER = "PROXYLAB_BENCH "
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Load:
    """How hard to push: wrk's threads, open connections and seconds per run."""

    threads: int = 2
    connections: int = 16
    seconds: int = 10  # wrk takes whole seconds
    timeout_s: int = 5  # a request slower than this counts as a timeout error

    def argv(self, url: str, wrk: str = "wrk") -> list[str]:
        return [
            wrk,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{self.seconds}s",
            f"--timeout={self.timeout_s}s",
            "-s",
            str(SCRIPT),
            url,
        ]

    def command(self, url: str) -> str:
        """The command line a person could paste (from the repository root)."""
        argv = self.argv(url)
        argv[argv.index(str(SCRIPT))] = "instruments/wrk_json.lua"
        return shlex.join(argv)


@dataclass(frozen=True)
class LoadRun:
    """What one wrk run measured; latencies in milliseconds."""

    url: str
    requests: int
    seconds: float
    errors: dict[str, int]  # connect, read, write, timeout (socket-level, as wrk counts them)
    non_2xx: int
    latency_ms: dict[str, float]  # min, mean, max, p50, p90, p99

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_data(self) -> dict[str, Any]:
        return {**asdict(self), "requests_per_s": round(self.requests_per_s, 1)}


def find_wrk() -> str:
    """The wrk executable; a clear error naming the Debian package when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise ProxylabError(
            "wrk (the HTTP load generator `make bench` and lab 10 use)",
            "is not installed: no `wrk` on PATH",
            "run `make deps`, or `sudo apt-get install wrk` (Debian's package wrk)",
        )
    return found


def measure(url: str, load: Load) -> LoadRun:
    """Run wrk once against `url` at `load`; ProxylabError if wrk fails or prints no result."""
    if urlsplit(url).hostname not in LOOPBACK:
        raise ProxylabError(
            f"bench URL {url}",
            "is not on loopback",
            "measure 127.0.0.1 only: a remote URL measures the network",
        )
    argv = load.argv(url, find_wrk())
    done = subprocess.run(argv, capture_output=True, text=True, timeout=load.seconds + load.timeout_s + 30)
    line = next((line for line in done.stdout.splitlines() if line.startswith(MARKER)), None)
    if done.returncode != 0 or line is None:
        raise ProxylabError(
            f"wrk against {url}",
            f"exited with code {done.returncode} and no result line",
            "run the command below by hand; is the stack up (`make status`)?",
            details=f"$ {load.command(url)}\n{done.stdout}{done.stderr}".strip(),
        )
    return parse(url, line.removeprefix(MARKER))


def parse(url: str, text: str) -> LoadRun:
    """A LoadRun from the JSON that wrk_json.lua prints (microseconds become milliseconds)."""
    data = json.loads(text)
    return LoadRun(
        url=url,
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        errors={name: int(count) for name, count in data["errors"].items()},
        non_2xx=int(data["non_2xx"]),
        latency_ms={name: round(value / 1000, 3) for name, value in data["latency_us"].items()},
    )


def version() -> str:
    """wrk's version line, e.g. `wrk debian/4.1.0-3+b2 [epoll]`."""
    out = subprocess.run([find_wrk(), "-v"], capture_output=True, text=True)
    return next(iter((out.stdout + out.stderr).splitlines()), "?").split(" Copyright")[0].strip()
