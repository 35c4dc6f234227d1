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
FIELDS = APP_FIELDS + DOCS_FIELDS + REDIRECT_FIELDS

DESCRIPTIONS = {
    "app.status": "status of GET {P}/app",
    "app.root_path": "the ASGI root_path the app received",
    "app.path": "the ASGI path the app received",
    "app.url_for": "url_for('app'): the URL the app builds for itself",
    "app.client": "the client address the app believes (after uvicorn's proxy headers)",
    "app.scheme": "the scheme the app believes",
    "docs.status": "status of GET {P}/docs (Swagger UI)",
    "docs.openapi_url": "the schema URL the docs page asks the browser for",
    "docs.schema_url_status": "status of that schema URL, fetched by the probe itself through the same route; a "
                              "browser asks for it only if the page's scripts load (suites/expected/docs_ui.json)",
    "docs.servers": "the schema's servers, as compact JSON",
    "redirect.status": "status of GET {P}/items (Starlette's trailing-slash redirect, not followed)",
    "redirect.location": "its Location header, after the proxy's rewriting",
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
}

ROUTE_COLUMNS = ("port", "proxy", "strips", "app")


def route_columns(route: Route) -> tuple[str, str, str, str]:
    """port, proxy, strips, app: what compose.yaml's x-route says about the row's route."""
    if route.is_direct:
        proxy = NONE
    elif route.defaults:
        proxy = f"{route.proxy} (defaults)"
    elif getattr(route, "host", None):  # the route sends a Host header of its own (x-route `host`)
        proxy = f"{route.proxy} (Host {route.host})"
    elif route.omits:  # a normal route less one directive (lab 12)
        proxy = f"{route.proxy} (without {', '.join(route.omits)})"
    else:
        proxy = route.proxy
    strips = NONE if route.strips is None else ("yes" if route.strips else "no")
    return str(route.port), proxy, strips, route.app
