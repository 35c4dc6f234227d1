"""The browser's request log records the WebSockets a page opens, with the handshake's answer.

A real uvicorn serves a page whose script opens two sockets: one the app accepts, one at a path
it has no route for (Starlette refuses it before accepting; uvicorn answers the handshake 403).
Debian's Chromium loads it. A failure means the doctor's mounted-UI check no longer sees a page's
sockets (instruments/chromium/network.py, NetworkLog._on_websocket): a UI whose live updates go
outside the prefix, or are refused through a proxy, would pass as if it opened none.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from instruments.chromium.driver import Browser, chromium_missing

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))

PAGE = """<!doctype html><title>sockets</title><script>
for (const path of ["/live", "/nowhere"]) {
  new WebSocket(`ws://${location.host}${path}`).onmessage = (event) => { document.title = event.data; };
}
</script>"""


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


async def live(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.receive_text()  # open until the page goes away


APP = Starlette(routes=[Route("/", page), WebSocketRoute("/live", live)])


@pytest.fixture
def base() -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(APP, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def test_a_page_s_sockets_are_logged_with_their_handshake_answer(browser: Browser, base: str) -> None:
    tab, log = browser.page()
    try:
        tab.goto(base + "/", wait_until="load")
        deadline = time.monotonic() + 10
        sockets = []
        while time.monotonic() < deadline:
            sockets = [e for e in log.exchanges if e.resource_type == "websocket"]
            if len(sockets) == 2 and all(e.status for e in sockets):
                break
            tab.wait_for_timeout(50)
    finally:
        tab.close()
    by_url = {e.url.removeprefix(base.replace("http", "ws", 1)): e for e in sockets}
    assert set(by_url) == {"/live", "/nowhere"}, sockets
    assert (by_url["/live"].status, by_url["/live"].failure) == (101, None)
    refused = by_url["/nowhere"]
    assert refused.status == 403 and "Unexpected response code: 403" in (refused.failure or ""), refused
    assert refused.outcome == "403"
