"""What the browser asked for: every request of a page, and a guard that keeps it on loopback.

What: `NetworkLog.attach(page)` records each request of one page (method, URL, resource type,
then its status or its failure) in the order the page made them. `OfflineGuard` is installed
once on the browser context: a request to any host that is not loopback is aborted before it
leaves and remembered, so a check can fail on it.
When: `instruments.chromium.driver` installs the guard; every page check attaches a log.
Why: the lab promises docs pages that work with no internet (every asset from the app, see
app/docs.py). A page that quietly fetched from a CDN would pass on a laptop and break in a
workshop room; here it shows up as a recorded, blocked request.

ReDoc 2.5.3's sidebar badge ("API docs by Redocly") asks for an image on a CDN that no option
turns off; the app's /redoc answers with `Content-Security-Policy: img-src 'self' data:`, so
the browser never sends that request and nothing here needs excusing.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Request, Response, Route, WebSocket

# URL → why a request to it does not fail a check (it is blocked all the same). Empty: every
# asset of every docs page comes from the app.
TOLERATED_EXTERNAL: dict[str, str] = {}
_LOOPBACK_NAMES = ("localhost",)
LOADING_TYPES = ("document", "script", "fetch", "xhr")  # requests whose failure stops a page
BODY_SHOWN = 100  # characters of a failing document's body quoted in a failure
# Chromium's words for a refused WebSocket handshake (the `socketerror` Playwright passes on).
_HANDSHAKE_CODE = re.compile(r"Unexpected response code: (\d{3})")


def is_loopback(url: str) -> bool:
    """True for http(s) URLs on 127.0.0.0/8, ::1 or localhost, and for blob:/data: URLs (no network)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True
    host = (parts.hostname or "").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Exchange:
    """One request and what came back: a status, or the browser's error text."""

    method: str
    url: str
    # "document", "script", "stylesheet", "fetch", "xhr", "image", "other"…, and "websocket"
    # for a socket the page opened (ws:// or wss://): 101 once a frame went either way.
    resource_type: str
    status: int | None = None
    failure: str | None = None

    @property
    def outcome(self) -> str:
        """`404`, `200`, or `failed (net::ERR_…)`: a status wins over the abort that may follow it."""
        if self.status is not None:
            return str(self.status)
        return f"failed ({self.failure})" if self.failure else "no answer yet"


@dataclass
class NetworkLog:
    """The requests of one page, in order, plus its uncaught script errors."""

    exchanges: list[Exchange] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    _by_request: dict[Request, Exchange] = field(default_factory=dict, repr=False)

    @classmethod
    def attach(cls, page: Page) -> NetworkLog:
        log = cls()
        page.on("request", log._on_request)
        page.on("response", log._on_response)
        page.on("requestfailed", log._on_failure)
        page.on("pageerror", lambda error: log.page_errors.append(error.message))
        page.on("websocket", log._on_websocket)
        return log

    def matching(self, path_suffix: str, resource_types: tuple[str, ...] = ()) -> list[Exchange]:
        """Exchanges whose URL path ends with `path_suffix` (of these resource types, if given)."""
        return [
            exchange
            for exchange in self.exchanges
            if urlsplit(exchange.url).path.endswith(path_suffix)
            and (not resource_types or exchange.resource_type in resource_types)
        ]

    def load_failure(self, page_status: int | None, page_body: str = "") -> str:
        """Why a page did not start, as the browser met it: the document's status and the start
        of its body when it is not 200, else every document/script/fetch request that did not
        answer 2xx or 3xx, then the uncaught script errors: `GET …/swagger-ui-bundle.js 404;
        page error: SwaggerUIBundle is not defined`. Stylesheets and the favicon are left out:
        they never stop a page, and Chromium reports them in varying ways."""
        if page_status != 200:
            body = " ".join(page_body.split())
            shown = f": {body[:BODY_SHOWN]}{'…' if len(body) > BODY_SHOWN else ''}" if body else ""
            return f"GET {self.exchanges[0].url if self.exchanges else '?'} {page_status}{shown}"
        parts = [
            f"{e.method} {e.url} {e.outcome}"
            for e in self.exchanges
            if e.resource_type in LOADING_TYPES and not (e.status and e.status < 400)
        ]
        parts += [f"page error: {message}" for message in self.page_errors]
        return "; ".join(parts) or "nothing failed to load, yet nothing started"

    def lines(self) -> list[str]:
        """`GET http://… 200 (script)` per request: what a failing test prints."""
        return [f"{e.method} {e.url} {e.outcome} ({e.resource_type})" for e in self.exchanges]

    # Playwright hands the same Request object to every event of one request.
    def _on_request(self, request: Request) -> None:
        exchange = Exchange(request.method, request.url, request.resource_type)
        self._by_request[request] = exchange
        self.exchanges.append(exchange)

    def _on_response(self, response: Response) -> None:
        if response.request in self._by_request:
            self._by_request[response.request].status = response.status

    def _on_failure(self, request: Request) -> None:
        if request in self._by_request:
            self._by_request[request].failure = request.failure

    # A socket is no request to Playwright: it has events of its own. A refused handshake comes
    # as a `socketerror` ("Error during WebSocket handshake: Unexpected response code: 403").
    def _on_websocket(self, socket: WebSocket) -> None:
        exchange = Exchange("GET", socket.url, "websocket")
        self.exchanges.append(exchange)

        def opened(_frame: object) -> None:
            if exchange.status is None:
                exchange.status = 101

        def failed(message: str) -> None:
            code = _HANDSHAKE_CODE.search(message)
            if code and exchange.status is None:
                exchange.status = int(code.group(1))
            exchange.failure = message

        socket.on("framereceived", opened)
        socket.on("framesent", opened)
        socket.on("socketerror", failed)


@dataclass
class OfflineGuard:
    """Aborts every request that would leave loopback and remembers its URL, in order."""

    blocked: list[str] = field(default_factory=list)

    def install(self, context: BrowserContext) -> OfflineGuard:
        context.route("**/*", self._handle)
        return self

    def take(self) -> list[str]:
        """The URLs blocked since the last call (each page check takes its own)."""
        taken, self.blocked = self.blocked, []
        return taken

    def _handle(self, route: Route) -> None:
        if is_loopback(route.request.url):
            route.continue_()
            return
        self.blocked.append(route.request.url)
        route.abort("blockedbyclient")


def untolerated(urls: list[str]) -> list[str]:
    """The blocked URLs that fail a check: every one not in TOLERATED_EXTERNAL."""
    return [url for url in urls if url not in TOLERATED_EXTERNAL]
