"""Long-lived answers through a route: a WebSocket opened with the pinned `websockets`, and an SSE
stream read event by event, each with the command a person can paste to do the same.

What:
- `open_websocket(WebSocketOpen(url))` does what `python -m websockets <url>` does (the same
  library and version, so the same handshake: `websockets.asyncio.client.connect` with its
  defaults), reads the app's first message (the echo report of its websocket scope, app/streams.py),
  sends one text message and reads the echo. A refused upgrade keeps the HTTP status the proxy or
  the app answered (Nginx without Upgrade/Connection: the app's 404). With `handshake_only`
  it stops at the handshake and closes: for an app whose messages are unknown (the doctor's).
- `read_events(EventStreamRequest(url))` sends the request `curl -s -N <url>` sends (curl's
  headers, instruments.client) and notes when each `event:` arrives. `streamed` says whether the
  events arrived as the app wrote them (spread over the stream's duration) or were held back and
  delivered together at the end (a buffering proxy).
When: lab 12's `websocket:` and `sse:` steps, the matrix's ws.* and sse.* cells, and the
doctor's upgrade through each configuration (handshake only).
Why: a proxy can pass a plain GET perfectly and still break both: an Upgrade needs HTTP/1.1 and
the hop-by-hop Upgrade/Connection headers passed on, an event stream needs the proxy not to buffer.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus, SecurityError, WebSocketException

from instruments.client import CA_PATH, DEFAULT_TIMEOUT_S, REPO, Request, open_connection

ECHO_MESSAGE = "hello"
REDIRECT_LOOP = "redirect loop"  # the error of a handshake redirected more often than websockets follows
# The app's /stream sends one tick every 0.5 s (app/streams.py TICK_S); two ticks and the final
# `bye` take 1 s. Events that arrive within STREAMED_SPREAD_S of each other were held back.
SSE_TICKS = 2
STREAMED_SPREAD_S = 0.4


# --- WebSocket --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSocketOpen:
    url: str  # ws:// or wss://, the path included
    source: str | None = None  # connect from this local address (the matrix; no CLI flag for it)
    message: str = ECHO_MESSAGE
    handshake_only: bool = False  # the upgrade's answer, then a close: no message read or sent

    def as_command(self) -> str:
        """The websockets CLI opens the same handshake; the person then types the message."""
        words = ["python", "-m", "websockets", self.url]
        if self.url.startswith("wss://"):
            shown = CA_PATH.relative_to(REPO) if CA_PATH.is_relative_to(REPO) else CA_PATH
            words.insert(0, f"SSL_CERT_FILE={shown}")
        return (
            " ".join(shlex.quote(word) if "=" not in word else word for word in words)
            + f"\n# then type: {self.message}"
        )


@dataclass(frozen=True)
class WebSocketResult:
    status: int | None  # 101 when the upgrade was accepted, else the HTTP status of the refusal
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # of the handshake's answer, lower-case names
    report: Any = None  # the app's first message, parsed as JSON
    echo: str | None = None  # the answer to `message`
    error: str | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "headers": self.headers,
            "report": self.report,
            "echo": self.echo,
            "error": self.error,
        }

    def raw(self) -> str:
        if self.status is None:
            return f"(no handshake answer: {self.error})"
        head = f"HTTP/1.1 {self.status} {self.reason}\n" + "\n".join(
            f"{k}: {v}" for k, v in self.headers.items()
        )
        return f"{head}\n\nfirst message: {json.dumps(self.report)}\necho: {self.echo!r}" + (
            f"\nerror: {self.error}" if self.error else ""
        )


def open_websocket(request: WebSocketOpen, timeout: float = DEFAULT_TIMEOUT_S) -> WebSocketResult:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_open(request, timeout))
    # A caller whose thread already runs an event loop (Playwright's sync API keeps one running
    # in the thread that started it): the handshake gets a loop of its own in a worker thread.
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, _open(request, timeout)).result()


async def _open(request: WebSocketOpen, timeout: float) -> WebSocketResult:
    options: dict[str, Any] = {"open_timeout": timeout}
    if request.source:
        options["local_addr"] = (request.source, 0)
    if request.url.startswith("wss://"):
        options["ssl"] = ssl.create_default_context(cafile=str(CA_PATH))
    if request.handshake_only:
        options["close_timeout"] = 1.0  # an app that never answers the close does not hold the check
    try:
        async with connect(request.url, **options) as socket:
            response = socket.response
            status, reason = response.status_code, response.reason_phrase
            headers = {name.lower(): value for name, value in response.headers.raw_items()}
            if request.handshake_only:
                return WebSocketResult(status, reason, headers)
            try:
                first = await asyncio.wait_for(socket.recv(), timeout)
                await socket.send(request.message)
                echo = await asyncio.wait_for(socket.recv(), timeout)
            except (WebSocketException, TimeoutError) as exc:
                return WebSocketResult(status, reason, headers, error=f"{type(exc).__name__}: {exc}")
            return WebSocketResult(
                status, reason, headers, _json(first), echo if isinstance(echo, str) else None
            )
    except SecurityError as exc:
        # connect() follows redirects, as browsers do for ws:// (websockets' max_redirects, 10).
        return WebSocketResult(None, error=f"{REDIRECT_LOOP}: {exc}")
    except InvalidStatus as exc:
        response = exc.response
        headers = {name.lower(): value for name, value in response.headers.raw_items()}
        return WebSocketResult(
            response.status_code, response.reason_phrase, headers, error=f"{type(exc).__name__}: {exc}"
        )
    except (OSError, WebSocketException, TimeoutError) as exc:
        return WebSocketResult(None, error=f"{type(exc).__name__}: {exc}")


def _json(message: str | bytes) -> Any:
    try:
        return json.loads(message)
    except ValueError:
        return None


# --- Server-Sent Events -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventStreamRequest:
    url: str
    source: str | None = None

    def request(self) -> Request:
        return Request(self.url, source=self.source)

    def as_curl(self) -> str:
        """curl -N prints each event as it arrives (no output buffering of its own)."""
        return self.request().as_curl().replace("curl -s -i", "curl -s -i -N", 1)


@dataclass(frozen=True)
class EventStream:
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)  # "tick 1", "bye done": event name and data
    arrivals: list[float] = field(default_factory=list)  # seconds after the request, per event
    error: str | None = None

    @property
    def streamed(self) -> bool | None:
        """True when the events arrived spread out as the app wrote them; False when they came
        together (held back by a buffer); None with fewer than two events."""
        if len(self.arrivals) < 2:
            return None
        return self.arrivals[-1] - self.arrivals[0] >= STREAMED_SPREAD_S

    def fields(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "headers": self.headers,
            "events": self.events,
            "streamed": self.streamed,
            "first_event_s": round(self.arrivals[0], 2) if self.arrivals else None,
            "last_event_s": round(self.arrivals[-1], 2) if self.arrivals else None,
            "error": self.error,
        }

    def raw(self) -> str:
        if self.status is None:
            return f"(no HTTP response: {self.error})"
        lines = [f"HTTP/1.1 {self.status}", *(f"{k}: {v}" for k, v in self.headers.items()), ""]
        lines += [f"{at:5.2f}s  {event}" for event, at in zip(self.events, self.arrivals)]
        return "\n".join(lines + ([f"error: {self.error}"] if self.error else []))


def text_lines(readline: Callable[[], bytes]) -> Iterator[str]:
    """Each line `readline` reads, as text without its line ending, until the stream ends."""
    for raw in iter(readline, b""):
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def timed_events(lines: Iterable[str], started: float) -> tuple[list[str], list[float]]:
    """The events of an event stream's lines ("tick 1": each `event:` line's name with the `data:`
    line after it) and the seconds from `started` at which each one's data line was read."""
    events: list[str] = []
    arrivals: list[float] = []
    name = None
    for line in lines:
        if line.startswith("event:"):
            name = line.partition(":")[2].strip()
        elif line.startswith("data:") and name is not None:
            events.append(f"{name} {line.partition(':')[2].strip()}")
            arrivals.append(time.monotonic() - started)
            name = None
    return events, arrivals


def read_events(request: EventStreamRequest, timeout: float = DEFAULT_TIMEOUT_S) -> EventStream:
    """Send the request, then read the answer line by line, timing each event as it arrives."""
    started = time.monotonic()
    try:
        connection = open_connection(request.request(), timeout)
    except OSError as exc:
        return EventStream(None, error=f"{type(exc).__name__}: {exc}")
    try:
        answer = connection.getresponse()
        headers = {name.lower(): value for name, value in answer.getheaders()}
        if answer.status != 200:
            return EventStream(answer.status, headers)
        return EventStream(answer.status, headers, *timed_events(text_lines(answer.readline), started))
    except OSError as exc:
        return EventStream(None, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
