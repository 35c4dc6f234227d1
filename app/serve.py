"""`python -m app.serve app.main:app --host H --port P`: uvicorn with a drain window before it stops.

What: on the first SIGTERM (or SIGINT) the app turns not ready at once (/health/ready → 503
"draining") but keeps accepting and serving for PROXYLAB_DRAIN_SECONDS (or --drain-seconds);
then uvicorn's own graceful shutdown runs: stop accepting, let in-flight requests finish within
--timeout-graceful-shutdown, run the lifespan shutdown (which closes the Redis client), exit 0.
A second signal skips what is left of the window.
When: the replica services of lab 07 (`app-drain-replica-*` in compose.yaml) run this instead of
`uvicorn ...`; everything else about them is the same image and app.
Why the window must be built on top: uvicorn stops accepting the moment the signal arrives.
`Server.handle_exit` (uvicorn/server.py, 0.55) only sets `should_exit = True`; `main_loop`
notices within 0.1 s, and `Server.shutdown` begins with "Stop accepting new connections":
`server.close()` on every listener. A proxy that has not yet noticed the instance is leaving
still sends it new connections, which are refused: the 502s of lab 07's plain strategy. A
readiness probe can only move traffic away if the listener outlives it by a probe interval.
uvicorn also re-raises the captured signal after shutting down (`capture_signals`), so a plain
uvicorn dies *by* SIGTERM; this launcher handles the signal itself and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType

import uvicorn
from uvicorn.importer import import_from_string

from app.health import HealthState

logger = logging.getLogger("uvicorn.error")


class DrainingServer(uvicorn.Server):
    """A uvicorn.Server whose first stop signal starts a drain window instead of the shutdown."""

    def __init__(self, config: uvicorn.Config, health: HealthState, drain_s: float) -> None:
        super().__init__(config)
        self.health = health
        self.drain_s = drain_s
        self.drain_deadline: float | None = None

    @property
    def is_draining(self) -> bool:
        return self.drain_deadline is not None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """First signal: not ready now, stop later. Second: stop now (like uvicorn's own)."""
        if self.is_draining:
            self.should_exit = True
            return
        self.health.begin_draining()
        self.drain_deadline = time.monotonic() + self.drain_s
        logger.info(
            "%s: not ready; serving %.1fs more before shutting down", signal.Signals(sig).name, self.drain_s
        )

    async def on_tick(self, counter: int) -> bool:
        """uvicorn's 0.1 s tick: the drain window ends here."""
        if self.drain_deadline is not None and time.monotonic() >= self.drain_deadline:
            self.should_exit = True
        return await super().on_tick(counter)


def build_server(arguments: argparse.Namespace) -> DrainingServer:
    """Import the app, read its drain window, and configure uvicorn as the CLI flags say."""
    app = import_from_string(arguments.app)
    drain_s = arguments.drain_seconds if arguments.drain_seconds is not None else app.state.settings.drain_s
    config = uvicorn.Config(
        app,
        host=arguments.host,
        port=arguments.port,
        root_path=arguments.root_path,
        timeout_keep_alive=arguments.timeout_keep_alive,
        timeout_graceful_shutdown=arguments.timeout_graceful_shutdown,
    )
    return DrainingServer(config, app.state.health, drain_s)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until stopped; 0 after a clean shutdown, 3 (uvicorn's code) if startup failed."""
    parser = argparse.ArgumentParser(prog="python -m app.serve", description=__doc__.splitlines()[0])
    parser.add_argument("app", help="import string, e.g. app.main:app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--root-path", default="")
    parser.add_argument("--drain-seconds", type=float, default=None, help="default: PROXYLAB_DRAIN_SECONDS")
    parser.add_argument("--timeout-keep-alive", type=int, default=5, help="uvicorn's default: 5")
    parser.add_argument(
        "--timeout-graceful-shutdown", type=int, default=10, help="seconds in-flight work gets"
    )
    server = build_server(parser.parse_args(argv))
    server.run()
    return 0 if server.started else 3


if __name__ == "__main__":
    sys.exit(main())
