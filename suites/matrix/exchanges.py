"""The requests behind the matrix's cells and what came back, kept for reports/matrix.json.

What: one function per kind of probe (`http`, `docs`, `websocket`, `event_stream`) turns what
probe.py sent and received into plain JSON: the request (its URL, headers, the address it came
from, and the command a person pastes to send it again) and the answer (status, headers, the
body cut at BODY_LIMIT characters, and the echo report when the body is one). Each cell of the
matrix names its probe by the part before the dot: `app.path` comes from the `app` exchange.
When: probe.py records one exchange per probe and route; suites/matrix/record.py writes them.
Why: a cell says what changed, the exchange says why (the echo the app sent back, the Location a
proxy rewrote). The lab book shows it when a cell is clicked (labs/book/matrix_view.py). Values
are kept as they were on the wire, not as placeholders: this is evidence, not an expectation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from instruments.client import DocsProbe, Request, Response
from instruments.streams import EventStream, EventStreamRequest, WebSocketOpen, WebSocketResult

BODY_LIMIT = 3000  # characters of a body kept: the echo and a docs page fit, a whole schema may not


def http(request: Request, response: Response) -> dict[str, Any]:
    """A plain request and its answer: GET {P}/app, GET {P}/items."""
    return {"request": _request(request), "answer": _answer(response)}


def docs(page: Request, probe: DocsProbe) -> dict[str, Any]:
    """The docs page, then the schema URL it names, resolved as a browser would resolve it."""
    exchange = http(page, probe.page)
    if probe.openapi_url is not None and probe.schema is not None:
        schema = Request(urljoin(page.url, probe.openapi_url), source=page.source)
        exchange["then"] = http(schema, probe.schema)
    return exchange


def websocket(request: WebSocketOpen, result: WebSocketResult) -> dict[str, Any]:
    """The handshake at {P}/ws, the app's first message (the echo of its scope) and the echo."""
    return {
        "request": {"url": request.url, "source": request.source, "command": request.as_command()},
        "answer": {
            "status": result.status,
            "reason": result.reason,
            "headers": result.headers,
            "echo": result.report,
            "message_echoed": result.echo,
            "error": result.error,
        },
    }


def event_stream(request: EventStreamRequest, stream: EventStream) -> dict[str, Any]:
    """The SSE stream at {P}/stream: each event and when it arrived, in seconds."""
    return {
        "request": {**_request(request.request()), "command": request.as_curl()},
        "answer": {
            "status": stream.status,
            "headers": stream.headers,
            "events": [
                f"{event} (+{seconds:.2f} s)" for event, seconds in zip(stream.events, stream.arrivals)
            ],
            "error": stream.error,
        },
    }


def _request(request: Request) -> dict[str, Any]:
    return {
        "method": request.method,
        "url": request.url,
        "source": request.source,
        "headers": dict(request.headers),
        "command": request.as_curl(),
    }


def _answer(response: Response) -> dict[str, Any]:
    body, text = response.json, response.text
    echo = body if isinstance(body, dict) and "instance" in body else None
    return {
        "status": response.status,
        "reason": response.reason,
        "headers": response.headers,
        # the echo report as JSON (GET {P}/app answers with one); any other body as text, cut
        "echo": echo,
        "body": None
        if echo
        else text
        if len(text) <= BODY_LIMIT
        else f"{text[:BODY_LIMIT]}… ({len(text)} characters)",
        "error": response.error,
    }


def _cut(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else f"{text[:BODY_LIMIT]}… ({len(text)} characters in all)"
