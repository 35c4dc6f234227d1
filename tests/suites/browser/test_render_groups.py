"""Routes share a Chromium render only when every byte their docs pages load is the same.

The browser suite renders one route of each group of routes whose docs inputs (both pages, the
schema, every asset, the headers that can change a page) are byte-identical once each route's
own origin is a placeholder, and whose "Try it out" answers agree (suites/browser/renders.py).
Here the echo app itself runs under uvicorn on ports of its own, some copies with one byte
changed on the way out, and the real suite code fetches and renders them in Debian's Chromium:
no stack, no stand-in for HTTP or the browser.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.main import create_app
from instruments.chromium.driver import Browser
from proxylab.compose import Route
from suites.browser.inputs import fetch_inputs, placeholders
from suites.browser.renders import Renders

Change = Callable[[bytes], bytes]


class OneResponseChanged:
    """Pass the app through, except the answer for `path`: its body through `change` (same length),
    `header` added, `status` instead of the app's."""

    def __init__(
        self,
        app: ASGIApp,
        path: str,
        change: Change | None = None,
        header: tuple[bytes, bytes] | None = None,
        status: int | None = None,
    ) -> None:
        self.app, self.path, self.change, self.header, self.status = app, path, change, header, status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        body = b""

        async def changed(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                start = {**message, "headers": [*message["headers"], *([self.header] if self.header else [])]}
                start["status"] = self.status or message["status"]
                return
            body += message.get("body", b"")
            if message.get("more_body"):
                return
            new = self.change(body) if self.change else body
            assert len(new) == len(body) and (new != body or not self.change), "the change changed nothing"
            await send(start)
            await send({"type": "http.response.body", "body": new})

        await self.app(scope, receive, changed)


def flip_middle_byte(body: bytes) -> bytes:
    middle = len(body) // 2
    return body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1 :]


@contextmanager
def serving(app: ASGIApp) -> Iterator[Route]:
    """`app` under uvicorn on a free loopback port, as a direct route of its own."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield Route("echo", None, "127.0.0.1", listener.getsockname()[1], "echo", None)
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


@pytest.fixture
def routes() -> Iterator[Callable[..., Route]]:
    """routes(path=None, **changes): a new echo app on its own port, the answer for `path`
    changed as OneResponseChanged says."""
    with ExitStack() as stack:

        def start(path: str | None = None, **changes) -> Route:
            app = create_app()
            return stack.enter_context(serving(OneResponseChanged(app, path, **changes) if path else app))

        yield start


# --- the digest: which inputs it takes ------------------------------------------------------


def test_identical_apps_on_two_ports_have_one_digest(routes):
    """Two copies of one app (each naming its own origin) would get two renders: the suite
    would gain nothing from grouping, and the placeholders would not work."""
    first, second = fetch_inputs(routes()), fetch_inputs(routes())
    assert first.digest == second.digest
    assert [f.url.rsplit("/", 1)[1] for f in first.fetched] == [
        "docs",
        "openapi.json",
        "swagger-ui.css",
        "favicon.png",
        "swagger-ui-bundle.js",
        "redoc",
        "redoc.standalone.js",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/docs",
        "/redoc",
        "/openapi.json",
        "/docs-assets/swagger-ui-bundle.js",
        "/docs-assets/swagger-ui.css",
        "/docs-assets/redoc.standalone.js",
        "/docs-assets/favicon.png",  # never read by a check, still a byte the browser loads
    ],
)
def test_one_changed_byte_anywhere_changes_the_digest(routes, path: str):
    """A route whose page, schema or asset differs by one byte would share another route's render,
    and its own difference would never be seen."""
    assert fetch_inputs(routes()).digest != fetch_inputs(routes(path, change=flip_middle_byte)).digest


def test_a_header_that_can_change_the_page_changes_the_digest(routes):
    """A header such as Content-Security-Policy changes what the browser loads and shows (the
    app's ReDoc CSP keeps the CDN badge out); left out of the digest it could hide a difference."""
    tightened = (b"content-security-policy", b"script-src 'none'")
    assert fetch_inputs(routes()).digest != fetch_inputs(routes("/docs", header=tightened)).digest


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("http://127.0.0.1:9004/api/v1/app", "{origin}/api/v1/app"),  # the route's own origin
        ("Host: 127.0.0.1:9004", "Host: {netloc}"),
        ("http://127.0.0.1:9002/api/v1/app", "http://127.0.0.1:9002/api/v1/app"),  # another route's
        ("http://127.0.0.1:90041/x", "http://127.0.0.1:90041/x"),  # a longer port is another port
        ("https://127.0.0.1:9004/x", "https://{netloc}/x"),  # another scheme is another origin
        ("http://10.127.0.0.1:9004/x", "http://10.127.0.0.1:9004/x"),  # another host ending the same
    ],
)
def test_only_the_routes_own_origin_becomes_a_placeholder(text: str, shown: str):
    """Two routes naming different servers would look identical (a difference hidden), or a route
    naming itself would look unlike its twins (a render wasted)."""
    assert placeholders(text, Route("r", "traefik", "127.0.0.1", 9004, "app", True)) == shown


