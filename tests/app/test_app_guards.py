"""HTTPSRedirectMiddleware and TrustedHostMiddleware as PROXYLAB_HTTPS_REDIRECT and
PROXYLAB_TRUSTED_HOSTS switch them on (app/guards.py), with Starlette's TestClient.

The scheme the app believes comes from the scope, so these tests set it the way uvicorn's
proxy-headers middleware would (TestClient's base_url), and the live lab 08 checks the rest.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings, SettingsError

GUARDED = Settings(instance="guarded", https_redirect=True, trusted_hosts=("127.0.0.1", "localhost"))


def client(settings: Settings, base_url: str) -> TestClient:
    return TestClient(create_app(settings), base_url=base_url, follow_redirects=False)


# --- HTTPS redirect ---------------------------------------------------------------------------


def test_http_is_redirected_to_the_same_url_with_https() -> None:
    """Behind a TLS proxy the app does not trust, this is the redirect that loops (lab 08)."""
    response = client(GUARDED, "http://127.0.0.1:9043").get("/app?x=1")
    assert response.status_code == 307
    assert response.headers["location"] == "https://127.0.0.1:9043/app?x=1"
    assert response.headers["x-proxylab-instance"] == "guarded", (
        "the redirect must be stamped as the app's own"
    )


def test_https_passes_through() -> None:
    """A request the app believes is https would be redirected forever, even when trusted."""
    response = client(GUARDED, "https://127.0.0.1:9043").get("/app")
    assert response.status_code == 200 and response.json()["scheme"] == "https"


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_probes_are_exempt(path: str) -> None:
    """A healthcheck over plain http to the app's own address would mark a healthy app unhealthy."""
    with client(GUARDED, "http://127.30.0.31:8000") as probe:  # runs the lifespan: ready
        assert probe.get(path).status_code == 200


# --- trusted hosts ----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "app-https-redirect:8000", "127.30.0.31:8000"])
def test_a_host_not_listed_gets_400(host: str) -> None:
    """A forged Host, or Nginx's default Host $proxy_host, would reach the routes and build URLs."""
    response = client(GUARDED, "https://127.0.0.1:9043").get("/app", headers={"host": host})
    assert response.status_code == 400 and response.text == "Invalid host header"
    assert response.headers["x-proxylab-instance"] == "guarded"


def test_a_listed_host_with_any_port_passes() -> None:
    """Starlette compares the name without the port: every published port must work."""
    assert client(GUARDED, "https://localhost:9143").get("/app").status_code == 200


def test_with_neither_variable_nothing_changes() -> None:
    """The plain apps would start redirecting or refusing hosts."""
    response = client(Settings(), "http://evil.example").get("/app")
    assert response.status_code == 200


# --- settings ---------------------------------------------------------------------------------


def test_the_variables_are_read() -> None:
    """compose.yaml's PROXYLAB_HTTPS_REDIRECT / PROXYLAB_TRUSTED_HOSTS would be ignored."""
    settings = Settings.from_env(
        {"PROXYLAB_HTTPS_REDIRECT": "true", "PROXYLAB_TRUSTED_HOSTS": "127.0.0.1, localhost"}
    )
    assert settings.https_redirect is True and settings.trusted_hosts == ("127.0.0.1", "localhost")


def test_a_host_with_a_port_is_refused_at_startup() -> None:
    """TrustedHostMiddleware compares names without ports: `127.0.0.1:9043` would never match."""
    with pytest.raises(SettingsError, match="PROXYLAB_TRUSTED_HOSTS"):
        Settings.from_env({"PROXYLAB_TRUSTED_HOSTS": "127.0.0.1:9043"})
