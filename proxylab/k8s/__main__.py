"""`python -m proxylab.k8s build`: what the k8s profile needs built before it can start (make k8s-build).

kube-apiserver and kine from their Go modules (cached; minutes the first time), Traefik, and the
Gateway API and Traefik CRDs copied from Go modules into the cache. The control plane itself runs
as compose.yaml's k8s profile (`make up K8S=1`), on either backend; its kubeconfig works with any
kubectl: `KUBECONFIG=.run/k8s/kubeconfig kubectl get ingress,httproute -A`.
"""

from __future__ import annotations

import argparse
import sys

from proxylab.exits import OK, run_main
from proxylab.k8s.crds import ensure_crds
from proxylab.k8s.tools import TOOLS
from proxylab.proxies.traefik import TOOL as TRAEFIK
from proxylab.steps import Steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proxylab.k8s", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build"])
    parser.parse_args(argv)
    return run_main(build)


def build() -> int:
    tools = (*TOOLS, TRAEFIK)
    steps = Steps(len(tools) + 1)
    for tool in tools:
        version = tool.module_version()
        steps.note(f"{tool.title} {version}")
        steps.done(f"{tool.title} {version}: {tool.ensure(version, steps.note)}")
    steps.done("CRDs: " + ", ".join(str(folder) for folder in ensure_crds()))
    return OK


if __name__ == "__main__":
    sys.exit(main())
