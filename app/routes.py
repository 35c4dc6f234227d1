"""The routes a lab looks through a proxy at: /app, /echo/{path}, /items/.

What:
  GET  /app           FastAPI's behind_a_proxy tutorial001 answer plus the echo report and static_url
  ANY  /echo/{path}   the echo report for any method and path below /echo/
  GET  /items/        a small list; GET /items (no slash) gets Starlette's redirect, untouched
When: `create_app` includes `router`; the route names (`show_app`, `echo`, `list_items`) are
what `url_for` is asked for, so they are part of the measurement.
Why: /app is the docs' own example, /echo shows any path the proxy forwards, and /items shows
where Starlette's trailing-slash redirect points (its Location is built from the scope's path).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.echo import build_echo_report
from app.render import render_report
from app.settings import Settings

ECHO_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ITEMS = [{"id": 1, "name": "hammer"}, {"id": 2, "name": "saw"}, {"id": 3, "name": "drill"}]

router = APIRouter()


def settings_of(request: Request) -> Settings:
    """The Settings of the (sub-)application that is answering this request."""
    return request.app.state.settings


@router.get("/app", name="show_app", tags=["echo"])
async def show_app(request: Request) -> Response:
    """The docs' `{"message": "Hello World", "root_path": ...}`, the echo report and static_url."""
    report: dict[str, Any] = {"message": "Hello World"}
    report.update(build_echo_report(request, settings_of(request), "show_app"))
    report["static_url"] = str(request.url_for("static", path="hello.txt"))
    return render_report(request, report)


async def echo(request: Request, path: str) -> Response:
    """The echo report of this request; `url_for` rebuilds this route with the same `path`."""
    return render_report(request, build_echo_report(request, settings_of(request), "echo", path=path))


# One route per method, all named "echo": one multi-method route would give every method the same
# OpenAPI operationId (FastAPI warns "Duplicate Operation ID") in an order that changes per run.
for _method in ECHO_METHODS:
    router.add_api_route(
        "/echo/{path:path}",
        echo,
        methods=[_method],
        name="echo",
        operation_id=f"echo_{_method.lower()}",
        tags=["echo"],
    )


@router.get("/items/", name="list_items", tags=["items"])
async def list_items(limit: Annotated[int, Query(ge=0)] = 3) -> list[dict[str, Any]]:
    """Up to `limit` items. Only the trailing-slash path exists, so /items is redirected here."""
    return ITEMS[:limit]
