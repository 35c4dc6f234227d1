"""The control plane's two one-shots, as compose.yaml runs them in the app image (profile k8s).

What: `python -m proxylab.k8s.oneshot credentials DIR --names ... [--owner-of PROJECT]` makes the
CA, the API server's serving certificate, its service-account key and the token (pki.py) before
kube-apiserver starts; `python -m proxylab.k8s.oneshot objects DIR CRDS... FOLDER` waits until the
API server at PROXYLAB_K8S_SERVER is ready, applies the CRDs and then FOLDER's `native` or
`compose` overlay (k8s/native or k8s/compose: where the apps listen differs by backend), printing
each object and every warning the API server sent.
When: `k8s-credentials` and `k8s-objects` in compose.yaml, before kube-apiserver and before
traefik-k8s; natively the same commands run as processes (PROXYLAB_BACKEND=native there).
Why one-shots, not steps of proxylab's own `up`: compose.yaml stays the one description of the
stack, so `docker compose --profile k8s up` starts the same thing. Only the CRDs come from the
host (Go modules on this machine): proxylab's `up` stages them in .run/k8s/crds first.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from proxylab.certs import give_to_owner_of
from proxylab.errors import ProxylabError
from proxylab.exits import OK, run_main
from proxylab.k8s.api import Api
from proxylab.k8s.manifests import apply_folder
from proxylab.k8s.pki import Credentials, ensure_credentials

SERVER_VARIABLE = "PROXYLAB_K8S_SERVER"
# kube-apiserver on kine answers /readyz within seconds; a minute covers a loaded 2-core machine.
READY_TIMEOUT_S = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m proxylab.k8s.oneshot", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("credentials", help="the CA, certificate, keys and token, once")
    made.add_argument("folder", type=Path)
    made.add_argument("--names", default="", help="more names for the serving certificate, comma-separated")
    made.add_argument("--port", type=int, default=6443, help="the port the kubeconfig names on 127.0.0.1")
    made.add_argument("--owner-of", type=Path, help="give the files to this path's owner")
    objects = commands.add_parser("objects", help="wait for the API server, apply CRDs and objects")
    objects.add_argument("credentials", type=Path, help="the folder `credentials` wrote")
    objects.add_argument("folders", type=Path, nargs="+", help="CRD folders, then the objects' folder")
    args = parser.parse_args(argv)
    return run_main(lambda: (_credentials if args.command == "credentials" else _objects)(args))


def _credentials(args: argparse.Namespace) -> int:
    names = tuple(name.strip() for name in args.names.split(",") if name.strip())
    found = ensure_credentials(args.folder, args.port, names)
    if args.owner_of is not None:
        parents = [p for p in args.folder.parents if p.is_relative_to(args.owner_of) and p != args.owner_of]
        give_to_owner_of([args.folder, *parents, *found.files], args.owner_of)
    print(f"credentials for kube-apiserver ({', '.join(found.names.read_text().split())}) in {args.folder}")
    return OK


def _objects(args: argparse.Namespace) -> int:
    server = os.environ.get(SERVER_VARIABLE, "")
    if not server:
        raise ProxylabError(SERVER_VARIABLE, "is not set", "compose.yaml's k8s-objects sets it")
    credentials = Credentials(args.credentials)
    *crds, objects = args.folders
    overlay = objects / ("native" if os.environ.get("PROXYLAB_BACKEND") == "native" else "compose")
    with Api(server, credentials.token(), credentials.ca) as api:
        try:
            seconds = api.wait_ready(READY_TIMEOUT_S)
        except TimeoutError as last:
            raise ProxylabError(
                f"kube-apiserver at {server}",
                f"was not ready after {READY_TIMEOUT_S:.0f} s ({last})",
                "read its log: `make logs S=kube-apiserver` (and kine's)",
            ) from None
        print(f"kube-apiserver at {server} ready after {seconds:.1f} s")
        for folder in [*crds, overlay]:
            applied = apply_folder(api, folder)
            print(f"{len(applied)} objects applied from {folder}")
        for warning in api.warnings:
            print(f"warning from the API server: {warning}")
    return OK


if __name__ == "__main__":
    sys.exit(main())
