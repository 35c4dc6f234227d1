"""Everything a route's docs pages load, fetched over plain HTTP and hashed: when two routes share a render.

What: `fetch_inputs(route)` fetches what Chromium would load for {P}/docs and {P}/redoc: each
page (following redirects hop by hop, as the browser does), then every URL the page names (the
schema, each `src=` and `href=`; instruments/client.py's `named_urls`), each URL once, with
its status, headers and bytes. `DocsInputs.digest` is a SHA-256 over all of it, with the
route's own origin written as a placeholder (`http://127.0.0.1:9004` → `{origin}`, then
`127.0.0.1:9004` → `{netloc}`), so routes that serve the same bytes about themselves share a
digest. `fetch_answer(route, url)` sends the GET /app that "Try it out" sends, on the route's
own origin, and keeps what a check reads of it (status, headers, root_path).
When: suites/browser/renders.py, for every route, before it decides whether Chromium renders
the route or reuses the render of a route with the same digest.
Why: most routes serve byte-identical pages, schemas and assets for one app configuration, and
rendering them is most of the suite's CPU. The digest takes every byte and every header that can
change what a page shows (all but UNRENDERED_HEADERS), so two routes share a render only when
nothing the browser reads differs; the render's own request log is then held against each
route's inputs (RouteCheck.problems), so a load the digest missed fails instead of hiding.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from instruments.chromium.network import is_loopback
from instruments.client import MAX_REDIRECTS, Request, Response, named_urls, send
from proxylab.compose import Route

PAGES = ("/docs", "/redoc")
ORIGIN, NETLOC = "{origin}", "{netloc}"
# Response headers that cannot change what a page shows; every other header is in the digest,
# so a header nobody listed here splits routes rather than hiding a difference.
UNRENDERED_HEADERS = {
    "date": "the time of the answer",
    "server": "which server or proxy answered: named, never shown or obeyed",
    "via": "which proxy forwarded it (Caddy)",
    "x-proxylab-instance": "which app instance answered (app/instance_header.py)",
    "content-length": "the body itself is in the digest",
    "connection": "the connection, not the document",
    "keep-alive": "the connection, not the document",
    "accept-ranges": "range requests, which the pages never make",
    "etag": "a cache validator; each route is its own origin, so no cache is shared",
    "last-modified": "a cache validator, like etag",
    "alt-svc": "an HTTP/3 offer; Chromium runs with --disable-quic",
}


@dataclass(frozen=True)
class Fetched:
    """One URL a page loads, as a plain HTTP client got it."""

    url: str
    status: int | None  # None: no HTTP answer (see error), or a URL off loopback, not fetched
    headers: tuple[tuple[str, str], ...]  # the ones that can change a page, lower-case, in order
    sha256: str  # of the body, with the route's origin as placeholders
    error: str | None = None

    def line(self) -> str:
        return f"GET {self.url} {self.status if self.status is not None else f'failed ({self.error})'}"


@dataclass(frozen=True)
class DocsInputs:
    """What {P}/docs and {P}/redoc of one route load, in the order they load it."""

    route: Route
    fetched: tuple[Fetched, ...]

    @property
    def digest(self) -> str:
        """The SHA-256 of every URL, status, header and body, each written with placeholders."""
        rows = [
            [placeholders(f.url, self.route), f.status, f.headers, f.sha256, f.error] for f in self.fetched
        ]
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()

    def status_of(self, url: str) -> tuple[bool, int | None]:
        """(fetched at all?, its status) for a URL on this route."""
        for fetched in self.fetched:
            if fetched.url == url:
                return True, fetched.status
        return False, None

    def lines(self) -> list[str]:
        return [fetched.line() for fetched in self.fetched]


@dataclass(frozen=True)
class Answer:
    """The GET "Try it out" sends, on one route's origin: what a check reads of the answer."""

    url: str
    status: int | None
    headers: tuple[tuple[str, str], ...] = ()
    body: object = None  # the JSON body, None when it is not JSON
    error: str | None = None

    @property
    def key(self) -> str:
        """What can change how Swagger UI shows the answer and what the checks read of it: the
        status, the headers and the body's root_path. The rest of the body echoes one request
        (the client's port, the proxy's forwarding headers) and differs on every route."""
        root_path = self.body.get("root_path") if isinstance(self.body, dict) else "not a JSON object"
        return json.dumps([self.status, self.headers, root_path, self.error is not None])


def fetch_inputs(route: Route) -> DocsInputs:
    """Both docs pages of `route` and everything they name, each URL fetched once."""
    fetched: dict[str, Fetched] = {}
    for page in PAGES:
        url, final = _fetch_following(route.url(page), route, fetched)
        if final is None or final.status != 200:
            continue
        for named in named_urls(final.text):
            if urlsplit(asset := urljoin(url, named)).scheme in ("http", "https"):
                _fetch_following(asset, route, fetched)
    return DocsInputs(route, tuple(fetched.values()))


def fetch_answer(route: Route, url: str) -> Answer:
    """GET `url` (placeholders filled with `route`'s origin) as Try it out sends it, redirects
    not followed; a URL off loopback is not sent (the browser's guard blocks it too)."""
    url = filled(url, route)
    if not is_loopback(url):
        return Answer(url, None, error="off loopback: not sent")
    response = send(Request(url))
    return Answer(url, response.status, _rendered_headers(response, route), response.json, response.error)


def placeholders(text: str, route: Route) -> str:
    """`http://127.0.0.1:9004/api/v1/app` → `{origin}/api/v1/app` for route 9004; another
    route's origin stays as written."""
    return _placeholder_bytes(text.encode(), route).decode()


def filled(text: str, route: Route) -> str:
    """The reverse of `placeholders`: `{origin}/api/v1/app` → `http://127.0.0.1:9004/api/v1/app`."""
    return text.replace(ORIGIN, route.base_url).replace(NETLOC, _netloc(route))


def _fetch_following(url: str, route: Route, fetched: dict[str, Fetched]) -> tuple[str, Response | None]:
    """Fetch `url`, then each redirect as the browser follows it, every URL once: where the chain
    ends and its last answer (None when that URL was fetched before, or is off loopback)."""
    for _ in range(MAX_REDIRECTS + 1):
        if url in fetched:
            return url, None
        if not is_loopback(url):
            fetched[url] = Fetched(url, None, (), "", "off loopback: not fetched (the guard blocks it)")
            return url, None
        response = send(Request(url))
        body = hashlib.sha256(_placeholder_bytes(response.content, route)).hexdigest()
        fetched[url] = Fetched(url, response.status, _rendered_headers(response, route), body, response.error)
        location = response.headers.get("location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return url, response
        url = urljoin(url, location)
    return url, None


def _rendered_headers(response: Response, route: Route) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, placeholders(value, route))
        for name, value in response.headers.items()
        if name not in UNRENDERED_HEADERS
    )


def _netloc(route: Route) -> str:
    return urlsplit(route.base_url).netloc


def _placeholder_bytes(data: bytes, route: Route) -> bytes:
    """The route's origin, then its host:port alone, as placeholders; a longer port or another
    host that merely starts the same way stays as written."""
    origin, netloc = route.base_url.encode(), _netloc(route).encode()
    data = re.sub(re.escape(origin) + rb"(?![\d])", ORIGIN.encode(), data)
    return re.sub(rb"(?<![\w.-])" + re.escape(netloc) + rb"(?![\d])", NETLOC.encode(), data)
