"""Probe every route of compose.yaml and read the answers into the cells of the matrix.

What: `probe_matrix(stack, context)` sends, for each route in file order, GET {P}/app, the docs
page (and the schema URL it names, resolved as a browser would, fetched whether or not a
browser would get that far) and GET {P}/items without following the
redirect, opens a WebSocket at {P}/ws and reads the SSE stream at {P}/stream (instruments/streams.py;
these long-lived ones for several routes at once, each takes a second), all from 127.0.0.77 so the
apps' trust boundary shows. P is the public prefix on proxy
routes and empty on direct ones. Each answer becomes a few string cells (see fields.py).
When: `python -m suites.matrix` and the matrix's scenario test, on a running stack.
Why: the cells are what an upgrade of uvicorn, Starlette, FastAPI or a proxy (Traefik, Nginx,
Caddy, HAProxy) would change. Backend-dependent values are written as proxylab.context placeholders ({client},
{upstream:SVC}, {source:PROXY}), so one committed expectation holds for native and Compose.
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
from suites.matrix.fields import FIELDS, HELD_BACK, NO_ANSWER, NONE, STREAMED

# Streams wait, they do not work: several at once keep the matrix's run short without loading the
# machine (each SSE stream lasts about a second, each app answers them concurrently).
STREAM_WORKERS = 8


@dataclass(frozen=True)
class Row:
    """One route and its cells."""

    route: Route
    cells: dict[str, str]

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

    def cells(self) -> dict[str, dict[str, str]]:
        """route key → cells: the shape of suites/expected/matrix.json's `routes`."""
        return {row.key: dict(row.cells) for row in self.rows}

    def as_json(self) -> dict[str, Any]:
        """reports/matrix.json: the cells with each route's description and the run's context."""
        return {
            "backend": self.backend,
            "taken_at": self.taken_at,
            "versions": self.versions,
            "routes": {
                row.key: {
                    "port": row.route.port,
                    "proxy": row.route.proxy,
                    "strips": row.route.strips,
                    "app": row.route.app,
                    "defaults": row.route.defaults,
                    "host": getattr(row.route, "host", None),
                    "cells": row.cells,
                }
                for row in self.rows
            },
        }


def probe_matrix(stack: Stack, context: Context, versions: dict[str, str] | None = None) -> Matrix:
    """Probe every route of `stack` in compose.yaml's order."""
    rows = [
        Row(route, cells) for route, cells in zip(stack.routes, probe_routes(stack.routes, stack, context))
    ]
    taken_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    return Matrix(context.backend.name, versions or context.backend.versions(), taken_at, rows)


def probe_routes(routes: list[Route], stack: Stack, context: Context) -> list[dict[str, str]]:
    """The cells of each route, in order. The streams go first, side by side: an SSE stream takes
    its ticks' time whatever the machine does, so one after another they would add up."""
    with ThreadPoolExecutor(STREAM_WORKERS) as pool:
        streams = list(pool.map(_stream_cells, routes))
    return [probe_route(route, stack, context, streamed) for route, streamed in zip(routes, streams)]


def probe_route(
    route: Route, stack: Stack, context: Context, streams: dict[str, str] | None = None
) -> dict[str, str]:
    """The cells of one route, normalized for the backend (`streams`: its ws.* and sse.* cells,
    when the caller probed them already)."""
    app = send(Request(route.url("/app"), source=CLIENT_SOURCE))
    docs = probe_docs(route.url("/docs"), source=CLIENT_SOURCE)
    redirect = send(Request(route.url("/items"), source=CLIENT_SOURCE))
    cells = {
        **_app_cells(app),
        **_docs_cells(docs),
        **_redirect_cells(redirect),
        **(streams or _stream_cells(route)),
    }
    return {name: _normalize(route, context, name, cells[name]) for name in FIELDS}


def _stream_cells(route: Route) -> dict[str, str]:
    """The WebSocket at {P}/ws (ws:// or wss:// like the route) and the SSE stream at {P}/stream."""
    socket = open_websocket(WebSocketOpen(route.url("/ws").replace("http", "ws", 1), source=CLIENT_SOURCE))
    events = read_events(EventStreamRequest(route.url(f"/stream?ticks={SSE_TICKS}"), source=CLIENT_SOURCE))
    return {**_ws_cells(socket), **_sse_cells(events)}


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


def _normalize(route: Route, context: Context, name: str, value: str) -> str:
    """Backend-dependent values → placeholders. Direct routes: only the client address (their
    own URLs are published ports, the same on both backends). Proxy routes: also the upstream
    address (Nginx's defaults send Host $proxy_host), and a client that is the proxy itself
    (no X-Forwarded-For believed) becomes {source:PROXY}, for either proxy of a chain."""
    if route.is_direct:
        return context.normalize(value)
    hops = [route.proxy] + [inner.proxy for inner in stack_routes_via(route, context)]
    for hop in hops:
        if name == "app.client" and value == context.value("source", hop):
            return f"{{source:{hop}}}"
    return context.normalize(value, upstreams=[route.app])


def stack_routes_via(route: Route, context: Context) -> list[Route]:
    """The inner route an outer proxy's route forwards to (x-route `via`, lab 12's chain), if any."""
    return [inner for inner in context.stack.routes if route.via is not None and inner.port == route.via]
