"""Traefik watching the control plane: its kubernetesIngressNGINX, kubernetesIngress, kubernetesCRD
and kubernetesGateway providers, on the 94xx entry points of traefik-k8s/traefik.yml.

What: `start_traefik(plane)` writes the control plane's copy of traefik-k8s/traefik.yml (the
folder /etc/proxylab/k8s becomes the run folder, the API server's address the plane's), starts
the Traefik that tools/traefik builds with it, and waits until every entry point has a router
(its API, on loopback, lists them).
When: the routing test, on its own control plane (ControlPlane.start_traefik), after the objects are
applied; the stack runs the same config as compose.yaml's traefik-k8s.
Why one Traefik for the three providers: each provider's routers go to the entry points its
objects name (annotation, Gateway listener port, or asDefault for ingress-nginx's), so the routes
stay one per port, as every route of the stack is.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import yaml

from proxylab.errors import ProxylabError
from proxylab.paths import REPO
from proxylab.proxies.traefik import TOOL

CONFIG = REPO / "traefik-k8s" / "traefik.yml"
MOUNTED = "/etc/proxylab/k8s"  # where the config expects the control plane's run folder
ROUTERS = "http://127.0.0.1:9490/api/http/routers"
READY_TIMEOUT_S = 30.0


def render(folder: Path, server: str) -> Path:
    """The control plane's copy of traefik-k8s/traefik.yml, in its run folder."""
    text = (
        CONFIG.read_text()
        .replace(MOUNTED, str(folder))
        .replace("https://kube-apiserver:6443", server)
        # Every entry point on loopback only, as the stack publishes them.
        .replace('address: ":', 'address: "127.0.0.1:')
    )
    out = folder / "traefik.yml"
    out.write_text(text)
    return out


def argv(folder: Path, server: str, log=print) -> list[str]:
    binary = TOOL.ensure(TOOL.module_version(), log)
    return [str(binary), f"--configFile={render(folder, server)}"]


def wait_ready(alive, timeout: float = READY_TIMEOUT_S) -> None:
    """Until every entry point of the config has a router (the providers have read the objects);
    `alive()` is False once Traefik has exited. Its ping answers before the providers sync."""
    wanted = set(yaml.safe_load(CONFIG.read_text())["entryPoints"]) - {"traefik"}
    deadline = time.monotonic() + timeout
    served: set[str] = set()
    while time.monotonic() < deadline:
        if not alive():
            raise ProxylabError("traefik (k8s)", "exited during start-up", "read .run/k8s/traefik.log")
        try:
            routers = httpx.get(ROUTERS, timeout=1.0).json()
            served = {entry for router in routers for entry in router.get("using", [])}
            if wanted <= served:
                return
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.2)
    raise ProxylabError(
        "traefik (k8s)",
        f"serves no route on {', '.join(sorted(wanted - served))} after {timeout:.0f} s",
        "read .run/k8s/traefik.log: an object it refused is named there",
    )
