"""An admin-style UI mounted at /console: HTML pages with a stylesheet and navigation, no schema.

Like sqladmin or a Gradio app mounted into FastAPI, it names its own URLs with `url_for`, which
builds them from the root_path: behind a proxy that strips the prefix they keep it only when
uvicorn runs with --root-path, and so does the WebSocket its pages open for the unread count.
The doctor checks it by crawling it from its root and opening it in Chromium.
"""

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles


def _page(request: Request, title: str, body: str) -> HTMLResponse:
    css = request.url_for("console-assets", path="style.css")
    home, users = request.url_for("console-home"), request.url_for("console-users")
    # The unread count comes over the app's WebSocket, at the URL url_for gives with ws:// for
    # http://: a front-end's usual way, and one more URL that needs the root_path.
    live = request.url_for("notifications").replace(scheme="wss" if request.url.scheme == "https" else "ws")
    return HTMLResponse(
        f'<!doctype html><html><head><title>{title}</title><link rel="stylesheet" href="{css}"></head>'
        f'<body><nav><a href="{home}">Home</a> <a href="{users}">Users</a> <span id="unread"></span></nav>'
        f"<h1>{title}</h1>{body}"
        f'<script>new WebSocket("{live}").onmessage = (event) => {{'
        f' document.getElementById("unread").textContent = event.data; }};</script></body></html>'
    )


async def home(request: Request) -> HTMLResponse:
    return _page(request, "Console", "<p>1 user, 1 item.</p>")


async def users(request: Request) -> HTMLResponse:
    return _page(request, "Users", "<ul><li>alice</li></ul>")


console = Starlette(
    routes=[
        Route("/", home, name="console-home"),
        Route("/users", users, name="console-users"),
        Mount("/assets", StaticFiles(directory=Path(__file__).parent / "assets"), name="console-assets"),
    ]
)
