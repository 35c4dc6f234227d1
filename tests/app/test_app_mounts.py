"""The mounted sub-app (/sub) and StaticFiles (/static): what they receive and what url_for gives."""

from __future__ import annotations

import pytest
from app_modes import APP_ROOT_PATH, APP_ROOT_PATH_PREFIX_KEPT, PLAIN, SERVER_ROOT_PATH, Mode, case_id


# --- /sub/echo -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            PLAIN,
            {
                "instance": "app/sub",
                "root_path_mode": "none",
                "path": "/sub/echo",
                "root_path": "/sub",
                "base_url": "http://testserver/",
                "url_for": "http://testserver/sub/echo",
            },
        ),
        (
            SERVER_ROOT_PATH,
            {
                "instance": "app/sub",
                "root_path_mode": "server",
                "path": "/api/v1/sub/echo",
                "root_path": "/api/v1/sub",
                "base_url": "http://testserver/api/v1/",
                "url_for": "http://testserver/api/v1/sub/echo",
            },
        ),
        (
            APP_ROOT_PATH_PREFIX_KEPT,
            {
                "instance": "app/sub",
                "root_path_mode": "app",
                "path": "/api/v1/sub/echo",
                "root_path": "/api/v1/sub",
                "base_url": "http://testserver/api/v1/",
                "url_for": "http://testserver/api/v1/sub/echo",
            },
        ),
    ],
    ids=case_id,
)
def test_sub_app_echo(mode: Mode, expected: dict[str, str]) -> None:
    """The "mounts just work with root_path" claim of the FastAPI docs would go unchecked.

    The sub-app's scope root_path is the outer one plus /sub; base_url stays the outer one
    (Starlette's app_root_path), so url_for("sub:echo") is the full public URL.
    """
    with mode.client() as client:
        response = client.get(mode.url_path("/sub/echo"))
    assert response.status_code == 200
    report = response.json()
    assert {key: report[key] for key in expected} == expected


def test_sub_app_has_its_own_openapi_with_the_mount_in_servers() -> None:
    """The sub-app's docs would call the main app's routes instead of /api/v1/sub/...."""
    with SERVER_ROOT_PATH.client() as client:
        schema = client.get(SERVER_ROOT_PATH.url_path("/sub/openapi.json")).json()
        docs = client.get(SERVER_ROOT_PATH.url_path("/sub/docs")).text
    assert schema["servers"] == [{"url": "/api/v1/sub"}]
    assert set(schema["paths"]) == {"/echo"}
    assert "url: '/api/v1/sub/openapi.json'" in docs


# --- /static/hello.txt ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [PLAIN, SERVER_ROOT_PATH, APP_ROOT_PATH_PREFIX_KEPT], ids=case_id)
def test_static_file_is_served_where_static_url_points(mode: Mode) -> None:
    """The static_url a page would link to would not be where StaticFiles serves the file."""
    with mode.client() as client:
        static_url = client.get(mode.url_path("/app")).json()["static_url"]
        response = client.get(mode.url_path("/static/hello.txt"))
    assert static_url.endswith("/static/hello.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("Hello from proxylab")


# --- FastAPI(root_path=...) behind a stripping proxy: mounts do not match --------------------------
@pytest.mark.parametrize("path", ["/sub/echo", "/static/hello.txt"])
def test_app_root_path_with_stripped_prefix_breaks_mounts(path: str) -> None:
    """A lab's claim that mounts fail in this mode would no longer be true for the pinned Starlette.

    FastAPI(root_path="/api/v1") sets scope["root_path"] but the stripping proxy sent /sub/echo.
    Starlette 1.10's Mount gives the child root_path "/api/v1/sub", and the child then strips its
    root_path from the path only if the path starts with it (starlette/_utils.py get_route_path):
    "/sub/echo" does not, so the sub-app and StaticFiles see the whole path and answer 404.
    Plain routes (/app, /echo, /docs-assets) still match; see test_app_root_path_modes.py.
    """
    with APP_ROOT_PATH.client() as client:
        response = client.get(APP_ROOT_PATH.url_path(path))
    assert response.status_code == 404
    assert response.json()["path"] == path
