"""`python -m proxylab.k8s build|up|apply|down|status`: the control plane from the command line.

The stack runs its own as compose.yaml's k8s profile (`make up K8S=1`); `up` here starts one
alone, outside the stack (the tests do, on ports of their own; `--apiserver-port`).

build: kube-apiserver and kine from their Go modules (cached; minutes the first time), Traefik, and
the CRDs. up: start both on 127.0.0.1:6443 and :2379, apply the CRDs and k8s/<backend>/ (native
or compose, as the stack's backend is chosen: proxylab/backend.py), then start Traefik with its
Kubernetes providers on 94xx (traefik-k8s/traefik.yml; --no-traefik leaves it out).
apply: apply k8s/<backend>/ (or FOLDER) again. down: stop them all. status: running or not.
The run folder is .run/k8s (PROXYLAB_RUN_DIR moves it with the rest); its kubeconfig works with
any kubectl: `KUBECONFIG=.run/k8s/kubeconfig kubectl get ingress,httproute -A`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxylab.exits import OK, run_main
from proxylab.k8s.crds import ensure_crds
from proxylab.k8s.manifests import apply_folder
from proxylab.k8s.plane import ControlPlane
from proxylab.k8s.tools import TOOLS
from proxylab.paths import REPO, RUN_DIR
from proxylab.proxies.traefik import TOOL as TRAEFIK
from proxylab.steps import Steps


def manifests_for_backend() -> Path:
    """k8s/native or k8s/compose: the apps' addresses differ (k8s/native/endpoints.yaml says why)."""
    from proxylab import compose
    from proxylab.backend import choose
    from proxylab.native.supervisor import NativeBackend

    backend = choose(compose.load(), log=lambda _: None)
    return REPO / "k8s" / ("native" if isinstance(backend, NativeBackend) else "compose")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proxylab.k8s", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "up", "apply", "down", "status"])
    parser.add_argument("folder", nargs="?", type=Path, help="k8s/<backend>/ by default")
    parser.add_argument("--apiserver-port", type=int, default=6443)
    parser.add_argument("--kine-port", type=int, default=2379)
    parser.add_argument("--run-dir", type=Path, default=RUN_DIR / "k8s")
    parser.add_argument("--no-traefik", action="store_true", help="the control plane alone")
    parser.add_argument("--quiet", action="store_true", help="down: say nothing when nothing ran")
    args = parser.parse_args(argv)
    plane = ControlPlane(args.run_dir, args.apiserver_port, args.kine_port)
    return run_main(lambda: COMMANDS[args.command](plane, args), sigterm=args.command == "up")


def build(plane: ControlPlane, args: argparse.Namespace) -> int:
    tools = (*TOOLS, TRAEFIK)
    steps = Steps(len(tools) + 1)
    for tool in tools:
        version = tool.module_version()
        steps.note(f"{tool.title} {version}")
        steps.done(f"{tool.title} {version}: {tool.ensure(version, steps.note)}")
    steps.done("CRDs: " + ", ".join(str(folder) for folder in ensure_crds()))
    return OK


def up(plane: ControlPlane, args: argparse.Namespace) -> int:
    folder = args.folder or manifests_for_backend()
    steps = Steps(3 if args.no_traefik else 4)
    steps.note("kine and kube-apiserver (built first if not cached)")
    seconds = plane.up(steps.note)
    steps.done(f"kube-apiserver ready at {plane.server} in {seconds:.1f} s")
    steps.note(f"KUBECONFIG={plane.credentials.kubeconfig}")
    try:
        with plane.api() as api:
            crds = [crd for crd_folder in ensure_crds() for crd in apply_folder(api, crd_folder)]
            steps.done(f"{len(crds)} CRDs applied (Gateway API, Traefik)")
            objects = apply_folder(api, folder)
            steps.done(f"{len(objects)} objects applied from {folder.relative_to(REPO)}")
            for warning in api.warnings:
                steps.note(f"warning from the API server: {warning}")
        if not args.no_traefik:
            seconds = plane.start_traefik(steps.note)
            steps.done(f"Traefik watching it, answering on 94xx, in {seconds:.1f} s")
    except BaseException:
        plane.down()
        raise
    return OK


def apply(plane: ControlPlane, args: argparse.Namespace) -> int:
    with plane.api() as api:
        for stored in apply_folder(api, args.folder or manifests_for_backend()):
            meta = stored["metadata"]
            where = f" in {meta['namespace']}" if "namespace" in meta else ""
            print(f"{stored['kind']}/{meta['name']}{where}")
    return OK


def down(plane: ControlPlane, args: argparse.Namespace) -> int:
    stopped = plane.down()
    if stopped:
        print("stopped " + ", ".join(stopped))
    elif not args.quiet:
        print("the control plane was not running")
    return OK


def status(plane: ControlPlane, args: argparse.Namespace) -> int:
    if not plane.running():
        print("the control plane is not running (python -m proxylab.k8s up; the stack's: make up K8S=1)")
        return OK
    pids = ", ".join(f"{name} pid {pid}" for name, pid in plane.pids().items())
    print(f"running: {plane.server} ({pids}); KUBECONFIG={plane.credentials.kubeconfig}")
    return OK


COMMANDS = {"build": build, "up": up, "apply": apply, "down": down, "status": status}

if __name__ == "__main__":
    sys.exit(main())
