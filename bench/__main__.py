"""`python -m bench`: measure what each proxy costs; print a table, write JSON and a chart.

  python -m bench           full run (`make bench`, ~6 min of load plus the suite):
                                 reports/bench.json, bench.png
  python -m bench --smoke   a short run that proves the bench works (`make bench-smoke`,
                                 CI): reports/bench-smoke.json and bench-smoke.png

Needs wrk (`make deps`) and the native backend; starts the stack if it is not running and stops
it again at the end. The report also keeps the last `make test` session of each backend
(reports/test-times.<backend>.json), and the table shows how each changed since the previous
report in the same place (read before it is overwritten). Exit status (proxylab/exits.py): 0 measured;
1 some request failed (errors or non-2xx, so the numbers measure failures, not the proxy); 2 a fault
with a next step (wrk missing, ports busy); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from bench import chart, regress, table
from bench.run import Plan, run_bench
from proxylab import compose
from proxylab.backend import choose
from proxylab.exits import EXPECTATION_FAILED, OK, run_main
from proxylab.paths import REPORTS_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--smoke", action="store_true", help="1 s per target, 1 repeat, 1 cold start, no test suite"
    )
    parser.add_argument(
        "--out", type=Path, default=REPORTS_DIR, help="where the JSON and PNG go (default reports/)"
    )
    parser.add_argument(
        "--cold-starts", type=int, help="down-then-up cycles to time (0 skips; restarts the stack)"
    )
    parser.add_argument("--repeats", type=int, help="load runs per target and path")
    args = parser.parse_args(argv)
    plan = Plan.smoke() if args.smoke else Plan.full()
    if args.cold_starts is not None:
        plan = replace(plan, cold_starts=args.cold_starts)
    if args.repeats is not None:
        plan = replace(plan, repeats=args.repeats)
    return run_main(lambda: _run(plan, args.out, "bench-smoke" if args.smoke else "bench"))


def _run(plan: Plan, out: Path, stem: str) -> int:
    errors = Console(stderr=True, highlight=False, soft_wrap=True)

    def log(line: str) -> None:
        errors.print(f"[bench] {line}", markup=False)

    previous = regress.load_previous(out / f"{stem}.json", log)
    stack = compose.load()
    backend = choose(stack, log=lambda line: errors.print(f"[stack] {line}", markup=False), wanted="native")
    report = run_bench(plan, stack, backend, log=log)
    json_path, png_path = write(report, out, stem)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    table.print_report(report, console, previous)
    console.print(f"\nwrote {json_path} and {png_path}")
    failed = [
        f"{name} {target}"
        for name, path in report["load"]["paths"].items()
        for target, data in path["targets"].items()
        if data["errors"] or data["non_2xx"]
    ]
    if failed:
        errors.print(
            f"error: requests failed on {', '.join(failed)}: these numbers measure failures; read `make logs`"
        )
        return EXPECTATION_FAILED
    return OK


def write(report: dict, out: Path, stem: str) -> tuple[Path, Path]:
    """reports/<stem>.json (with the chart's path in it) and reports/<stem>.png."""
    out.mkdir(parents=True, exist_ok=True)
    png_path = chart.draw(report, out / f"{stem}.png")
    report["chart"] = png_path.name
    json_path = out / f"{stem}.json"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return json_path, png_path


if __name__ == "__main__":
    sys.exit(main())
