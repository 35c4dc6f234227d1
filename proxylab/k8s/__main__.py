"""`python -m proxylab.k8s build|up|apply|down|status`: the control plane from the command line.

build: kube-apiserver and kine from their Go modules (cached; minutes the first time), and the
Gateway API CRDs. up: start both on 127.0.0.1:6443 and :2379, then apply the CRDs and
k8s/compose/. apply: apply k8s/compose/ (or FOLDER) again. down: stop both. status: running or not, and where.
The run folder is .run/k8s (PROXYLAB_RUN_DIR moves it with the rest); its kubeconfig works with
any kubectl: `KUBECONFIG=.run/k8s/kubeconfig kubectl get ingress,httproute -A`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxylab.exits import OK, run_main
from proxylab.k8s import TOOLS
from proxylab.k8s.crds import ensure_gateway_crds
from proxylab.k8s.manifests import apply_folder
from proxylab.k8s.plane import ControlPlane
from proxylab.paths import REPO, RUN_DIR
from proxylab.steps import Steps

MANIFESTS = REPO / "k8s" / "compose"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proxylab.k8s", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "up", "apply", "down", "status"])
    parser.add_argument("folder", nargs="?", type=Path, default=MANIFESTS, help="k8s/compose/ by default")
    parser.add_argument("--apiserver-port", type=int, default=6443)
    parser.add_argument("--kine-port", type=int, default=2379)
    parser.add_argument("--run-dir", type=Path, default=RUN_DIR / "k8s")
    args = parser.parse_args(argv)
    plane = ControlPlane(args.run_dir, args.apiserver_port, args.kine_port)
    return run_main(lambda: COMMANDS[args.command](plane, args.folder), sigterm=args.command == "up")


def build(plane: ControlPlane, folder: Path) -> int:
    steps = Steps(len(TOOLS) + 1)
    for tool in TOOLS:
        version = tool.module_version()
        steps.note(f"{tool.title} {version}")
        steps.done(f"{tool.title} {version}: {tool.ensure(version, steps.note)}")
    steps.done(f"Gateway API CRDs: {ensure_gateway_crds()}")
    return OK


def up(plane: ControlPlane, folder: Path) -> int:
    steps = Steps(3)
    steps.note("kine and kube-apiserver (built first if not cached)")
    seconds = plane.up(steps.note)
    steps.done(f"kube-apiserver ready at {plane.server} in {seconds:.1f} s")
    steps.note(f"KUBECONFIG={plane.credentials.kubeconfig}")
    try:
        with plane.api() as api:
            crds = apply_folder(api, ensure_gateway_crds())
            steps.done(f"{len(crds)} Gateway API CRDs applied")
            objects = apply_folder(api, folder)
            steps.done(f"{len(objects)} objects applied from {folder}")
    except BaseException:
        plane.down()
        raise
    return OK


def apply(plane: ControlPlane, folder: Path) -> int:
    with plane.api() as api:
        for stored in apply_folder(api, folder):
            meta = stored["metadata"]
            where = f" in {meta['namespace']}" if "namespace" in meta else ""
            print(f"{stored['kind']}/{meta['name']}{where}")
    return OK


def down(plane: ControlPlane, folder: Path) -> int:
    stopped = plane.down()
    print("stopped " + ", ".join(stopped) if stopped else "the control plane was not running")
    return OK


def status(plane: ControlPlane, folder: Path) -> int:
    if not plane.running():
        print("the control plane is not running (make k8s-up)")
        return OK
    pids = ", ".join(f"{name} pid {pid}" for name, pid in plane.pids().items())
    print(f"running: {plane.server} ({pids}); KUBECONFIG={plane.credentials.kubeconfig}")
    return OK


COMMANDS = {"build": build, "up": up, "apply": apply, "down": down, "status": status}

if __name__ == "__main__":
    sys.exit(main())
