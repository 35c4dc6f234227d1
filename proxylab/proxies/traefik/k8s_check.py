"""`make check` for a Traefik that routes by Kubernetes objects (traefik-k8s): each of its ports is
an entry point, and the object in k8s/base that takes that entry point leads to the x-route's app
and strips the prefix exactly when x-route says so.

Which object takes an entry point: an Ingress of class traefik that names it in its
`router.entrypoints` annotation (it strips when a Middleware it names strips the prefix); a
Gateway listener on the entry point's port, and the HTTPRoute attached to it by `sectionName` (it
strips when its URLRewrite replaces the prefix with "/"); the entry point marked asDefault, and the
Ingress of class nginx (ingress-nginx's rewrite-target is not implemented by Traefik v3.6.12's
Ingress-NGINX provider, so it keeps the prefix).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxylab.compose import Port, Stack
from proxylab.k8s.manifests import documents
from proxylab.paths import REPO

OBJECTS = REPO / "k8s" / "base"
ENTRYPOINTS = "traefik.ingress.kubernetes.io/router.entrypoints"
MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"


def uses_kubernetes(static: Mapping[str, Any]) -> bool:
    """Its routes come from Kubernetes providers, not from a file provider."""
    providers = static.get("providers") or {}
    return "file" not in providers and any(name.startswith("kubernetes") for name in providers)


def k8s_route_problems(stack: Stack, where: str, port: Port, static: Mapping[str, Any]) -> list[str]:
    entrypoints = static.get("entryPoints") or {}
    names = {
        name
        for name, spec in entrypoints.items()
        if str((spec or {}).get("address", "")).rpartition(":")[2] == str(port.target)
    }
    if not names:
        return [f"{where}: no entryPoint in traefik-k8s/traefik.yml listens on :{port.target}; add one"]
    default = any((entrypoints[name] or {}).get("asDefault") for name in names)
    found = _routed_by(stack, names, port.target, default)
    if found is None:
        return [
            f"{where}: no object in {OBJECTS.relative_to(REPO)} takes entryPoint {', '.join(sorted(names))} "
            "(an Ingress's router.entrypoints annotation, a Gateway listener on its port, or the "
            "nginx-class Ingress on the asDefault entry point); add one"
        ]
    what, apps, strips = found
    problems = []
    if set(apps) != set(port.route.upstreams):
        problems.append(
            f"{where}: {what} leads to {', '.join(apps) or 'no Service'}, but x-route says "
            f"{', '.join(port.route.upstreams)}; make them agree"
        )
    if strips != bool(port.route.strips):
        problems.append(
            f"{where}: {what} {'strips' if strips else 'keeps'} {stack.prefix} but x-route says strips: "
            f"{str(bool(port.route.strips)).lower()}; make them agree"
        )
    return problems


def _routed_by(stack: Stack, names: set[str], port: int, default: bool) -> tuple[str, list[str], bool] | None:
    bodies = [document.body for document in documents(OBJECTS)]
    by_kind: dict[str, list[dict]] = {}
    for body in bodies:
        by_kind.setdefault(body.get("kind", ""), []).append(body)
    for ingress in by_kind.get("Ingress", []):
        annotations = ingress["metadata"].get("annotations") or {}
        takes = names & {n.strip() for n in str(annotations.get(ENTRYPOINTS, "")).split(",")}
        nginx_default = default and ingress["spec"].get("ingressClassName") == "nginx"
        if takes or nginx_default:
            strips = not nginx_default and _middlewares_strip(
                stack, by_kind, annotations.get(MIDDLEWARES, "")
            )
            return f"Ingress {ingress['metadata']['name']}", _ingress_backends(ingress), strips
    for gateway in by_kind.get("Gateway", []):
        for listener in gateway["spec"].get("listeners", []):
            if listener.get("port") != port:
                continue
            for route in by_kind.get("HTTPRoute", []):
                parents = route["spec"].get("parentRefs", [])
                if any(p.get("sectionName") == listener["name"] for p in parents):
                    rules = route["spec"].get("rules", [])
                    apps = [ref["name"] for rule in rules for ref in rule.get("backendRefs", [])]
                    return f"HTTPRoute {route['metadata']['name']}", apps, _rewrites_to_root(stack, rules)
    return None


def _ingress_backends(ingress: Mapping[str, Any]) -> list[str]:
    return [
        path["backend"]["service"]["name"]
        for rule in ingress["spec"].get("rules", [])
        for path in (rule.get("http") or {}).get("paths", [])
    ]


def _middlewares_strip(stack: Stack, by_kind: Mapping[str, list[dict]], named: str) -> bool:
    """A Middleware the annotation names (`<namespace>-<name>@kubernetescrd`) strips the prefix."""
    wanted = {item.strip().split("@")[0] for item in named.split(",") if item.strip()}
    for middleware in by_kind.get("Middleware", []):
        if any(name.endswith(f"-{middleware['metadata']['name']}") for name in wanted):
            if stack.prefix in ((middleware["spec"].get("stripPrefix") or {}).get("prefixes") or []):
                return True
    return False


def _rewrites_to_root(stack: Stack, rules: list[dict]) -> bool:
    """Its rule matches the prefix and replaces it with "/": what stripping is in Gateway API."""
    for rule in rules:
        matches = [m.get("path", {}).get("value") for m in rule.get("matches", [])]
        for fil in rule.get("filters", []):
            path = ((fil.get("urlRewrite") or {}).get("path")) or {}
            if stack.prefix in matches and path.get("replacePrefixMatch") == "/":
                return True
    return False
