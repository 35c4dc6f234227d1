"""`python -m labs.book`: serve the lab book on http://127.0.0.1:8800 (`make book`).

  python -m labs.book                  every lab of labs/, on port 8800
  python -m labs.book --port 8801      another port
  python -m labs.book --presenter      a room: this machine's page leads, the others follow it,
                                       and only it runs the steps that stop, restart or load services
  python -m labs.book --labs DIR       the lab files of DIR instead (a draft, a test's lab)

It listens on 127.0.0.1, or on PROXYLAB_BIND when set (as `make up` publishes the routes), and
runs the steps against the stack that runs now (`make up`; BACKEND= as for every command).
Exit status (proxylab/exits.py): 130 on Ctrl-C; 2 when the port is taken or a lab file is malformed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from types import FrameType

import uvicorn

from labs.book.app import create_app
from labs.book.room import Room
from labs.model import LABS_DIR, find_labs, load_lab
from proxylab.context import connect
from proxylab.errors import ProxylabError
from proxylab.exits import run_main
from proxylab.ports import can_bind, describe, owner

DEFAULT_PORT = 8800


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labs.book", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the port to serve on (8800)")
    parser.add_argument("--labs", type=Path, default=LABS_DIR, help="the folder of lab files (labs/)")
    parser.add_argument(
        "--presenter", action="store_true", help="also run steps that change the stack (stop, restart, load)"
    )
    args = parser.parse_args(argv)
    return run_main(lambda: serve(args.port, args.labs, args.presenter), interrupted="the lab book stopped")


def serve(port: int, labs_dir: Path, presenter: bool) -> int:
    """Check what can be checked before listening (the port, every lab file), then serve until Ctrl-C."""
    host = os.environ.get("PROXYLAB_BIND", "").strip() or "127.0.0.1"
    if not can_bind(host, port):
        raise ProxylabError(
            f"port {port} ({describe(host, port)})",
            f"is already in use by {owner(port)}",
            f"stop it, or serve the book on another port: `make book PORT={port + 1}`",
        )
    for path in find_labs(labs_dir):
        load_lab(path)  # a malformed lab fails here, with its file and step, not on its page
    app = create_app(connect(), labs_dir, presenter)
    shown = "127.0.0.1" if host == "0.0.0.0" else host
    print(f"the lab book: http://{describe(shown, port)}/  (Ctrl-C stops it)", flush=True)
    # No --proxy-headers: the peer address is what tells the presenter from the room (room.py),
    # and no X-Forwarded-For may replace it.
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=False)
    _Book(config, app.state.room).run()
    # uvicorn returns only when a signal told it to stop (it exits by itself when it cannot
    # listen), and re-raises the signal only where the handler it found raises: a book started
    # in the background of a script inherits SIGINT ignored. Either way: stopped by a signal, 130.
    raise KeyboardInterrupt


class _Book(uvicorn.Server):
    """uvicorn's server that, told to stop, also ends the room's follow streams: they never end
    by themselves, and uvicorn waits for every open response before it exits."""

    def __init__(self, config: uvicorn.Config, room: Room) -> None:
        super().__init__(config)
        self.room = room

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self.room.close()


if __name__ == "__main__":
    sys.exit(main())
