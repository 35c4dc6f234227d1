"""Render one route's docs pages in the browser, and read the render as the expectation's fields.

What: `render_route(browser, route, screenshots)` opens {base}{P}/docs (Swagger UI, with
"Try it out" on GET /app) and {base}{P}/redoc, screenshots both as <port>-docs.png and
<port>-redoc.png, and collects the requests the offline guard blocked: a `Render`.
`Render.fields()` turns that into the values suites/expected/docs_ui.json records (FIELDS,
described in DESCRIPTIONS), URLs on the route's own origin as paths; `Render.problems()` lists
what fails whatever the expectation says. suites/browser/check.py's `RouteCheck` holds each
route to the render that stands for it.
When: `python -m suites.browser` for every route; tests/suites/browser once per route on the session stack.
Why: one code path for the command and the tests, so `make screenshots` and CI check the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError

from instruments.chromium.driver import Browser
from instruments.chromium.network import TOLERATED_EXTERNAL, untolerated
from proxylab.compose import Route
from proxylab.errors import ProxylabError
from suites.browser.redoc import RedocOutcome, check_redoc
from suites.browser.swagger import SwaggerOutcome, check_swagger

DESCRIPTIONS = {
    "page_renders": "Swagger UI ({P}/docs) shows the GET /app operation",
    "schema_loaded": "the browser fetched the page's openapi.json and got 200",
    "docs_failure": "why Swagger UI does not render, as the browser met it (null when it renders)",
    "try_it_out_url": (
        "the URL GET /app → Try it out → Execute fetched (a path when on the route's own origin)"
    ),
    "try_it_out_status": "the status that request got (null: no HTTP answer, or no Try it out)",
    "response_contains_root_path": (
        "the body Swagger shows is JSON whose root_path is the public prefix /api/v1"
    ),
    "redoc_renders": "ReDoc ({P}/redoc) shows the title 'proxylab echo' and the GET /app operation",
    "redoc_endpoint_urls": (
        "the URLs ReDoc lists in GET /app's endpoint box (paths when on the route's own origin)"
    ),
    "redoc_failure": "why ReDoc does not render, as the browser met it (null when it renders)",
}
FIELDS = tuple(DESCRIPTIONS)


@dataclass(frozen=True)
class Render:
    """Both docs pages of one route, as the browser saw them."""

    route: Route
    swagger: SwaggerOutcome
    redoc: RedocOutcome
    blocked: list[str]  # requests to non-loopback hosts, aborted by the guard

    @property
    def key(self) -> str:
        return self.route.key

    def fields(self) -> dict[str, Any]:
        """The values the expectation records, with URLs on the route's own origin as paths."""
        tried = self.swagger.try_it_out
        return {
            "page_renders": self.swagger.renders,
            "schema_loaded": self.swagger.schema_loaded,
            "docs_failure": self._local(self.swagger.failure),
            "try_it_out_url": same_origin_path(tried.url, self.route.base_url) if tried else None,
            "try_it_out_status": tried.status if tried else None,
            "response_contains_root_path": self._shows_root_path(tried.shown_body) if tried else None,
            "redoc_renders": self.redoc.renders,
            "redoc_endpoint_urls": [
                same_origin_path(url, self.route.base_url) for url in self.redoc.endpoint_urls
            ],
            "redoc_failure": self._local(self.redoc.failure),
        }

    def problems(self) -> list[str]:
        """Failures no expectation can accept: a request that left loopback, or Swagger UI
        showing another request than the one the browser sent."""
        found = [f"requested a non-loopback URL (blocked): {url}" for url in untolerated(self.blocked)]
        tried = self.swagger.try_it_out
        if tried and tried.shown_url != tried.url:
            found.append(
                f"Swagger's Request URL box says {tried.shown_url} but the browser fetched {tried.url}"
            )
        if tried and tried.status is not None and tried.shown_code != str(tried.status):
            found.append(f"Swagger shows code {tried.shown_code!r} but the response was {tried.status}")
        return found

    def tolerated(self) -> list[str]:
        return [url for url in self.blocked if url in TOLERATED_EXTERNAL]

    def network_log(self) -> str:
        """Both pages' requests, for a failing test's message."""
        lines = [
            f"{self.route.base_url} {{P}}/docs:",
            *self.swagger.log.lines(),
            "{P}/redoc:",
            *self.redoc.log.lines(),
        ]
        lines += [
            f"page error: {message}" for message in self.swagger.log.page_errors + self.redoc.log.page_errors
        ]
        return "\n".join(lines)

    def _local(self, text: str | None) -> str | None:
        return None if text is None else text.replace(self.route.base_url, "")

    def _shows_root_path(self, body: str) -> bool:
        try:
            data = json.loads(body)
        except ValueError:
            return False
        return isinstance(data, dict) and data.get("root_path") == self.route.prefix


def same_origin_path(url: str, page_url: str) -> str:
    """`http://127.0.0.1:9004/app` seen from a page on 127.0.0.1:9004 → `/app`; other URLs stay whole."""
    a, b = urlsplit(url), urlsplit(page_url)
    if (a.scheme, a.netloc) != (b.scheme, b.netloc):
        return url
    return a.path + (f"?{a.query}" if a.query else "")


def render_route(browser: Browser, route: Route, screenshots: Path | None = None) -> Render:
    """Swagger UI then ReDoc on `route`; screenshots go to `screenshots`/<port>-{docs,redoc}.png."""
    docs_url, redoc_url = route.url("/docs"), route.url("/redoc")
    shot = (lambda page: screenshots / f"{route.port}-{page}.png") if screenshots else (lambda page: None)
    browser.guard.take()  # whatever an earlier page left behind is not this route's
    try:
        swagger = check_swagger(browser, docs_url, shot("docs"))
        redoc = check_redoc(browser, redoc_url, shot("redoc"))
    except PlaywrightError as error:
        if "ERR_CONNECTION_REFUSED" not in error.message:
            raise
        raise ProxylabError(
            f"route {route.key}",
            f"nothing answers at {route.base_url}",
            "start the stack with `make up` (`make status` shows what runs)",
        ) from error
    return Render(route, swagger, redoc, browser.guard.take())
