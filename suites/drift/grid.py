"""Run the matrix and the spoofing table once per release set, on one native stack.

What: `DEFAULT_GRID` is the sets `make drift` runs without SETS=. `run_grid(sets)` starts the
native stack (refusing if one already runs), and for each set builds or finds its environment,
restarts the app services under it (instruments/releases/), probes every route of compose.yaml
with the matrix's probe and every route × forged header with the spoofing suite's, then stops the
stack. The routes and the probes are the suites' own, as they are: a route added to compose.yaml
or a cell added to suites/matrix/fields.py joins the grid by itself.
When: `make drift` (python -m suites.drift).
Why: one stack for the whole grid keeps the proxies the same processes throughout, and
costs one start instead of one per set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from instruments.releases.apps import app_services, run_apps
from instruments.releases.envs import ensure_env, installed
from instruments.releases.sets import PINNED, ReleaseSet, parse_set
from proxylab import compose
from proxylab.backend import choose
from proxylab.cleanup import cleaned_up_by
from proxylab.compose import Stack
from proxylab.context import Context
from proxylab.errors import ProxylabError
from suites import spoofing
from suites.matrix.probe import probe_matrix

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


@dataclass(frozen=True)
class SetRun:
    """One release set's tables: suite → route key → field → cell."""

    release_set: ReleaseSet
    versions: dict[str, str]
    tables: dict[str, dict[str, dict[str, str]]]
    seconds: float


@dataclass
class Grid:
    runs: list[SetRun] = field(default_factory=list)
    backend: str = "native"
    timings: dict[str, float] = field(default_factory=dict)


def probe_set(
    stack: Stack, context: Context, release_set: ReleaseSet
) -> dict[str, dict[str, dict[str, str]]]:
    matrix = probe_matrix(stack, context, versions=release_set.as_dict())
    return {MATRIX: matrix.cells(), SPOOFING: spoofing.probe(stack, context)}


def run_grid(sets: list[ReleaseSet], log: Callable[[str], None] = print, stack: Stack | None = None) -> Grid:
    stack = stack or compose.load()
    backend = choose(stack, log=lambda _: None, wanted="native")
    if backend.is_running():
        raise ProxylabError(
            "a native stack",
            "is already running (make up)",
            "`make down` first: make drift starts and stops a stack of its own",
        )
    grid = Grid()
    began = time.monotonic()
    envs = [ensure_env(release_set, log=log) for release_set in sets]
    grid.timings["environments_s"] = round(time.monotonic() - began, 1)
    services = app_services(stack)
    # A `down` that fails at the end (a port still held) is noted after a failure of the grid's
    # own (a restart that found that port in use), never told in its place.
    with cleaned_up_by(backend.down):
        # Started with today's pins, whose apps pass their healthchecks; each set then replaces
        # the apps and is only required to answer (an old set may fail its own health URL).
        log(f"starting the native stack ({len(stack.services)} services)")
        grid.timings["stack_up_s"] = round(backend.up(), 1)
        context = Context(stack, backend)
        for index, (release_set, env) in enumerate(zip(sets, envs)):
            set_began = time.monotonic()
            run_apps(backend, env, services, healthy=False)
            versions = {**backend.versions(), **installed(env)}
            _check_versions(release_set, versions)
            tables = probe_set(stack, context, release_set)
            seconds = round(time.monotonic() - set_began, 1)
            log(
                f"[{index + 1}/{len(sets)}] {release_set.label}: "
                f"{len(tables[MATRIX])} routes probed in {seconds}s"
            )
            grid.runs.append(SetRun(release_set, versions, tables, seconds))
    grid.timings["total_s"] = round(time.monotonic() - began, 1)
    return grid


def _check_versions(release_set: ReleaseSet, versions: dict[str, str]) -> None:
    """The apps must report the set's versions: a wrong interpreter would make the grid a lie."""
    for name, wanted in release_set.as_dict().items():
        if versions.get(name) != wanted:
            raise ProxylabError(
                f"the apps' {name}",
                f"is {versions.get(name)}, not {wanted}",
                "delete ~/.cache/proxylab/drift and run again",
            )
