"""`python -m proxylab <command>`: what the Makefile's stack targets call.

Exit status (proxylab/exits.py): 0 done; 1 `status` found a service unhealthy or `check` a
finding; 2 a fault with its next step (a port in use, a missing binary) or bad arguments; 130
interrupted (Ctrl-C, or SIGTERM from `make down`), after stopping whatever was started.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from proxylab import compose
from proxylab.backend import choose
from proxylab.certs import ensure_certs
from proxylab.cleanup import clean_up_after
from proxylab.errors import ProxylabError
from proxylab.exits import EXPECTATION_FAILED, OK, run_main
from proxylab.paths import REPO

# Where `make book` serves (labs/book/__main__.py's DEFAULT_PORT): the stack imports no wing.
BOOK_URL = "http://127.0.0.1:8800"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m proxylab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the stack and wait until every service is healthy")
    up.add_argument(
        "--attach", action="store_true", help="stay in the foreground, show logs, stop everything on Ctrl-C"
    )
    commands.add_parser("down", help="stop every service; leaves no process and no listening port")
    commands.add_parser("status", help="each service, where it listens, and its health")
    logs = commands.add_parser("logs", help="the last lines of each service's log")
    logs.add_argument("service", nargs="?")
    logs.add_argument("-n", "--lines", type=int, default=30)
    commands.add_parser("check", help="validate compose.yaml and the proxy configs with no engine")
    routes = commands.add_parser("routes", help="the route table")
    routes.add_argument("--markdown", action="store_true")
    commands.add_parser("versions", help="the versions of every component that runs")
    commands.add_parser(
        "releases", help="unpack Nginx, HAProxy and Redis at compose.yaml's versions from Debian's suites"
    )
    commands.add_parser("backend", help="the backend `up` would use now: native or compose (starts nothing)")
    args = parser.parse_args(argv)
    # `make down` from another terminal sends SIGTERM: treat it like Ctrl-C, so `up` cleans up.
    return run_main(
        lambda: COMMANDS[args.command](args),
        sigterm=True,
        interrupted="interrupted: everything that was started has been stopped",
    )


def _up(args: argparse.Namespace) -> int:
    # This command's own COMPOSE_PROFILES (K8S=1), never the record of an earlier `up`.
    profiles = compose.active_profiles(os.environ)
    stack = compose.load(profiles=profiles)
    backend = choose(stack)
    print(f"backend: {backend.name}" + (" (no Docker engine answers)" if backend.name == "native" else ""))
    # Before either backend starts: every proxy mounts .run/certs for its TLS routes.
    # Later commands without COMPOSE_PROFILES (make lab, make matrix) see the profiles that run.
    compose.record_profiles(profiles)
    ca = ensure_certs()[0]
    print(f"TLS: the lab's CA is {ca.relative_to(REPO)} (curl --cacert {ca.relative_to(REPO)})")
    if "k8s-objects" in stack.services:
        # The k8s profile: the CRDs come from Go modules on this machine, not from the image.
        from proxylab.k8s.crds import stage_crds

        staged = stage_crds(REPO / ".run" / "k8s" / "crds")
        print(f"k8s: CRDs for k8s-objects in {', '.join(str(p.relative_to(REPO)) for p in staged)}")
    try:
        seconds = backend.up()
        print(
            f"all {len(stack.services)} services healthy in {seconds:.1f}s; "
            "`make status` lists them, `make down` stops them"
        )
        print("\n".join(next_steps(stack)))
        if not args.attach:
            return 0
        print("attached: Ctrl-C stops every service")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt as interrupt:
        # However late the interrupt comes, whatever `up` started is stopped before exiting; a
        # stop that fails is told after "interrupted", and the exit status stays 130.
        clean_up_after(interrupt, backend.down)
        raise


def next_steps(stack: compose.Stack) -> list[str]:
    """What a newcomer does once the stack is up, as `up`'s last lines: the docs' experiment at its
    two URLs (README.md's "Then try"; the route through a proxy first, where the docs page works),
    the first lab, which walks through it, the lab book, and the Kubernetes routes (lab 17; how
    to start them when the k8s profile is left out)."""
    docs = sorted((route for route in stack.routes if route.reproduces_the_docs), key=lambda r: r.is_direct)
    lines = ["next: the FastAPI docs' experiment, both pages side by side in a browser"]
    for route in docs:
        if route.is_direct:
            how = f"{route.app} directly"
        else:
            how = f"through {route.proxy}, which {'strips' if route.strips else 'keeps'} {route.prefix}"
        lines.append(f"  {route.url('/docs'):<36} {how}")
    lines.append("  make lab N=01   lab 01 walks through it in this terminal: why only one docs page works")
    lines.append(f"  make book       every lab as web pages on {BOOK_URL}")
    if "traefik-k8s" in stack.services:
        lines.append("  make lab N=17   leaving ingress-nginx, on the Kubernetes routes (94xx)")
    elif "k8s" in stack.inactive:
        lines.append("  make up K8S=1   adds kube-apiserver and Traefik's providers on 94xx (lab 17)")
    return lines


def _down(_: argparse.Namespace) -> int:
    backend = choose(compose.load())
    stopped = backend.down()
    compose.record_profiles(())
    print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'} ({backend.name})")
    return 0


def _status(_: argparse.Namespace) -> int:
    from proxylab.report import status_table

    stack = compose.load()
    backend = choose(stack)
    statuses = backend.status()
    print(status_table(backend.name, statuses))
    return OK if all(s.is_healthy for s in statuses) else EXPECTATION_FAILED


def _logs(args: argparse.Namespace) -> int:
    stack = compose.load()
    backend = choose(stack)
    for name in [args.service] if args.service else stack.services:
        print(f"==> {name} <==")
        print(backend.tail(name, args.lines))
    return 0


def _check(_: argparse.Namespace) -> int:
    from proxylab.check import run_checks

    # Every service, whichever profiles are active: the k8s profile's routes are checked too.
    findings = run_checks(compose.load(profiles=compose.ALL_PROFILES))
    for finding in findings:
        print(f"{'ok  ' if finding.ok else 'FAIL'} {finding.check}: {finding.message}")
    return OK if all(f.ok for f in findings) else EXPECTATION_FAILED


def _routes(args: argparse.Namespace) -> int:
    from proxylab.check import route_table_markdown

    # Every route, the k8s profile's too: README's table says which need `make up K8S=1`.
    stack = compose.load(profiles=compose.ALL_PROFILES)
    if args.markdown:
        print(route_table_markdown(stack))
        return 0
    for route in stack.routes:
        strips = {True: "strips", False: "keeps ", None: "direct"}[route.strips]
        print(f"{route.url('/app'):<40} {route.proxy or '-':<8} {strips} -> {route.app}")
    return 0


def _versions(_: argparse.Namespace) -> int:
    """Per component: the pin, what each backend runs; then what answers now, asked of it."""
    from proxylab.versions import pins

    stack = compose.load()
    rows = [("component", "pinned", "native backend", "images (compose.debian.yaml)", "pinned in")]
    rows += [(pin.component, pin.pinned, pin.native, pin.images, pin.where) for pin in pins(stack)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])
    backend = choose(stack, log=lambda _: None)
    try:
        running = backend.versions()
    except ProxylabError as error:
        print(f"\nthe {backend.name} backend answers nothing yet ({error.cause}); `make up` starts it")
        return OK
    print(f"\nwhat the {backend.name} backend runs now, asked of each component:")
    for name, version in running.items():
        print(f"  {name:<10} {version}")
    return OK


def _releases(_: argparse.Namespace) -> int:
    """Each Debian-packaged component at compose.yaml's tag, unpacked once into the cache; one line
    each: the image, the release and its folder (scripts/debian-images.sh reads the folders)."""
    from proxylab.versions import debian_releases

    for image, release, version in debian_releases(compose.load()):
        launcher = release.ensure(version, log=lambda line: print(line, file=sys.stderr))
        print(f"{image}\t{release.release(version)}\t{launcher.parent.parent}")
    return OK


def _backend(_: argparse.Namespace) -> int:
    """The backend's name alone, for `make up` to decide whether the native set-up is needed."""
    print(choose(compose.load(), log=lambda _: None).name)
    return 0


COMMANDS = {
    "up": _up,
    "down": _down,
    "status": _status,
    "logs": _logs,
    "check": _check,
    "routes": _routes,
    "versions": _versions,
    "backend": _backend,
    "releases": _releases,
}
