"""The long-lived kinds (lab 12): `websocket:` opens a WebSocket and sends one message; `sse:` reads
a Server-Sent Events stream and notes when each event arrives (instruments/streams.py).

A `websocket:` step shows `python -m websockets <url>`: the same library and version as the
runner, so the same handshake; the person then types the message. It has no `from`, because that
command cannot choose a source address. An `sse:` step shows `curl -s -i -N <url>`, which prints each
event the moment it arrives, so whether they stream or come together is visible on the slide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from instruments.streams import ECHO_MESSAGE, EventStreamRequest, WebSocketOpen, open_websocket, read_events
from labs.kinds.base import Outcome, StepKind
from labs.kinds.request import _string, _url
from proxylab.context import Context

# --- websocket: the handshake, the app's first message, one echo ---------------------------------


@dataclass(frozen=True)
class WebSocketAction:
    url: str
    message: str = ECHO_MESSAGE

    def socket(self, context: Context) -> WebSocketOpen:
        return WebSocketOpen(context.expand(self.url), message=self.message)

    def command(self, context: Context) -> str:
        return self.socket(context).as_command()

    def urls(self, context: Context) -> list[str]:
        """The same host and port as http(s), for the check that the stack answers."""
        return [context.expand(self.url).replace("ws", "http", 1)]

    def run(self, context: Context) -> Outcome:
        result = open_websocket(self.socket(context))
        return Outcome(result.fields(), result.raw())


def _websocket(spec: Mapping[str, Any]) -> WebSocketAction:
    url = _string(spec, "url")
    if not url.startswith(("ws://", "wss://")):
        raise ValueError(f"`url: {url}` is not a ws:// or wss:// URL")
    return WebSocketAction(url, _string(spec, "message", ECHO_MESSAGE))


WEBSOCKET = StepKind(
    "websocket", ("url", "message"), ("status", "reason", "headers", "report", "echo", "error"), _websocket
)


# --- sse: an event stream, timed ------------------------------------------------------------------


@dataclass(frozen=True)
class EventStreamAction:
    url: str
    source: str | None = None

    def stream(self, context: Context) -> EventStreamRequest:
        return EventStreamRequest(
            context.expand(self.url), context.expand(self.source) if self.source else None
        )

    def command(self, context: Context) -> str:
        return self.stream(context).as_curl()

    def urls(self, context: Context) -> list[str]:
        return [context.expand(self.url)]

    def run(self, context: Context) -> Outcome:
        result = read_events(self.stream(context))
        return Outcome(result.fields(), result.raw())


SSE = StepKind(
    "sse",
    ("url", "from"),
    ("status", "headers", "events", "streamed", "first_event_s", "last_event_s", "error"),
    lambda spec: EventStreamAction(_url(spec), _string(spec, "from", None)),
)

KINDS = (WEBSOCKET, SSE)
