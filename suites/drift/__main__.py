"""`python -m suites.drift [--sets "SET SET ..."]`: what `make drift` calls.

A set is `uvicorn==X,starlette==Y,fastapi==Z` (components left out keep today's pins); sets are
separated by spaces. Without --sets (or SETS=), the default grid of suites/drift/grid.py runs.
Exit 0 when the reports are written (drift is information, not failure); 2 on bad SETS or a
fault, with the next step (no native stack may be running; an environment that cannot be built
names its set); 130 interrupted (proxylab/exits.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from instruments.releases.sets import parse_sets
from proxylab.errors import ProxylabError
from proxylab.exits import OK, run_main
from proxylab.paths import REPORTS_DIR
from suites.drift.changes import changes, silent_entries
from suites.drift.grid import DEFAULT_GRID, run_grid
from suites.drift.report import write_reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suites.drift", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        default=os.environ.get("SETS", ""),
        help="release sets, space-separated (default: the built-in grid)",
    )
    parser.add_argument("--reports", type=Path, default=REPORTS_DIR)
    args = parser.parse_args(argv)
    return run_main(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    try:
        sets = parse_sets(args.sets) if args.sets.strip() else DEFAULT_GRID
    except ValueError as exc:
        raise ProxylabError(
            "SETS", str(exc), 'write sets as "uvicorn==X,starlette==Y,fastapi==Z", space-separated'
        ) from exc
    print(f"drift: {len(sets)} release sets on the native backend")
    grid = run_grid(sets)
    changed = changes(grid)
    print("cells that changed, step by step (every cell is in reports/drift.md):")
    for run, following in zip(grid.runs, grid.runs[1:]):
        here = [
            change
            for change in changed
            if change.before_set == run.release_set and change.after_set == following.release_set
        ]
        entries = sorted({entry.reference.rsplit("/", 1)[-1] for change in here for entry in change.entries})
        print(
            f"  {run.release_set.label:<32} → {following.release_set.label:<32} {len(here):>4} cells"
            + (f"  ({', '.join('#' + e if e.isdigit() else e for e in entries)})" if entries else "")
        )
    for entry in silent_entries(grid):
        print(f"  no cell shows {entry}")
    written = write_reports(grid, args.reports)
    print(
        f"{len(changed)} cell changes; took {grid.timings['total_s']} s; wrote "
        + ", ".join(str(p) for p in written)
    )
    return OK


if __name__ == "__main__":
    sys.exit(main())
