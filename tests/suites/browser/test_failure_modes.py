"""How the checks read failures no route of compose.yaml produces today, in the real browser.

Every route whose schema 404s also loses the Swagger UI/ReDoc scripts (they share the prefix),
so the pages' own error texts never appear on the stack. Here the echo app runs in-process
(Starlette's TestClient) behind a fake origin that Playwright serves, and each case breaks one
thing: the schema, or its servers. No stack is needed, only Chromium.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Route as Interception

from app.main import create_app
from instruments.chromium.driver import Browser
from instruments.chromium.network import TOLERATED_EXTERNAL, is_loopback, untolerated
from suites.browser.redoc import check_redoc
from suites.browser.swagger import check_swagger

ORIGIN = "http://127.0.0.1:9"  # the discard port: nothing listens, every request is fulfilled below
Breakage = Callable[
    [str, bytes], tuple[int, bytes] | None
]  # (path, app's body) → (status, body) to serve instead


@pytest.fixture
def serve(browser: Browser) -> Iterator[Callable[[Breakage], None]]:
    """serve(breakage): answer ORIGIN's requests from the echo app, as `breakage` alters them."""
    client = TestClient(create_app())
    handlers: list[Callable[[Interception], None]] = []

    def install(breakage: Breakage) -> None:
        def handle(interception: Interception) -> None:
            path = interception.request.url.removeprefix(ORIGIN)
            answer = client.get(path)
            status, body = breakage(path, answer.content) or (answer.status_code, answer.content)
            interception.fulfill(
                status=status,
                body=body,
                headers={"content-type": answer.headers.get("content-type", "text/plain")},
            )

        handlers.append(handle)
        browser.context.route(f"{ORIGIN}/**", handle)  # registered after the guard, so asked first

    yield install
    for handle in handlers:
        browser.context.unroute(f"{ORIGIN}/**", handle)
    browser.guard.take()


def schema_404(path: str, body: bytes) -> tuple[int, bytes] | None:
    return (404, b'{"detail":"Not Found"}') if path == "/openapi.json" else None


def first_server_external(path: str, body: bytes) -> tuple[int, bytes] | None:
    if path != "/openapi.json":
        return None
    schema = json.loads(body)
    schema["servers"] = [{"url": "https://stag.example.com"}]
    return 200, json.dumps(schema).encode()


def test_swagger_shows_its_error_when_only_the_schema_is_missing(browser: Browser, serve):
    """A schema 404 behind working assets is not read as Swagger's own error box: the check would
    call such a page broken without saying why, or wait for a render that never comes."""
    serve(schema_404)
    outcome = check_swagger(browser, f"{ORIGIN}/docs")
    assert not outcome.renders and not outcome.schema_loaded and outcome.try_it_out is None
    assert outcome.failure == "Failed to load API definition. Fetch error: Not Found /openapi.json"
    assert [(e.status, e.resource_type) for e in outcome.log.matching("/openapi.json")] == [(404, "fetch")]


def test_redoc_shows_its_error_when_only_the_schema_is_missing(browser: Browser, serve):
    """ReDoc's "Something went wrong..." page is not recognised as a failure with its message."""
    serve(schema_404)
    outcome = check_redoc(browser, f"{ORIGIN}/redoc")
    assert not outcome.renders and outcome.heading == "Something went wrong..."
    assert outcome.failure == f"Something went wrong...: Failed to load {ORIGIN}/openapi.json: 404 Not Found"


def test_try_it_out_towards_an_external_server_is_blocked_and_reported(browser: Browser, serve):
    """A schema whose first server is on the internet would make "Try it out" leave the lab; the
    guard must stop that request and the check must see it as sent, with no answer."""
    serve(first_server_external)
    outcome = check_swagger(browser, f"{ORIGIN}/docs")
    assert outcome.renders and outcome.try_it_out is not None
    assert outcome.try_it_out.url == "https://stag.example.com/app"
    assert outcome.try_it_out.status is None and "BLOCKED_BY_CLIENT" in (outcome.try_it_out.failure or "")
    assert untolerated(browser.guard.take()) == ["https://stag.example.com/app"]


# --- which URLs count as loopback ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:9999/api/v1/docs", True),
        ("http://127.30.0.14:8000/app", True),  # the native backend's service addresses
        ("http://localhost:8000/docs", True),
        ("http://[::1]:8000/docs", True),
        ("blob:http://127.0.0.1:9999/0f6b", True),  # ReDoc's worker: no network at all
        ("data:image/png;base64,AAAA", True),
        ("https://cdn.redoc.ly/redoc/logo-mini.svg", False),
        ("http://172.30.0.2:9001/api/v1/app", False),  # the Compose network: not this machine's loopback
        ("http://127.0.0.1.example.com/x", False),  # a name that only looks like an address
    ],
)
def test_is_loopback(url: str, loopback: bool):
    """The offline guard would let a request out to the network, or block the lab's own routes."""
    assert is_loopback(url) is loopback


def test_no_outside_request_is_tolerated():
    """Every docs asset comes from the app (ReDoc's CDN badge is refused by the app's CSP); a
    tolerated URL would have to be a reviewed decision with its reason, not a quiet addition."""
    assert TOLERATED_EXTERNAL == {}
    outside = ["https://cdn.redoc.ly/redoc/logo-mini.svg", "https://unpkg.com/x.js"]
    assert untolerated(outside) == outside
