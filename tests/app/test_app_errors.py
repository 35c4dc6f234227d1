"""Errors are JSON with a message that helps; a crash never shows a traceback."""

from __future__ import annotations

import pytest
from app_modes import PLAIN, SERVER_ROOT_PATH, Mode, build_app, case_id
from fastapi.testclient import TestClient

from app.settings import Settings


@pytest.mark.parametrize(
    ("mode", "path"),
    [(PLAIN, "/nope"), (SERVER_ROOT_PATH, "/api/v1/nope"), (PLAIN, "/static/missing.txt")],
    ids=case_id,
)
def test_404_is_json_and_names_the_path_the_app_received(mode: Mode, path: str) -> None:
    """A prefix mistake behind a proxy would show an HTML/plain 404 that hides the path the app got."""
    with mode.client() as client:
        response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "not found", "path": path, "detail": "Not Found"}


def test_404_in_the_sub_app_is_json_too() -> None:
    """The mounted sub-app would fall back to Starlette's plain-text errors."""
    with PLAIN.client() as client:
        response = client.get("/sub/nope")
    assert response.json() == {"error": "not found", "path": "/sub/nope", "detail": "Not Found"}


def test_405_is_json_and_keeps_the_allow_header() -> None:
    """A client would not learn which methods /app accepts."""
    with PLAIN.client() as client:
        response = client.post("/app")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == {"error": "method not allowed", "path": "/app", "detail": "Method Not Allowed"}


def test_422_is_fastapis_own_json() -> None:
    """Validation errors would lose FastAPI's per-field detail."""
    with PLAIN.client() as client:
        response = client.get("/items/?limit=many")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_unhandled_exception_is_a_500_json_without_traceback() -> None:
    """A bug would leak a traceback (or an HTML page) to whoever sent the request."""
    app = build_app(Settings())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals at /srv/app/main.py line 42")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal server error", "detail": "RuntimeError"}
    assert "Traceback" not in response.text and "secret" not in response.text
