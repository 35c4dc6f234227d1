"""Every response names the instance that produced it (X-Proxylab-Instance)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.mark.parametrize(
    "path,status", [("/app", 200), ("/nowhere", 404), ("/items", 307), ("/health/live", 200)]
)
def test_every_response_names_its_instance(path, status):
    """Without the header, a route test cannot tell which app answered a 404 through a proxy."""
    client = TestClient(create_app(Settings(instance="app-under-test")))
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status
    assert response.headers["x-proxylab-instance"] == "app-under-test"
