"""`python -m suites.drift [--sets "SET SET ..."] [--proxies "PROXY==V ..."]`: what `make drift` calls.

A set is `uvicorn==X,starlette==Y,fastapi==Z` (components left out keep today's pins); sets are
separated by spaces. A proxy version is `nginx==1.22.1` (traefik, nginx, caddy or haproxy); each
proxy named gets an axis of its versions, oldest first, ending with compose.yaml's pin. With
neither option (nor SETS= or PROXIES=) both default grids of suites/drift/grid.py run; with one,
only that one.
Exit 0 when the reports are written (drift is information, not failure); 2 on bad SETS or a
fault, with the next step (no native stack may be running; an environment that cannot be built
names its set); 130 interrupted (proxylab/exits.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from instruments.releases.proxies import parse_proxy_versions
from instruments.releases.sets import parse_sets
from proxylab.errors import ProxylabError
from proxylab.exits import OK, run_main
from proxylab.paths import REPORTS_DIR
from suites.drift.changes import changes, silent_entries
from suites.drift.grid import DEFAULT_GRID, DEFAULT_PROXY_GRID, Grid, run_grid
from suites.drift.report import write_reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suites.drift", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        default=os.environ.get("SETS", ""),
        help="release sets, space-separated (default: the built-in grid)",
    )
    parser.add_argument(
        "--proxies",
        default=os.environ.get("PROXIES", ""),
        help="proxy versions, space-separated, e.g. nginx==1.22.1 (default: the built-in grid)",
    )
    parser.add_argument("--reports", type=Path, default=REPORTS_DIR)
    args = parser.parse_args(argv)
    return run_main(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    sets, proxies = DEFAULT_GRID, DEFAULT_PROXY_GRID
    if args.sets.strip() or args.proxies.strip():  # naming one axis runs only what is named
        sets, proxies = [], []
    try:
        sets = parse_sets(args.sets) if args.sets.strip() else sets
    except ValueError as exc:
        raise ProxylabError(
            "SETS", str(exc), 'write sets as "uvicorn==X,starlette==Y,fastapi==Z", space-separated'
        ) from exc
    try:
        proxies = parse_proxy_versions(args.proxies) if args.proxies.strip() else proxies
    except ValueError as exc:
        raise ProxylabError(
            "PROXIES", str(exc), 'write proxy versions as "nginx==1.22.1 haproxy==2.6.12", space-separated'
        ) from exc
    named = sorted({version.proxy for version in proxies})
    print(
        f"drift: {len(sets)} release sets and {len(proxies)} proxy versions"
        + (f" ({', '.join(named)}, each then at compose.yaml's pin)" if named else "")
        + " on the native backend"
    )
    grid = run_grid(sets, proxies)
    _print_steps(grid)
    written = write_reports(grid, args.reports)
    print(
        f"{len(changes(grid))} cell changes; took {grid.timings['total_s']} s; wrote "
        + ", ".join(str(p) for p in written)
    )
    return OK


def _print_steps(grid: Grid) -> None:
    changed = changes(grid)
    print("cells that changed, step by step (every cell is in reports/drift.md):")
    for _, runs in grid.axes():
        for run, following in zip(runs, runs[1:]):
            here = [
                change
                for change in changed
                if change.before_set == run.release_set and change.after_set == following.release_set
            ]
            entries = sorted({_short(entry.reference) for change in here for entry in change.entries})
            print(
                f"  {run.release_set.label:<32} → {following.release_set.label:<32} {len(here):>4} cells"
                + (f"  ({', '.join(entries)})" if entries else "")
            )
    for entry in silent_entries(grid):
        print(f"  no cell shows {entry}")


def _short(reference: str) -> str:
    """#2213 for a pull request, the last part of any other reference."""
    tail = reference.rsplit("/", 1)[-1]
    return f"#{tail}" if tail.isdigit() else tail


if __name__ == "__main__":
    sys.exit(main())
