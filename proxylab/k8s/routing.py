"""Traefik watching the control plane: its kubernetesIngressNGINX, kubernetesIngress, kubernetesCRD
and kubernetesGateway providers, on the 94xx entry points of traefik-k8s/traefik.yml.

What: `start_traefik(plane)` writes the control plane's copy of traefik-k8s/traefik.yml (the
folder /etc/proxylab/k8s becomes the run folder, the API server's address the plane's), starts
the Traefik that tools/traefik builds with it, and waits for its ping and for every router the
objects ask for to be served.
When: `python -m proxylab.k8s up --traefik` (make k8s-up), after the objects are applied.
Why one Traefik for the three providers: each provider's routers go to the entry points its
objects name (annotation, Gateway listener port, or asDefault for ingress-nginx's), so the routes
stay one per port, as every route of the stack is.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from proxylab.errors import ProxylabError
from proxylab.paths import REPO
from proxylab.proxies.traefik import TOOL

CONFIG = REPO / "traefik-k8s" / "traefik.yml"
MOUNTED = "/etc/proxylab/k8s"  # where the config expects the control plane's run folder
PING = "http://127.0.0.1:9490/ping"
READY_TIMEOUT_S = 30.0


def render(folder: Path, server: str) -> Path:
    """The control plane's copy of traefik-k8s/traefik.yml, in its run folder."""
    text = CONFIG.read_text().replace(MOUNTED, str(folder)).replace("https://127.0.0.1:6443", server)
    out = folder / "traefik.yml"
    out.write_text(text)
    return out


def argv(folder: Path, server: str, log=print) -> list[str]:
    binary = TOOL.ensure(TOOL.module_version(), log)
    return [str(binary), f"--configFile={render(folder, server)}"]


def wait_ready(alive, timeout: float = READY_TIMEOUT_S) -> None:
    """Until Traefik answers its ping; `alive()` is False once it has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise ProxylabError("traefik (k8s)", "exited during start-up", "read .run/k8s/traefik.log")
        try:
            if httpx.get(PING, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise ProxylabError("traefik (k8s)", f"no ping in {timeout:.0f} s", "read .run/k8s/traefik.log")
