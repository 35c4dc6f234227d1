"""Probe every route of compose.yaml and read the answers into the cells of the matrix.

What: `probe_matrix(stack, context)` sends, for each route in file order, GET {P}/app, the docs
page (and the schema URL it names, resolved as a browser would, fetched whether or not a
browser would get that far) and GET {P}/items without following the
redirect, opens a WebSocket at {P}/ws and reads the SSE stream at {P}/stream (instruments/streams.py;
these long-lived ones for several routes at once, each takes a second), all from 127.0.0.77 so the
apps' trust boundary shows. P is the public prefix on proxy
routes and empty on direct ones. Each answer becomes a few string cells (see fields.py), and
each request with its answer an exchange (exchanges.py) that reports/matrix.json keeps.
When: `python -m suites.matrix` and the matrix's scenario test, on a running stack.
Why: the cells are what an upgrade of uvicorn, Starlette, FastAPI or a proxy (Traefik, Nginx,
Caddy, HAProxy) would change. Backend-dependent values are written as placeholders
(placeholders.py), so one committed expectation holds for native and Compose.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from instruments.client import DocsProbe, Request, Response, probe_docs, send
from instruments.streams import (
    REDIRECT_LOOP,
    SSE_TICKS,
    EventStream,
    EventStreamRequest,
    WebSocketOpen,
    WebSocketResult,
    open_websocket,
    read_events,
)
from proxylab.compose import Route, Stack
from proxylab.context import CLIENT_SOURCE, Context
from suites.matrix import exchanges as record
from suites.matrix.fields import FIELDS, HELD_BACK, NO_ANSWER, NONE, STREAMED
from suites.matrix.placeholders import normalize, placeholders

# Streams wait, they do not work: many at once keep the matrix's run short without loading the
# machine (each SSE stream lasts about a second, each app answers them concurrently): the run
# lasts about a second per STREAM_WORKERS routes. The cells do not depend on it: a stream is
# "streamed" by the spread of its events' arrivals, which a busier moment can only widen.
STREAM_WORKERS = 32
Observed = tuple[dict[str, str], dict[str, dict[str, Any]]]  # a route's cells, and its exchanges by probe


@dataclass(frozen=True)
class Row:
    """One route and its cells."""

    route: Route
    cells: dict[str, str]
    exchanges: dict[str, dict[str, Any]] = field(default_factory=dict)  # probe → request, answer

    @property
    def key(self) -> str:
        return self.route.key


@dataclass(frozen=True)
class Matrix:
    """One run of the matrix: the rows, plus what ran (backend, versions) and when."""

    backend: str
    versions: dict[str, str]
    taken_at: str  # ISO 8601, UTC, to the second
    rows: list[Row] = field(default_factory=list)
    placeholders: dict[str, str] = field(default_factory=dict)  # "{client}" → what it stood for

    def cells(self) -> dict[str, dict[str, str]]:
        """route key → cells: the shape of suites/expected/matrix.json's `routes`."""
        return {row.key: dict(row.cells) for row in self.rows}


def probe_matrix(stack: Stack, context: Context, versions: dict[str, str] | None = None) -> Matrix:
    """Probe every route of `stack` in compose.yaml's order."""
    observed = observe_routes(stack.routes, context)
    rows = [Row(route, cells, exchanges) for route, (cells, exchanges) in zip(stack.routes, observed)]
    taken_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    backend, versions = context.backend.name, versions or context.backend.versions()
    return Matrix(backend, versions, taken_at, rows, placeholders(stack.routes, context))


def probe_routes(routes: list[Route], stack: Stack, context: Context) -> list[dict[str, str]]:
    """The cells of each route, in order."""
    return [cells for cells, _ in observe_routes(routes, context)]


def observe_routes(routes: list[Route], context: Context) -> list[Observed]:
    """The cells and exchanges of each route, in order. The streams go first, side by side: an SSE
    stream takes its ticks' time whatever the machine does, so one after another they would add up."""
    with ThreadPoolExecutor(STREAM_WORKERS) as pool:
        streams = list(pool.map(_observe_streams, routes))
    return [observe_route(route, context, streamed) for route, streamed in zip(routes, streams)]


