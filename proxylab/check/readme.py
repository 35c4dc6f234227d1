"""The README's route table, generated from compose.yaml and checked for drift."""

from __future__ import annotations

from itertools import zip_longest
from pathlib import Path

from proxylab.check.common import (
    README_BEGIN,
    README_END,
    Finding,
    command_option,
    forwarded_allow_ips,
)
from proxylab.compose import Route, Service, Stack
from proxylab.paths import REPO

# --- readme ---------------------------------------------------------------------------------


def check_readme(stack: Stack, readme: Path = REPO / "README.md") -> list[Finding]:
    """README.md's route table is the one route_table_markdown() makes from compose.yaml."""
    paste = (
        f"paste the output of `python -m proxylab routes --markdown` between {README_BEGIN} and {README_END}"
    )
    text = readme.read_text() if readme.is_file() else ""
    if README_BEGIN not in text or README_END not in text.partition(README_BEGIN)[2]:
        return [Finding("readme", False, f"{readme.name} has no route table; {paste}")]
    table = text.partition(README_BEGIN)[2].partition(README_END)[0].strip()
    expected = route_table_markdown(stack).strip()
    if table == expected:
        return [Finding("readme", True, f"{readme.name}'s route table matches compose.yaml")]
    first = next(
        line
        for line, want in zip_longest(table.splitlines(), expected.splitlines(), fillvalue="")
        if line != want
    )
    return [
        Finding(
            "readme",
            False,
            f"{readme.name}'s route table differs from compose.yaml (first at {first or '(end)'!r}); {paste}",
        )
    ]


def route_table_markdown(stack: Stack) -> str:
    """The README's route table: one row per route, in compose.yaml's order."""
    header = ["URL", "proxy", f"strips {stack.prefix}?", "app configuration", "note"]
    rows = [header, ["---"] * len(header), *(_route_row(stack, route) for route in stack.routes)]
    return "".join(f"| {' | '.join(row)} |\n" for row in rows)


def _route_row(stack: Stack, route: Route) -> list[str]:
    strips = "—" if route.strips is None else ("yes" if route.strips else "no")
    service = stack.services.get(route.app)
    config = f"{route.app}: {describe_app(service) if service else 'not a service'}"
    return [route.url("/app"), route.proxy or "— direct", strips, config, _note(route)]


def describe_app(service: Service) -> str:
    """How the app learns the prefix and whom it trusts, read from its command and environment."""
    parts = []
    command = service.command or []
    server = Path(command[0]).name if command else "uvicorn"
    if command[:2] == ["fastapi", "run"]:  # fastapi-cli's production command, as the docs start the app
        server = "fastapi run"
    if root_path := command_option(command, "--root-path"):
        parts.append(f"{server} --root-path {root_path}")
    if app_root_path := service.environment.get("PROXYLAB_APP_ROOT_PATH"):
        parts.append(f'FastAPI(root_path="{app_root_path}")')
    if prefix := _FORWARDED_PREFIX.get(service.environment.get("PROXYLAB_FORWARDED_PREFIX", "")):
        parts.append(f"{server}; {prefix}")
    if not parts:
        parts.append("no root_path")
    if service.environment.get("PROXYLAB_PROXY_FIX"):
        parts.append("ProxyFixMiddleware for the proxies only")
    if forwarded_allow_ips(service) == "*":
        parts.append("trusts * (built to show why not)")
    if forwarded_allow_ips(service) == "":
        parts.append("trusts no proxy")
    if "/" in (forwarded_allow_ips(service) or ""):
        parts.append(f"trusts {forwarded_allow_ips(service)}")
    if service.environment.get("PROXYLAB_HTTPS_REDIRECT") == "true":
        parts.append("HTTPSRedirectMiddleware")
    if hosts := service.environment.get("PROXYLAB_TRUSTED_HOSTS"):
        parts.append(f"TrustedHostMiddleware({hosts})")
    return "; ".join(parts)


_FORWARDED_PREFIX = {
    "docs": "root_path from X-Forwarded-Prefix, anyone's (the docs' tutorial005)",
    "trusted": "root_path from X-Forwarded-Prefix, the proxies' only",
}

_STRATEGY_NOTES = {
    "plain": "plain uvicorn shutdown",
    "drain": "drain window (app.serve)",
    "retries": "proxy retries",
}


def _note(route: Route) -> str:
    # Port names say what is special: `docs-*` reproduces the FastAPI docs, `defaults` keeps the proxy's own.
    if route.tls and route.app.startswith("app-fastapi-run"):
        return "lab 15: TLS, the docs' Redirects with HTTPS"
    if route.tls:
        return "lab 08: TLS" + (f", {route.proxy} defaults" if route.defaults else "")
    if route.rewrite == "ingress-nginx":
        return "Kubernetes ingress-nginx rewrite-target"
    if route.proxy == "traefik-k8s":
        return "K8S=1: " + {
            "gateway-api": "HTTPRoute, URLRewrite ReplacePrefixMatch /",
            "gateway-api-v2": "HTTPRoute, URLRewrite ReplacePrefixMatch /v2",
            "gateway-api-root-v2": "HTTPRoute, PathPrefix /, URLRewrite ReplacePrefixMatch /v2",
        }.get(
            route.rewrite or "",
            "Ingress-NGINX provider" if "nginx" in route.name else "Ingress, StripPrefix Middleware",
        )
    if route.strategy:
        return (
            f"lab 07: {len(route.upstreams)} replicas, {_STRATEGY_NOTES.get(route.strategy, route.strategy)}"
        )
    if route.defaults:
        return f"{route.proxy} defaults"
    if route.host:
        return f"Host {route.host}"
    if route.via is not None:
        return f"lab 12: a chain, through Traefik's {route.via}"
    if route.name.startswith("chain-"):
        return "lab 12: a chain's inner hop, " + {
            "chain-default": "forwardedHeaders default",
            "chain-insecure": "forwardedHeaders.insecure",
        }.get(route.name, "trustedIPs: the edge")
    if route.omits:
        return "lab 12: without " + " or ".join(f"`{line}`" for line in route.omits)
    if route.reproduces_the_docs:
        return "the FastAPI docs' URL"
    return ""
