"""Traefik's Kubernetes providers route by the objects in k8s/, as the real API server stored them.

The control plane (ports 6543, 2479), Traefik on 94xx (traefik-k8s/traefik.yml) and three apps of
the test's own on 127.31.0.N (a network the stack never uses, so a running stack is never touched)
take k8s/native with its EndpointSlices pointed at those apps.
A failure names the provider and the route that no longer does what k8s/ says.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from k8s_plane import require_built

from proxylab import ports
from proxylab.k8s.crds import ensure_crds
from proxylab.k8s.manifests import apply_folder
from proxylab.k8s.plane import ControlPlane
from proxylab.k8s.tools import TOOLS
from proxylab.native.processes import start_time, stop_group
from proxylab.paths import REPO
from proxylab.proxies.traefik import TOOL as TRAEFIK

pytestmark = pytest.mark.lifecycle
APISERVER_PORT, KINE_PORT = 6543, 2479
TRAEFIK_PORTS = (9402, 9411, 9412, 9416, 9421, 9422, 9426, 9431, 9441, 9490)
# The test's apps: compose.yaml's app-plain, app-server-root-path and app-forwarded-prefix, on 127.31.0.N.
APPS = {
    "app-plain": ("127.31.0.10", []),
    "app-server-root-path": ("127.31.0.11", ["--root-path", "/api/v1"]),
    "app-forwarded-prefix": ("127.31.0.40", []),
}


def _moved(folder: Path) -> Path:
    """k8s/native and what it lists, with each app's EndpointSlice naming the test's app instead."""
    for part in ("base", "apps-outside", "native"):
        shutil.copytree(REPO / "k8s" / part, folder / part)
    endpoints = folder / "native" / "endpoints.yaml"
    slices = [body for body in yaml.safe_load_all(endpoints.read_text()) if body]
    for endpoint_slice in slices:
        address = APPS[endpoint_slice["metadata"]["name"]][0]
        endpoint_slice["endpoints"][0]["addresses"] = [address]
        endpoint_slice["ports"][0]["port"] = 8000
    endpoints.write_text(yaml.safe_dump_all(slices))
    return folder / "native"


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory):
    require_built((*TOOLS, TRAEFIK))
    busy = [p for p in (APISERVER_PORT, KINE_PORT, *TRAEFIK_PORTS) if ports.listening("127.0.0.1", p)]
    if busy and not os.environ.get("CI"):
        pytest.skip(f"ports {busy} are in use (`make down` stops the stack's Kubernetes routes)")
    assert not busy, f"ports {busy} are in use before the routing test starts"
    root = tmp_path_factory.mktemp("k8s-routing")
    apps = [_start_app(name, address, extra, root) for name, (address, extra) in APPS.items()]
    plane = ControlPlane(root / "run", APISERVER_PORT, KINE_PORT)
    try:
        plane.up(log=lambda line: None)
        with plane.api() as api:
            for folder in ensure_crds():
                apply_folder(api, folder)
            apply_folder(api, _moved(root / "manifests"))
            # The price of naming a loopback app: FQDN slices are deprecated, and the server says so.
            assert api.warnings and all("FQDN endpoints are deprecated" in w for w in api.warnings)
        plane.start_traefik(log=lambda line: None)
        for port in (9411, 9412, 9416, 9421, 9422, 9426):
            _wait_served(f"http://127.0.0.1:{port}/api/v1/app")
        yield plane
    finally:
        plane.down()
        for pid, began in apps:
            stop_group(pid, began, signal.SIGTERM, grace=5)
    assert not any(ports.listening("127.0.0.1", p) for p in (APISERVER_PORT, KINE_PORT, *TRAEFIK_PORTS))


def _start_app(name: str, address: str, extra: list[str], root: Path) -> tuple[int, int]:
    """uvicorn with the echo app on `address`:8000; its pid and kernel start time."""
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", address, "--port", "8000", *extra]
    env = {**os.environ, "PROXYLAB_INSTANCE": name, "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    if name == "app-forwarded-prefix":  # compose.yaml's: tutorial005, anyone's header believed
        env["PROXYLAB_FORWARDED_PREFIX"] = "docs"
    with (root / f"{name}.log").open("w") as log:
        child = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return child.pid, start_time(child.pid) or 0


def _wait_served(url: str, timeout: float = 20.0) -> None:
    """Until Traefik serves a router from the objects (the providers sync after it starts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{url} was not served {timeout:.0f} s after Traefik started")


# (port, provider, app, its request path (root_path included), X-Forwarded-Prefix it gets, its root_path)
ROUTED = [
    # A plain Ingress and Traefik's StripPrefix Middleware (kubernetesIngress + kubernetesCRD).
    (9411, "kubernetesIngress", "app-plain", "/app", "/api/v1", ""),
    (9412, "kubernetesIngress", "app-server-root-path", "/api/v1/app", "/api/v1", "/api/v1"),
    # tutorial005 learns the prefix from the header StripPrefix sends.
    (9416, "kubernetesIngress", "app-forwarded-prefix", "/app", "/api/v1", "/api/v1"),
    # HTTPRoute, URLRewrite ReplacePrefixMatch "/": rewritten, and no X-Forwarded-Prefix is sent...
    (9421, "kubernetesGateway", "app-plain", "/app", None, ""),
    (9422, "kubernetesGateway", "app-server-root-path", "/api/v1/app", None, "/api/v1"),
    # ...so tutorial005 learns no prefix: its docs would ask for /openapi.json, outside /api/v1.
    (9426, "kubernetesGateway", "app-forwarded-prefix", "/app", None, ""),
]


@pytest.mark.parametrize("route", ROUTED, ids=[f"{port}-{provider}" for port, provider, *_ in ROUTED])
def test_a_provider_routes_by_the_objects(routes, route: tuple) -> None:
    """A failure: the provider no longer routes /api/v1/app as the object on this port says."""
    port, provider, app, path, prefix, root_path = route
    answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/app", timeout=5)
    assert answer.status_code == 200, f"{provider} on {port}: {answer.status_code} {answer.text[:200]}"
    echo = answer.json()
    assert (echo["instance"], echo["path"]) == (app, path), f"{provider} on {port}"
    assert echo["forwarded_headers"].get("x-forwarded-prefix") == prefix, f"{provider} on {port}"
    assert echo["root_path"] == root_path, f"{provider} on {port}"


def test_the_ingress_nginx_provider_ignores_rewrite_target(routes) -> None:
    """Traefik v3.6.12 lists rewrite-target and x-forwarded-prefix among the Ingress-NGINX
    provider's unsupported annotations: the app gets /api/v1/app as sent, as if asked directly.
    A failure means Traefik now rewrites (v3.7 implements them): the lesson must change."""
    through = httpx.get("http://127.0.0.1:9402/api/v1/app", timeout=5)
    direct = httpx.get(f"http://{APPS['app-server-root-path'][0]}:8000/api/v1/app", timeout=5)
    assert through.headers["x-proxylab-instance"] == "app-server-root-path"
    assert (through.status_code, through.json()) == (direct.status_code, direct.json())


# (port, provider, what a client asks, the status, the app that answers or None for Traefik's own)
PREFIX_EDGES = [
    # Ingress pathType Prefix is element-wise in the spec; Traefik's Ingress provider matches by
    # characters unless strictPrefixMatching: /api/v1x reaches the app, stripped to /x.
    (9411, "kubernetesIngress", "/api/v1x", "app-plain"),
    # The Gateway provider's PathPrefix is element-wise: /api/v1x is no route (Traefik's 404).
    (9421, "kubernetesGateway", "/api/v1x", None),
]


@pytest.mark.parametrize("edge", PREFIX_EDGES, ids=[f"{port}-{path}" for port, _, path, _ in PREFIX_EDGES])
def test_a_prefix_matches_as_each_provider_reads_it(routes, edge: tuple) -> None:
    """A failure: the provider's prefix matching changed (a Traefik upgrade, strictPrefixMatching)."""
    port, provider, path, app = edge
    answer = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    assert answer.headers.get("x-proxylab-instance") == app, f"{provider} on {port} for {path}"


# (what a client asks on 9421, 9431 or 9441, the path the app gets): Traefik's ReplacePrefixMatch
# is path.Join(replacement, rest) with the request's trailing slash put back (pkg/middlewares/
# gatewayapi/urlrewrite); others differ here (envoyproxy/gateway#2976's //bar, gateway-api#4660).
# //app is /app before any rewrite: the entry point cleans the path (sanitizePath).
REPLACED = [
    (9421, "/api/v1", "/"),
    (9421, "/api/v1/", "/"),
    (9421, "/api/v1//app", "/app"),
    (9431, "/api/v1", "/v2"),
    (9431, "/api/v1/", "/v2/"),
    (9431, "/api/v1/app", "/v2/app"),
    (9431, "/api/v1/app/", "/v2/app/"),
    # A prefix match of "/" replaced by "/v2", the case the spec's table leaves out (gateway-api#3592).
    (9441, "/app", "/v2/app"),
    (9441, "/", "/v2/"),
]


@pytest.mark.parametrize(("port", "asked", "sent"), REPLACED)
def test_replace_prefix_match_at_its_edges(routes, port: int, asked: str, sent: str) -> None:
    """A failure: Traefik's URLRewrite joins the prefix differently (an upgrade): the lab's table
    of edge cases must be measured again. The echo app answers 404 for most of these paths; its
    error body names the path it got, which is what is compared."""
    answer = httpx.get(f"http://127.0.0.1:{port}{asked}", timeout=5)
    assert answer.headers.get("x-proxylab-instance") == "app-plain", answer.text[:200]
    assert answer.json()["path"] == sent


def test_traefik_writes_the_gateway_api_status_back(routes: ControlPlane) -> None:
    """A Gateway controller reports through the API server: the Gateway Programmed, each HTTPRoute
    Accepted by it. A failure: Traefik no longer claims the objects (`kubectl get httproute` would
    show no parent), though it may still route."""
    with routes.api() as api:
        gateway = api.read("gateway.networking.k8s.io/v1", "Gateway", "proxylab", "proxylab")
        assert _condition(gateway["status"]["conditions"], "Programmed") == "True", gateway["status"]
        route = api.read("gateway.networking.k8s.io/v1", "HTTPRoute", "rewrite-to-app-plain", "proxylab")
        parents = route["status"]["parents"]
        assert parents and parents[0]["controllerName"] == "traefik.io/gateway-controller"
        assert _condition(parents[0]["conditions"], "Accepted") == "True", parents


def _condition(conditions: list[dict], kind: str) -> str | None:
    return next((c["status"] for c in conditions if c["type"] == kind), None)


# The other way to name a loopback app, kept out of k8s/: an ExternalName Service to its address.
BACKEND = {"service": {"name": "external-app-plain", "port": {"number": 8000}}}
EXTERNAL_NAME = [
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "external-app-plain"},
        "spec": {"type": "ExternalName", "externalName": APPS["app-plain"][0], "ports": [{"port": 8000}]},
    },
    *(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": f"external-{klass}", "annotations": annotations},
            "spec": {
                "ingressClassName": klass,
                "rules": [
                    {"http": {"paths": [{"path": "/external", "pathType": "Prefix", "backend": BACKEND}]}}
                ],
            },
        }
        for klass, annotations in (
            (
                "traefik",
                {"traefik.ingress.kubernetes.io/router.entrypoints": "k8s-ingress-strip-to-app-plain"},
            ),
            ("nginx", {}),
        )
    ),
    {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "external"},
        "spec": {
            "parentRefs": [{"name": "proxylab", "sectionName": "rewrite-v2-to-app-plain"}],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/external"}}],
                    "backendRefs": [{"name": "external-app-plain", "port": 8000}],
                }
            ],
        },
    },
]


