"""The FastAPI docs' "Behind a Proxy" experiment, reproduced through Traefik and Nginx.

The app runs as `uvicorn app.main:app --root-path /api/v1` and the proxy strips /api/v1. The
docs promise: /app answers with root_path /api/v1 both directly and through the proxy; the docs
UI works through the proxy; and the docs UI on the app directly asks for a schema URL that the
app does not serve. Traefik's URL is the docs' own (http://127.0.0.1:9999/api/v1/app).
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.stack

DIRECT = "http://127.0.0.1:8000"
THROUGH_PROXY = {"traefik": "http://127.0.0.1:9999/api/v1", "nginx": "http://127.0.0.1:9102/api/v1"}


@pytest.mark.parametrize("base", [DIRECT, *THROUGH_PROXY.values()], ids=["direct", *THROUGH_PROXY])
def test_app_reports_the_root_path(running_stack, http, base):
    """The docs' tutorial001 response; without it, the app never learned the prefix."""
    body = http.get(base + "/app", timeout=5).json()
    assert (body["message"], body["root_path"]) == ("Hello World", "/api/v1")


@pytest.mark.parametrize("proxy", THROUGH_PROXY)
def test_docs_page_through_the_proxy_asks_for_a_schema_the_proxy_serves(running_stack, http, proxy):
    """The docs page would ask for the schema (or its JavaScript) at a URL the proxy does not
    serve: the page loads but stays empty in a browser."""
    base = THROUGH_PROXY[proxy]
    page = http.get(base + "/docs", timeout=5)
    assert page.status_code == 200
    assert "'/api/v1/openapi.json'" in page.text or '"/api/v1/openapi.json"' in page.text
    assets = re.findall(r"""(?:src|href)=["'](/[^"']+)["']""", page.text)
    assert assets, "the docs page references no assets of its own"
    for asset in assets:
        assert asset.startswith("/api/v1/"), f"{asset} is outside the prefix the proxy serves"
        assert http.get(base.removesuffix("/api/v1") + asset, timeout=5).status_code == 200, asset


@pytest.mark.parametrize("proxy", THROUGH_PROXY)
def test_schema_through_the_proxy_declares_the_prefix_as_its_server(running_stack, http, proxy):
    """Swagger UI's "Try it out" would call /app instead of /api/v1/app."""
    schema = http.get(THROUGH_PROXY[proxy] + "/openapi.json", timeout=5).json()
    assert schema["servers"] == [{"url": "/api/v1"}]


def test_docs_on_the_app_directly_ask_for_a_schema_url_the_app_does_not_serve(running_stack, http):
    """The docs' point: the docs UI only works through the proxy. If this starts passing
    differently, uvicorn stopped prepending root_path to the request path."""
    page = http.get(DIRECT + "/docs", timeout=5)
    assert "/api/v1/openapi.json" in page.text
    assert http.get(DIRECT + "/api/v1/openapi.json", timeout=5).status_code == 404