def probe_route(route: Route, stack: Stack, context: Context) -> dict[str, str]:
    """The cells of one route, normalized for the backend."""
    return observe_route(route, context)[0]


def observe_route(route: Route, context: Context, streams: Observed | None = None) -> Observed:
    """The cells of one route, normalized for the backend, and the exchange behind each probe
    (`streams`: its ws.* and sse.* cells and exchanges, when the caller probed them already)."""
    app_request, docs_page = Request(route.url("/app"), source=CLIENT_SOURCE), route.url("/docs")
    redirect_request = Request(route.url("/items"), source=CLIENT_SOURCE)
    app, docs = send(app_request), probe_docs(docs_page, source=CLIENT_SOURCE)
    redirect = send(redirect_request)
    stream_cells, stream_exchanges = streams or _observe_streams(route)
    cells = {**_app_cells(app), **_docs_cells(docs), **_redirect_cells(redirect), **stream_cells}
    exchanges = {
        "app": record.http(app_request, app),
        "docs": record.docs(Request(docs_page, source=CLIENT_SOURCE), docs),
        "redirect": record.http(redirect_request, redirect),
        **stream_exchanges,
    }
    return {name: normalize(route, context, name, cells[name]) for name in FIELDS}, exchanges


def _observe_streams(route: Route) -> Observed:
    """The WebSocket at {P}/ws (ws:// or wss:// like the route) and the SSE stream at {P}/stream."""
    ws = WebSocketOpen(route.url("/ws").replace("http", "ws", 1), source=CLIENT_SOURCE)
    sse = EventStreamRequest(route.url(f"/stream?ticks={SSE_TICKS}"), source=CLIENT_SOURCE)
    socket, events = open_websocket(ws), read_events(sse)
    exchanges = {"ws": record.websocket(ws, socket), "sse": record.event_stream(sse, events)}
    return {**_ws_cells(socket), **_sse_cells(events)}, exchanges


def _ws_cells(socket: WebSocketResult) -> dict[str, str]:
    report = socket.report if isinstance(socket.report, dict) else {}
    cells = {f"ws.{name}": _text(report.get(name)) for name in ("root_path", "path", "url_for")}
    looped = socket.error is not None and socket.error.startswith(REDIRECT_LOOP)
    return {"ws.status": REDIRECT_LOOP if looped else _status(socket), **cells, "ws.echo": _text(socket.echo)}


def _sse_cells(events: EventStream) -> dict[str, str]:
    delivery = {True: STREAMED, False: HELD_BACK, None: NONE}[events.streamed]
    return {"sse.status": _status(events), "sse.delivery": delivery}


def _app_cells(response: Response) -> dict[str, str]:
    body = response.json if response.status == 200 else None
    if not isinstance(body, dict):
        body = {}
    names = {
        "root_path": "root_path",
        "path": "path",
        "url_for": "url_for",
        "client": "client_host",
        "scheme": "scheme",
    }
    cells = {f"app.{cell}": _text(body.get(key)) for cell, key in names.items()}
    return {"app.status": _status(response), **cells}


def _docs_cells(docs: DocsProbe) -> dict[str, str]:
    schema = docs.schema.json if docs.schema is not None and docs.schema.status == 200 else None
    servers = schema.get("servers") if isinstance(schema, dict) else None
    return {
        "docs.status": _status(docs.page),
        "docs.openapi_url": _text(docs.openapi_url),
        "docs.schema_url_status": _status(docs.schema) if docs.schema is not None else NONE,
        "docs.servers": NONE
        if servers is None
        else json.dumps(servers, separators=(",", ":"), ensure_ascii=False),
    }


def _redirect_cells(response: Response) -> dict[str, str]:
    return {
        "redirect.status": _status(response),
        "redirect.location": _text(response.headers.get("location")),
    }


def _status(response: Response | WebSocketResult | EventStream) -> str:
    return NO_ANSWER if response.status is None else str(response.status)


def _text(value: Any) -> str:
    """None (nothing to read) is "—"; an empty string, like app-plain's root_path, is "" so it
    never reads as a missing answer."""
    if value is None:
        return NONE
    return '""' if value == "" else str(value)
