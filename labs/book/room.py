"""The presenter and the room: who may change the stack from the book, and where the room is.

What: `Room(presenter)` answers, per request, whether it comes from the presenter, and keeps the
one thing a room shares: the lab and step the presenter is on.
- `rights(request)`: "presenter" when the book was started with `--presenter`, the request's
  peer (the TCP socket's address) is loopback, i.e. the machine the book runs on, and the page
  was asked for by a loopback name (http://127.0.0.1:8800, localhost); else "reader".
- `refusal(request)`: why a request may not act (run a step that changes the stack, move the
  room), or None. Acting needs the presenter's rights and an `Origin` that is the book's own
  (`http://` + the Host it was asked by): a browser adds Origin to every POST, so another site
  open in the presenter's browser cannot post to the book; curl sends none and is refused too
  (`make lab N=..` is the terminal's way). The loopback Host shuts out DNS rebinding: a site
  whose name turns into 127.0.0.1 is same-origin with itself, never with a loopback name.
- `follow()`: Server-Sent Events, the position now, then one event each time `move` changes it;
  `close()` ends every stream (the book is stopping: a follow stream never ends by itself).
When: labs/book/app.py asks `refusal` before running a step whose kind changes the stack and
before `move`; GET /api/follow streams `follow()` to every page in follow mode.
Why: with PROXYLAB_BIND=0.0.0.0 the room reaches the book over the network, and the page it gets
is the presenter's page: only the server can tell them apart. The peer address is the one fact
an attendee cannot choose (labs/book/__main__.py runs uvicorn without --proxy-headers, so no
X-Forwarded-For replaces it). SSE rather than a WebSocket: one direction is all a room needs,
the browser's EventSource reconnects by itself, and Starlette streams it with no new package.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.requests import Request

HEARTBEAT_S = 15.0  # a comment line this often, so a closed tab's stream is noticed and ended


@dataclass
class Room:
    """The book's presenter rule and the room's position; one per app."""

    presenter: bool
    position: dict[str, object] = field(default_factory=lambda: {"lab": None, "step": None})
    _followers: set[asyncio.Queue[dict[str, object] | None]] = field(default_factory=set)
    closed: bool = False  # the book is stopping: no stream waits for another move
    _loop: asyncio.AbstractEventLoop | None = None  # the server's, where the followers wait

    def rights(self, request: Request) -> str:
        return "reader" if self._not_the_presenters_page(request) else "presenter"

    def refusal(self, request: Request) -> str | None:
        """None when `request` may act for the presenter; else why not, in a sentence that ends
        with what to do."""
        why = self._not_the_presenters_page(request)
        if why:
            return why
        origin, own = request.headers.get("origin"), f"{request.url.scheme}://{request.headers.get('host')}"
        if origin != own:
            return (
                f"its Origin ({origin or 'none'}) is not the book's own ({own}): only the book's "
                "own page may run it, so no other site open in the browser can"
            )
        return None

    def _not_the_presenters_page(self, request: Request) -> str | None:
        """Why `request` is not from the presenter's page (a room, this machine, a loopback name),
        or None: what the page offers (`rights`) and what the API allows (`refusal`) alike."""
        if not self.presenter:
            return (
                "the book runs such a step only when started with --presenter "
                "(`make book PRESENTER=1`), and then from the presenter's page only"
            )
        if not _is_loopback(_peer(request)):
            return (
                "it runs from the presenter's page only, on the machine the book runs on; "
                f"this request came from {_peer(request) or 'an unknown address'}"
            )
        if not _is_loopback(request.url.hostname or ""):
            return (
                f"it runs from the presenter's page at http://127.0.0.1:{request.url.port or 80}/ only; "
                f"this page was asked for as {request.url.hostname}"
            )
        return None

    async def move(self, lab: str, step: int) -> None:
        """The presenter is on `step` of `lab`: every follower hears it."""
        self.position = {"lab": lab, "step": step}
        for queue in self._followers:
            queue.put_nowait(dict(self.position))

    async def follow(self) -> AsyncIterator[str]:
        """The event stream of one follower: where the room is now, then every move."""
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, object] | None] = asyncio.Queue()
        self._followers.add(queue)
        try:
            yield "retry: 1000\n" + _event(self.position)  # EventSource reconnects after 1 s
            while not self.closed:  # a follower that arrives as the book stops ends at once
                try:
                    position = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield ": still here\n\n"
                    continue
                if position is None:
                    return
                yield _event(position)
        finally:
            self._followers.discard(queue)

    def close(self) -> None:
        """End every follower's stream; safe from a signal handler or another thread."""
        self.closed = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(lambda: [queue.put_nowait(None) for queue in self._followers])


def _event(position: dict[str, object]) -> str:
    return f"event: position\ndata: {json.dumps(position)}\n\n"


def _peer(request: Request) -> str:
    return request.client.host if request.client else ""


def _is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost (Starlette's TestClient peer, "testclient", is none of them:
    a test that means this machine says 127.0.0.1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