def test_an_external_name_serves_the_ingress_providers_not_the_gateway(routes: ControlPlane) -> None:
    """Why k8s/native uses FQDN EndpointSlices: an ExternalName Service to a loopback app takes
    both Ingress providers there (9411, 9402), but the Gateway provider refuses it (its HTTPRoute's
    ResolvedRefs is False; 9431 answers 500). A failure: a provider changed its mind."""
    with routes.api() as api:
        for document in EXTERNAL_NAME:
            api.apply(document, "proxylab")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            answers = {
                port: httpx.get(f"http://127.0.0.1:{port}/external", timeout=5) for port in (9411, 9402, 9431)
            }
            ingresses = (answers[9411], answers[9402])
            # The HTTPRoute's router exists once the Gateway provider has read it: a 500, not a 404.
            served = answers[9431].status_code != 404
            if served and all(a.headers.get("x-proxylab-instance") == "app-plain" for a in ingresses):
                break
            time.sleep(0.25)
        assert answers[9411].headers.get("x-proxylab-instance") == "app-plain"
        assert answers[9402].headers.get("x-proxylab-instance") == "app-plain"
        assert answers[9431].status_code == 500
        route = api.read("gateway.networking.k8s.io/v1", "HTTPRoute", "external", "proxylab")
        conditions = route["status"]["parents"][0]["conditions"]
        refused = next(c for c in conditions if c["type"] == "ResolvedRefs")
        assert refused["status"] == "False" and "ExternalName is not supported" in refused["message"]


