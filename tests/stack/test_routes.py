"""Every route in compose.yaml answers from the app it names, stripping /api/v1 as declared.

These run on the real native stack: uvicorn processes behind Traefik (built from its Go module)
and Debian's Nginx. A failure here means a proxy config and compose.yaml's `x-route` disagree,
or the pinned uvicorn/Starlette changed how root_path meets the request path.
"""

from __future__ import annotations

import pytest

from proxylab import compose

pytestmark = pytest.mark.stack
STACK = compose.load()
PROXY_ROUTES = [r for r in STACK.routes if not r.is_direct]

# What the app answers to GET /api/v1/echo/probe through a proxy route, by (strips, app).
# Facts of the pinned versions, explained in lab 02:
#  - uvicorn --root-path prepends the root_path to the path it hands the app
#    (uvicorn/protocols/http/*_impl.py: "path": self.root_path + path);
#  - Starlette routes on the path minus root_path, when the path starts with it
#    (starlette/_utils.py get_route_path).
STATUS_THROUGH_PROXY = {
    (True, "app-plain"): 200,
    (True, "app-server-root-path"): 200,
    (True, "app-app-root-path"): 200,
    # --root-path apps that differ only in their OpenAPI servers (the docs' tutorial004 and 003)
    (True, "app-no-root-path-server"): 200,
    (True, "app-extra-servers"): 200,
    # the replicas of lab 07 are plain apps (no root_path) behind stripping routes
    (True, "app-plain-replica-1"): 200,
    (True, "app-drain-replica-1"): 200,
    (True, "app-retry-replica-1"): 200,
    # nobody removes /api/v1 (or an HTTPRoute replaces it with /v2, 9431): the app has no route there
    (False, "app-plain"): 404,
    # the app receives /api/v1/api/v1/echo/probe and routes /api/v1/echo/probe
    (False, "app-server-root-path"): 404,
    # FastAPI(root_path=...) sets root_path without touching the path: Starlette strips it
    (False, "app-app-root-path"): 200,
    # lab 08/09's apps behind stripping routes: all --root-path apps, so /echo/probe answers 200,
    # except where a middleware answers first (app/guards.py):
    (True, "app-trusts-nobody"): 200,
    (True, "app-trust-all"): 200,
    (True, "app-https-redirect"): 200,
    # it sees http behind TLS and redirects to the URL that was asked for (lab 08's loop)
    (True, "app-https-redirect-untrusted"): 307,
    # lab 11: root_path from X-Forwarded-Prefix (path untouched), and Hypercorn --root-path, which
    # does not prepend root_path to the path: Starlette routes /echo/probe either way
    (True, "app-forwarded-prefix"): 200,
    (True, "app-forwarded-prefix-trusted"): 200,
    (True, "app-hypercorn"): 200,
    # lab 12's chain: a --root-path app behind Traefik's strip, whether or not the edge is in front
    (True, "app-trusts-the-chain"): 200,
    # lab 15: `fastapi run --root-path /api/v1` is uvicorn --root-path (with either trust list)
    (True, "app-fastapi-run"): 200,
    (True, "app-fastapi-run-trusted"): 200,
}
# Nginx's defaults send Host $proxy_host, which app-https-redirect's TrustedHostMiddleware refuses.
STATUS_ON_DEFAULTS = {"app-https-redirect": 400}


@pytest.mark.parametrize("route", STACK.routes, ids=lambda r: f"{r.port}-{r.label}")
def test_every_route_answers_from_its_app(running_stack, http, route):
    """The X-Proxylab-Instance header names the app that answered; if it is another app, the
    proxy config sends this port somewhere compose.yaml does not say. A route to replicas may
    be answered by any of them."""
    path = "/api/v1/echo/probe" if route.proxy else "/echo/probe"
    response = http.get(route.base_url + path, timeout=5, allow_redirects=False)
    expected = STATUS_THROUGH_PROXY[(route.strips, route.app)] if route.proxy else 200
    if route.defaults:
        expected = STATUS_ON_DEFAULTS.get(route.app, expected)
    assert response.headers.get("x-proxylab-instance") in (route.replicas or [route.app]), response.text
    assert response.status_code == expected, response.text


@pytest.mark.parametrize(
    "route", [r for r in PROXY_ROUTES if r.app == "app-plain"], ids=lambda r: f"{r.port}-{r.label}"
)
def test_the_proxy_strips_the_prefix_only_where_declared(running_stack, http, route):
    """app-plain reports the path exactly as it arrived: /echo/probe when the proxy strips
    /api/v1, /api/v1/echo/probe when it keeps it, /v2/echo/probe behind an HTTPRoute that
    replaces it with /v2 (9431) (the 404 body names the path too)."""
    body = http.get(route.base_url + "/api/v1/echo/probe", timeout=5).json()
    kept = {
        "gateway-api-v2": "/v2/echo/probe",  # 9431: /api/v1 replaced with /v2
        "gateway-api-root-v2": "/v2/api/v1/echo/probe",  # 9441: prefix / replaced with /v2
    }.get(route.rewrite or "", "/api/v1/echo/probe")
    assert body["path"] == ("/echo/probe" if route.strips else kept)


@pytest.mark.parametrize(
    # 9441's HTTPRoute matches prefix / on purpose (lab 17's edge case): every path reaches the app.
    "route",
    [r for r in PROXY_ROUTES if r.rewrite != "gateway-api-root-v2"],
    ids=lambda r: f"{r.port}-{r.label}",
)
def test_paths_outside_the_prefix_never_reach_the_app(running_stack, http, route):
    """Every proxy routes only /api/v1/...: /app without the prefix is the proxy's own 404."""
    response = http.get(route.base_url + "/app", timeout=5)
    assert response.status_code == 404
    assert "x-proxylab-instance" not in response.headers
