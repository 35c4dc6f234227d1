"""The columns of the behaviour matrix: which route a row is, and the cells measured on it.

What: the one list every part of the matrix reads (the probe fills these cells, the expectation
stores them, the reports show them as columns), with a sentence per cell for legends, and the
four columns that say which route a row is.
When: add a cell here first; the probe must then fill it and `make matrix-update` record it.
Why: a cell named in one place cannot be probed under one name and compared under another.
"""

from __future__ import annotations

from proxylab.compose import Route

NONE = "—"  # a cell with nothing to show: no JSON body, no Location, no servers (an empty string is "")
NO_ANSWER = "no answer"  # a status cell when the connection failed (the error is in the log)

APP_FIELDS = ("app.status", "app.root_path", "app.path", "app.url_for", "app.client", "app.scheme")
DOCS_FIELDS = ("docs.status", "docs.openapi_url", "docs.schema_url_status", "docs.servers")
REDIRECT_FIELDS = ("redirect.status", "redirect.location")
WS_FIELDS = ("ws.status", "ws.root_path", "ws.path", "ws.url_for", "ws.echo")
SSE_FIELDS = ("sse.status", "sse.delivery")
FIELDS = APP_FIELDS + DOCS_FIELDS + REDIRECT_FIELDS + WS_FIELDS + SSE_FIELDS

STREAMED = "streamed"  # sse.delivery: the events arrived as the app wrote them, 0.5 s apart
HELD_BACK = "held back"  # ... they arrived together when the stream ended (a buffering proxy)

DESCRIPTIONS = {
    "app.status": "status of GET {P}/app",
    "app.root_path": "the ASGI root_path the app received",
    "app.path": "the ASGI path the app received",
    "app.url_for": "url_for('app'): the URL the app builds for itself",
    "app.client": "the client address the app believes (after uvicorn's proxy headers)",
    "app.scheme": "the scheme the app believes",
    "docs.status": "status of GET {P}/docs (Swagger UI)",
    "docs.openapi_url": "the schema URL the docs page asks the browser for",
    "docs.schema_url_status": (
        "status of that schema URL, fetched by the probe itself through the same route; a "
        "browser asks for it only if the page's scripts load (suites/expected/docs_ui.json)"
    ),
    "docs.servers": "the schema's servers, as compact JSON",
    "redirect.status": "status of GET {P}/items (Starlette's trailing-slash redirect, not followed)",
    "redirect.location": "its Location header, after the proxy's rewriting",
    "ws.status": (
        "status of the WebSocket handshake at {P}/ws: 101 when the upgrade reached the app, "
        "else the refusal's"
    ),
    "ws.root_path": "the root_path the app saw on the websocket scope (its first message)",
    "ws.path": "the path the app saw on the websocket scope",
    "ws.url_for": "url_for('echo_socket'): the ws:// URL the app builds for itself",
    "ws.echo": "what came back for the text message 'hello'",
    "sse.status": "status of GET {P}/stream?ticks=2 (Server-Sent Events)",
    "sse.delivery": "streamed: the events arrived 0.5 s apart as written; held back: together at the end",
}

# Short column titles for the terminal, where width is scarce; the legend gives the long form.
SHORT_TITLES = {
    "app.status": "status",
    "app.root_path": "root_path",
    "app.path": "path",
    "app.url_for": "url_for",
    "app.client": "client",
    "app.scheme": "scheme",
    "docs.status": "docs",
    "docs.openapi_url": "openapi_url",
    "docs.schema_url_status": "schema URL",
    "docs.servers": "servers",
    "redirect.status": "/items",
    "redirect.location": "Location",
    "ws.status": "ws",
    "ws.root_path": "ws root_path",
    "ws.path": "ws path",
    "ws.url_for": "ws url_for",
    "ws.echo": "echo",
    "sse.status": "sse",
    "sse.delivery": "events",
}

ROUTE_COLUMNS = ("port", "proxy", "strips", "app")
# What a route does without a directive of the normal Nginx route (x-route `omits`), in a few words.
_OMITTED = {
    "proxy_set_header Upgrade": "no Upgrade",
    "proxy_buffering off": "buffering on",
    "proxy_http_version 1.1": "HTTP/1.0",
}


def route_columns(route: Route) -> tuple[str, str, str, str]:
    """port, proxy, strips, app: what compose.yaml's x-route says about the row's route."""
    if route.is_direct:
        proxy = NONE
    elif route.defaults:
        proxy = f"{route.proxy} (defaults)"
    elif getattr(route, "host", None):  # the route sends a Host header of its own (x-route `host`)
        proxy = f"{route.proxy} (Host {route.host})"
    elif route.via is not None:  # an outer proxy in front of another proxy's route (lab 12)
        proxy = f"{route.proxy} → {route.via}"
    elif route.omits:  # a normal route less a directive or two (lab 12): what it does instead
        proxy = f"{route.proxy} ({', '.join(_OMITTED.get(line, f'no {line}') for line in route.omits)})"
    else:
        proxy = route.proxy
    strips = NONE if route.strips is None else ("yes" if route.strips else "no")
    return str(route.port), proxy, strips, route.app
