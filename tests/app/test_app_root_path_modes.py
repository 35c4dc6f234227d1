"""What the app sees and builds in each root_path mode: /app, the /items redirect, 404s.

The expectations are facts of the pinned versions (FastAPI 0.165, Starlette 1.10, uvicorn 0.55),
reached with the uvicorn-equivalent scopes described in app_modes.py. Hosts are "testserver"
because TestClient sends `Host: testserver`.
"""

from __future__ import annotations

import pytest
from app_modes import (
    APP_ROOT_PATH,
    APP_ROOT_PATH_PREFIX_KEPT,
    PLAIN,
    PLAIN_PREFIX_KEPT,
    PREFIX,
    SERVER_ROOT_PATH,
    SERVER_ROOT_PATH_PREFIX_KEPT,
    Mode,
    build_app,
    case_id,
)
from fastapi.exceptions import FastAPIDeprecationWarning
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

# --- GET /app in each mode ------------------------------------------------------------------
# Note the app-root-path row: FastAPI(root_path=...) sets scope["root_path"] but leaves the path
# as the stripping proxy sent it, so `url` lacks /api/v1 while base_url and url_for have it.
APP_REPORT_CASES = [
    (
        PLAIN,
        {
            "root_path_mode": "none",
            "path": "/app",
            "raw_path": "/app",
            "root_path": "",
            "url": "http://testserver/app",
            "base_url": "http://testserver/",
            "url_for": "http://testserver/app",
            "static_url": "http://testserver/static/hello.txt",
        },
    ),
    (
        SERVER_ROOT_PATH,
        {
            "root_path_mode": "server",
            "path": "/api/v1/app",
            "raw_path": "/api/v1/app",
            "root_path": "/api/v1",
            "url": "http://testserver/api/v1/app",
            "base_url": "http://testserver/api/v1/",
            "url_for": "http://testserver/api/v1/app",
            "static_url": "http://testserver/api/v1/static/hello.txt",
        },
    ),
    (
        APP_ROOT_PATH,
        {
            "root_path_mode": "app",
            "path": "/app",
            "raw_path": "/app",
            "root_path": "/api/v1",
            "url": "http://testserver/app",
            "base_url": "http://testserver/api/v1/",
            "url_for": "http://testserver/api/v1/app",
            "static_url": "http://testserver/api/v1/static/hello.txt",
        },
    ),
    (
        APP_ROOT_PATH_PREFIX_KEPT,
        {
            "root_path_mode": "app",
            "path": "/api/v1/app",
            "raw_path": "/api/v1/app",
            "root_path": "/api/v1",
            "url": "http://testserver/api/v1/app",
            "base_url": "http://testserver/api/v1/",
            "url_for": "http://testserver/api/v1/app",
            "static_url": "http://testserver/api/v1/static/hello.txt",
        },
    ),
]


@pytest.mark.parametrize(("mode", "expected"), APP_REPORT_CASES, ids=case_id)
def test_app_route_reports_the_scope_of_each_mode(mode: Mode, expected: dict[str, str]) -> None:
    """The /app report would not show what the docs' tutorial001-003 modes really hand the app."""
    with mode.client() as client:
        response = client.get(mode.url_path("/app"))
    assert response.status_code == 200
    report = response.json()
    assert report["message"] == "Hello World"
    assert {key: report[key] for key in expected} == expected


# --- where Starlette's trailing-slash redirect points ----------------------------------------
# Location is URL(scope) with "/" appended to scope["path"]: right with --root-path (the path
# carries the prefix), wrong behind a stripping proxy with FastAPI(root_path=...).
@pytest.mark.parametrize(
    ("mode", "location"),
    [
        (PLAIN, "http://testserver/items/"),
        (SERVER_ROOT_PATH, "http://testserver/api/v1/items/"),
        (APP_ROOT_PATH, "http://testserver/items/"),  # the browser would leave /api/v1
        (APP_ROOT_PATH_PREFIX_KEPT, "http://testserver/api/v1/items/"),
    ],
    ids=case_id,
)
def test_items_without_slash_redirects_to(mode: Mode, location: str) -> None:
    """The redirect probe would no longer show the Location the proxies have to cope with."""
    with mode.client() as client:
        redirect = client.get(mode.url_path("/items"))
        target = client.get(mode.url_path("/items/"))
    assert redirect.status_code == 307
    assert redirect.headers["location"] == location
    assert target.status_code == 200
    assert target.json() == [
        {"id": 1, "name": "hammer"},
        {"id": 2, "name": "saw"},
        {"id": 3, "name": "drill"},
    ]


# --- a proxy that keeps /api/v1 in front of an app that does not expect it --------------------
@pytest.mark.parametrize(
    ("mode", "path_the_app_gets"),
    [
        (PLAIN_PREFIX_KEPT, "/api/v1/app"),  # nothing told the app about /api/v1
        (SERVER_ROOT_PATH_PREFIX_KEPT, "/api/v1/api/v1/app"),  # uvicorn prepends its root_path again
    ],
    ids=case_id,
)
def test_kept_prefix_is_a_404_unless_the_app_strips_it(mode: Mode, path_the_app_gets: str) -> None:
    """A "keep the prefix" route would wrongly look fine for apps that cannot route /api/v1/...."""
    with mode.client() as client:
        response = client.get(mode.url_path("/app"))
    assert response.status_code == 404
    assert response.json()["path"] == path_the_app_gets


# --- TestClient's root_path, compared with uvicorn's -----------------------------------------
def test_testclient_root_path_does_not_prefix_the_path() -> None:
    """The tests' uvicorn emulation (app_modes.py) would be wrong about Starlette 1.10's TestClient.

    TestClient(root_path=...) only sets scope["root_path"]; a request for /app reaches the app as
    path "/app" (what FastAPI(root_path=...) behind a stripping proxy also gives), whereas uvicorn
    --root-path would hand it "/api/v1/app" (test_app_uvicorn_cli.py).
    """
    with TestClient(build_app(Settings()), root_path=PREFIX) as client:
        report = client.get("/app").json()
    assert (report["path"], report["root_path"], report["url"]) == ("/app", PREFIX, "http://testserver/app")
    assert report["url_for"] == "http://testserver/api/v1/app"


def test_app_root_path_is_deprecated_by_fastapi() -> None:
    """FastAPI would have stopped warning (or removed root_path=): the lab's tutorial002 mode changed."""
    with pytest.warns(FastAPIDeprecationWarning, match="root_path"):
        create_app(Settings(app_root_path=PREFIX))