# --- the renders: one per group, and a changed byte is rendered --------------------------------


def test_a_route_whose_inputs_differ_by_one_byte_gets_its_own_render(
    browser: Browser, routes, tmp_path: Path
):
    """Two byte-identical apps must share one Chromium render (and each get the screenshots),
    and a third whose schema differs by one byte (version 0.1.0 → 0.1.1) must be rendered
    itself; otherwise grouping either saves nothing or hides what that byte changes."""
    first, twin = routes(), routes()
    changed = routes(
        "/openapi.json", change=lambda body: body.replace(b'"version":"0.1.0"', b'"version":"0.1.1"')
    )
    renders = Renders(browser, tmp_path)
    checks = [renders.check(route) for route in (first, twin, changed)]
    assert [check.rendered_as for check in checks] == [None, first, None]
    assert renders.renders == [first, changed]
    assert all(not check.problems() for check in checks), [check.problems() for check in checks]
    assert checks[1].fields() == checks[0].fields() == checks[2].fields()
    for page in ("docs", "redoc"):
        shots = [(tmp_path / f"{route.port}-{page}.png").read_bytes() for route in (first, twin, changed)]
        assert shots[1] == shots[0] != shots[2]  # ReDoc's heading reads "proxylab echo (0.1.1)"


def test_a_route_whose_try_it_out_answer_differs_gets_its_own_render(
    browser: Browser, routes, tmp_path: Path
):
    """Identical docs inputs but another answer to GET /app (here 418 instead of 200): the route
    must be rendered itself and report its own status, not the first route's screenshot and 200."""
    first, teapot = routes(), routes("/app", status=418)
    assert fetch_inputs(first).digest == fetch_inputs(teapot).digest
    renders = Renders(browser, tmp_path)
    checks = [renders.check(first), renders.check(teapot)]
    assert renders.renders == [first, teapot]
    assert [check.fields()["try_it_out_status"] for check in checks] == [200, 418]
    assert all(not check.problems() for check in checks), [check.problems() for check in checks]


def test_a_route_sharing_a_render_chromium_gave_up_on_has_no_screenshot(
    browser: Browser, routes, tmp_path: Path
):
    """Docs pages that redirect to themselves (Chromium gives up: ERR_TOO_MANY_REDIRECTS) leave
    no picture. The route sharing that render must then have none either: not a crash looking
    for the render's picture, and not an older run's picture under its name."""
    loop = {"status": 307, "header": (b"location", b"/docs")}
    first, twin = routes("/docs", **loop), routes("/docs", **loop)
    stale = tmp_path / f"{twin.port}-docs.png"
    stale.write_bytes(b"an older run's picture")
    renders = Renders(browser, tmp_path)
    checks = [renders.check(first), renders.check(twin)]
    assert "ERR_TOO_MANY_REDIRECTS" in (checks[0].render.swagger.failure or "")
    assert checks[1].rendered_as == first
    assert not (tmp_path / f"{first.port}-docs.png").exists()
    assert not stale.exists()