def _slice(conditions: dict) -> dict:
    """app-plain's EndpointSlice as k8s/native has it (moved to the test's app), with `conditions`."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "app-plain", "labels": {"kubernetes.io/service-name": "app-plain"}},
        "addressType": "FQDN",
        "ports": [{"name": "http", "port": 8000, "protocol": "TCP"}],
        "endpoints": [{"addresses": [APPS["app-plain"][0]], "conditions": conditions}],
    }


# (the endpoint's conditions, whether 9411 (Ingress provider) and 9421 (Gateway provider) route)
READINESS = [
    # What the EndpointSlice controller writes for a pod that fails its readiness probe.
    ({"ready": False, "serving": False}, False, False),
    # `ready` alone: the Ingress provider reads `serving` (unset counts as serving), the Gateway
    # provider `ready` (pkg/provider/kubernetes/{ingress,gateway}/kubernetes.go).
    ({"ready": False}, True, False),
    ({"ready": True}, True, True),
]


@pytest.mark.parametrize(("conditions", "ingress", "gateway"), READINESS)
def test_an_endpoint_turned_not_ready_leaves_the_route(
    routes: ControlPlane, conditions: dict, ingress: bool, gateway: bool
) -> None:
    """Readiness without a kubelet: the endpoint's conditions, set by hand as a controller would,
    take the app out of each provider's route (no 200 from it). A failure: a provider reads
    other conditions than it did."""
    with routes.api() as api:
        api.apply(_slice(conditions), "proxylab")
    wanted = {9411: ingress, 9421: gateway}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        seen = {port: _routes_to_the_app(port) for port in wanted}
        if seen == wanted:
            break
        time.sleep(0.25)
    with routes.api() as api:
        api.apply(_slice({"ready": True}), "proxylab")
    assert seen == wanted, f"conditions {conditions}: routed {seen}, expected {wanted}"


def _routes_to_the_app(port: int) -> bool:
    return httpx.get(f"http://127.0.0.1:{port}/api/v1/app", timeout=5).status_code == 200
