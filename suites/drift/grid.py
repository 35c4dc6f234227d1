"""Run the matrix and the spoofing table once per release set and once per proxy release, on one
native stack.

What: `DEFAULT_GRID` is the Python release sets `make drift` runs without SETS=, and
`DEFAULT_PROXY_GRID` the proxy releases it runs without PROXIES=. `run_grid(sets, proxy_versions)`
builds or finds every environment and proxy release first, starts the native stack (refusing if
one already runs), then walks two kinds of axis:
  - the release sets: the app services restarted under each set's environment
    (instruments/releases/apps.py), every route of compose.yaml probed with the matrix's probe and
    every route × forged header with the spoofing suite's;
  - one axis per proxy (`proxy_axes`: its versions oldest first, ending with compose.yaml's pin,
    which restores it): every service of that proxy restarted at each release
    (instruments/releases/proxies.py) and the routes those services publish probed the same way.
    Only those routes: no other route passes through the restarted process, so no other cell can
    move, and probing them all would cost the budget three times over for nothing.
then stops the stack. The routes and the probes are the suites' own, as they are: a route added
to compose.yaml or a cell added to suites/matrix/fields.py joins the grid by itself.
When: `make drift` (python -m suites.drift).
Why: one stack for the whole grid keeps everything but the one thing that moves the same
processes throughout, and costs one start instead of one per step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from packaging.version import Version

from instruments.releases.apps import app_services, run_apps
from instruments.releases.envs import ensure_env, installed
from instruments.releases.proxies import (
    ProxyVersion,
    ensure_release,
    parse_proxy_version,
    pinned_services,
    pinned_version,
    run_proxy,
    running_release,
)
from instruments.releases.sets import PINNED, ReleaseSet, parse_set
from proxylab import compose
from proxylab.backend import Backend, choose
from proxylab.cleanup import cleaned_up_by
from proxylab.compose import Route, Stack
from proxylab.context import Context
from proxylab.errors import ProxylabError
from proxylab.steps import Steps
from suites import spoofing
from suites.matrix.probe import probe_routes

MATRIX, SPOOFING = "matrix", "spoofing"


def _grid(*sets: str) -> list[ReleaseSet]:
    return [parse_set(text) for text in sets]


# DEFAULT_GRID is what `make drift` runs without SETS=: at least one set on each side of every
# change in changelog.py, ending with today's pins.
# Each line moves as few components as FastAPI's Starlette range allows (FastAPI 0.108 takes
# Starlette <0.33, 0.109 takes 0.35.x only: no FastAPI runs Starlette 0.33 or 0.34, so #2352 and
# #2400 arrive in one step, together with FastAPI 0.109).
_OLD = "starlette==0.32.0.post1,fastapi==0.108.0"
_STARLETTE_038 = "fastapi==0.112.2"
DEFAULT_GRID: list[ReleaseSet] = _grid(
    f"uvicorn==0.25.0,{_OLD}",  # before uvicorn #2213
    f"uvicorn==0.26.0,{_OLD}",  # uvicorn #2213
    f"uvicorn==0.30.6,{_OLD}",  # the last uvicorn before #2468
    "uvicorn==0.30.6,starlette==0.35.1,fastapi==0.109.0",  # Starlette #2352, #2400; FastAPI 0.109
    f"uvicorn==0.30.6,starlette==0.38.3,{_STARLETTE_038}",  # the last Starlette before #2600
    f"uvicorn==0.30.6,starlette==0.38.4,{_STARLETTE_038}",  # Starlette #2600
    f"uvicorn==0.31.0,starlette==0.38.4,{_STARLETTE_038}",  # uvicorn #2468
    f"uvicorn==0.31.1,starlette==0.38.4,{_STARLETTE_038}",  # uvicorn #2480
    f"uvicorn==0.44.0,starlette==0.38.4,{_STARLETTE_038}",  # the last uvicorn before #2903
    f"uvicorn==0.45.0,starlette==0.38.4,{_STARLETTE_038}",  # uvicorn #2903
    f"uvicorn==0.48.0,starlette==0.38.4,{_STARLETTE_038}",  # uvicorn #2944
    f"uvicorn==0.49.0,starlette==0.38.4,{_STARLETTE_038}",  # uvicorn #2971
    str(PINNED),  # today's pins
)


# DEFAULT_PROXY_GRID is what `make drift` runs without PROXIES=: per proxy, the releases before
# compose.yaml's pin (proxy_axes adds the pin last). Nginx and HAProxy: what Debian's stable
# suites ship, bookworm's and trixie's (the native backend unpacks them as it does the pin).
# Traefik and Caddy: the last patch release of two earlier minors that the Go module proxy serves
# and that build with `go build` from their module (3.7 does not: README, "Pinned versions").
DEFAULT_PROXY_GRID: list[ProxyVersion] = [
    parse_proxy_version(text)
    for text in (
        "nginx==1.22.1",  # bookworm
        "nginx==1.26.3",  # trixie
        "haproxy==2.6.12",  # bookworm
        "haproxy==3.0.11",  # trixie
        "traefik==3.0.4",  # the last 3.0
        "traefik==3.3.5",  # the proxy serves no 3.3.6; 3.3.7 has no checksum database entry
        # No Caddy 2.6: 2.6.4 needs quic-go 0.32, which refuses Go 1.21 and later (README).
        "caddy==2.8.4",  # the last 2.8
    )
]

Step = ReleaseSet | ProxyVersion


@dataclass(frozen=True)
class SetRun:
    """One step's tables: suite → route key → field → cell. `release_set` is what moved: a
    release set, or one proxy's release on that proxy's axis."""

    release_set: Step
    versions: dict[str, str]
    tables: dict[str, dict[str, dict[str, str]]]
    seconds: float


@dataclass
class Grid:
    runs: list[SetRun] = field(default_factory=list)  # the release sets, in the grid's order
    proxy_runs: dict[str, list[SetRun]] = field(default_factory=dict)  # per proxy, oldest first
    backend: str = "native"
    timings: dict[str, float] = field(default_factory=dict)
    pinned: dict[str, str] = field(default_factory=dict)  # what ran when the stack started

    def axes(self) -> list[tuple[str, list[SetRun]]]:
        """("python", the release sets) and (proxy, its releases), each a line of neighbouring steps."""
        found = [("python", self.runs)] if self.runs else []
        return found + [(proxy, runs) for proxy, runs in self.proxy_runs.items() if runs]


def proxy_axes(versions: list[ProxyVersion], stack: Stack) -> dict[str, list[ProxyVersion]]:
    """The proxy versions grouped by proxy (in the order first named), each axis sorted oldest
    first and ending with compose.yaml's pin when no newer one is named: the last step restores
    the stack, and a change found between neighbours is one the upgrade would bring."""
    axes: dict[str, set[ProxyVersion]] = {}
    for version in versions:
        axes.setdefault(version.proxy, set()).add(version)
    return {
        proxy: sorted(named | {pinned_version(stack, proxy)}, key=lambda v: Version(v.release))
        for proxy, named in axes.items()
    }


def proxy_routes(stack: Stack, proxy: str) -> list[Route]:
    """The routes of the services that run `proxy`'s pin, those its axis restarts (nginx: the
    `nginx` service's and the `edge`'s)."""
    names = {service.name for service in pinned_services(stack, proxy)}
    return [route for route in stack.routes if route.proxy in names]


def probe_set(stack: Stack, context: Context, routes: list[Route]) -> dict[str, dict[str, dict[str, str]]]:
    """The matrix's cells and the spoofing table's, of `routes`."""
    matrix = dict(zip((route.key for route in routes), probe_routes(routes, stack, context)))
    return {MATRIX: matrix, SPOOFING: spoofing.probe(stack, context, routes)}


def run_grid(
    sets: list[ReleaseSet],
    proxy_versions: list[ProxyVersion] | None = None,
    log: Callable[[str], None] = print,
    stack: Stack | None = None,
) -> Grid:
    stack = stack or compose.load()
    backend = choose(stack, log=lambda _: None, wanted="native")
    if backend.is_running():
        raise ProxylabError(
            "a native stack",
            "is already running (make up)",
            "`make down` first: make drift starts and stops a stack of its own",
        )
    grid = Grid()
    axes = proxy_axes(proxy_versions or [], stack)
    releases = [version for axis in axes.values() for version in axis]
    # Counted: each environment and proxy release had, the stack's start, each set and release probed.
    steps = Steps(2 * len(sets) + 2 * len(releases) + 1, log)
    began = time.monotonic()
    envs = []
    for release_set in sets:
        envs.append(ensure_env(release_set, log=steps.note))
        steps.done(f"environment of {release_set.label}: ready")
    grid.timings["environments_s"] = round(time.monotonic() - began, 1)
    # Every proxy release is had before the stack starts (a Go build takes minutes, an unpack
    # seconds; both once, cached): a failure stops the grid before anything runs.
    releases_began = time.monotonic()
    for version in releases:
        ensure_release(stack, version, steps.note)
        steps.done(f"{version.label}: ready")
    grid.timings["proxy_releases_s"] = round(time.monotonic() - releases_began, 1)
    services = app_services(stack)
    # A `down` that fails at the end (a port still held) is noted after a failure of the grid's
    # own (a restart that found that port in use), never told in its place.
    with cleaned_up_by(backend.down):
        # Started with today's pins, whose apps pass their healthchecks; each set then replaces
        # the apps and is only required to answer (an old set may fail its own health URL).
        steps.note(f"starting the native stack ({len(stack.services)} services)")
        grid.timings["stack_up_s"] = round(backend.up(), 1)
        steps.done(f"the native stack answers, after {grid.timings['stack_up_s']} s")
        grid.pinned = backend.versions()
        context = Context(stack, backend)
        for release_set, env in zip(sets, envs):
            set_began = time.monotonic()
            steps.note(f"{release_set.label}: restarting the apps, probing every route")
            run_apps(backend, env, services, healthy=False)
            versions = {**backend.versions(), **installed(env)}
            _check_versions(release_set, versions)
            tables = probe_set(stack, context, stack.routes)
            seconds = round(time.monotonic() - set_began, 1)
            steps.done(f"{release_set.label}: {len(tables[MATRIX])} routes probed in {seconds}s")
            grid.runs.append(SetRun(release_set, versions, tables, seconds))
        if sets and sets[-1] != PINNED and axes:
            run_apps(backend, None, services)  # the proxies are measured in front of today's apps
        for proxy, axis in axes.items():
            grid.proxy_runs[proxy] = _proxy_axis(stack, backend, context, axis, steps)
    grid.timings["total_s"] = round(time.monotonic() - began, 1)
    return grid


def _proxy_axis(
    stack: Stack, backend: Backend, context: Context, axis: list[ProxyVersion], steps: Steps
) -> list[SetRun]:
    """Each release of one proxy in turn, the last one compose.yaml's (the stack as it was)."""
    routes = proxy_routes(stack, axis[0].proxy)
    runs = []
    for version in axis:
        began = time.monotonic()
        steps.note(f"{version.label}: restarting {version.proxy}, probing its {len(routes)} routes")
        run_proxy(backend, version, log=lambda _: None)
        versions = {**backend.versions(), version.proxy: running_release(stack, version)}
        tables = probe_set(stack, context, routes)
        seconds = round(time.monotonic() - began, 1)
        steps.done(f"{version.label}: {len(routes)} routes probed in {seconds}s")
        runs.append(SetRun(version, versions, tables, seconds))
    return runs


def _check_versions(release_set: ReleaseSet, versions: dict[str, str]) -> None:
    """The apps must report the set's versions: a wrong interpreter would make the grid a lie."""
    for name, wanted in release_set.as_dict().items():
        if versions.get(name) != wanted:
            raise ProxylabError(
                f"the apps' {name}",
                f"is {versions.get(name)}, not {wanted}",
                "delete ~/.cache/proxylab/drift and run again",
            )
