"""A separate FastAPI application mounted at /sub, with its own echo at /sub/echo.

What: `create_sub_app(settings)` builds a FastAPI() of its own (its own OpenAPI at
/sub/openapi.json, offline docs at /sub/docs, JSON errors) whose echo reports the instance as
"<instance>/sub".
When: `create_app` mounts it with `app.mount(SUB_MOUNT_PATH, ..., name=SUB_MOUNT_NAME)`.
Why: FastAPI's Behind a Proxy docs say mounts "just work" with root_path; this shows what the
sub-app receives: its scope root_path is the outer root_path plus "/sub", while Starlette keeps
the outer one in `app_root_path` for `base_url` and `url_for`.

Starlette 1.10 sets `scope["router"]` once, at the outermost router, so `request.url_for` inside
the sub-app resolves names against the *main* app's routes: this route is "sub:echo", the mount's
name plus the sub-app's route name.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI, Request
from fastapi.responses import Response

from app.docs import add_offline_docs
from app.echo import build_echo_report
from app.errors import install_error_handlers
from app.render import render_report
from app.settings import Settings

SUB_MOUNT_PATH = "/sub"
SUB_MOUNT_NAME = "sub"
SUB_ECHO_ROUTE_NAME = "echo"


def create_sub_app(settings: Settings) -> FastAPI:
    """The sub-application; it never gets FastAPI(root_path=...): the mount gives it its prefix."""
    sub_app = FastAPI(
        title="proxylab echo (mounted sub-app)",
        docs_url=None,
        redoc_url=None,
        root_path_in_servers=settings.root_path_in_servers,
    )
    sub_app.state.settings = replace(settings, instance=f"{settings.instance}/sub")
    install_error_handlers(sub_app)
    add_offline_docs(sub_app)

    @sub_app.get("/echo", name=SUB_ECHO_ROUTE_NAME, tags=["echo"])
    async def sub_echo(request: Request) -> Response:
        """The echo report as the mounted sub-app sees the request."""
        url_name = f"{SUB_MOUNT_NAME}:{SUB_ECHO_ROUTE_NAME}"
        return render_report(request, build_echo_report(request, request.app.state.settings, url_name))

    return sub_app
