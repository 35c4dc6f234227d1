"""`python -m suites.browser [--update] [--port N ...]`: what `make screenshots` calls.

What: opens {P}/docs and {P}/redoc of every route of compose.yaml in headless Chromium on the
running stack, runs "Try it out" on GET /app where Swagger UI renders, writes
reports/screenshots/<port>-docs.png and <port>-redoc.png and, beside them, docs_ui.json (each
route's pages, ok or broken and why: suites/browser/record.py), prints one line per route (a route
whose docs inputs are byte-identical to a rendered one's shares that render, suites/browser/renders.py), then
compares with suites/expected/docs_ui.json and with suites/expected/matrix.json: exit 0 when all
agree and no request left loopback, 1 with a route | field | expected | actual table otherwise,
2 on a fault (no Chromium, the stack not running) with its next step (proxylab/exits.py).
`--update` records the live results as the expectation instead (review `git diff` first; it is
refused while they contradict the matrix); with `--port` it records only those routes.
When: after `make up`; `make matrix` afterwards embeds the screenshots in reports/matrix.html.
Why: the screenshots are written before the verdict, so a failing run still shows what the
browser saw.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib.metadata import version
from pathlib import Path

from rich.console import Console
from rich.table import Table

from instruments.chromium.driver import open_browser
from instruments.chromium.network import TOLERATED_EXTERNAL
from proxylab import compose
from proxylab.context import connect
from proxylab.exits import run_main
from proxylab.paths import REPORTS_DIR
from suites.browser.check import RouteCheck
from suites.browser.expected import (
    EXPECTED_FILE,
    UPDATE_HINT,
    against_matrix,
    compare,
    load_expected,
    render_diff,
    write_expected,
)
from suites.browser.record import write_record
from suites.browser.renders import Renders
from suites.browser.run import DESCRIPTIONS
from suites.matrix.expected import EXPECTED_FILE as MATRIX_FILE
from suites.matrix.expected import load_expected as load_matrix
from suites.matrix.html import SCREENSHOTS
from suites.table import not_probed, running_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suites.browser", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record the live results as the expectation")
    parser.add_argument(
        "--port",
        type=int,
        action="append",
        help="check only this route (repeatable; with --update, record only these)",
    )
    parser.add_argument(
        "--expected", type=Path, default=EXPECTED_FILE, help="the expectation file (default: %(default)s)"
    )
    parser.add_argument(
        "--screenshots",
        type=Path,
        default=REPORTS_DIR / SCREENSHOTS,
        help="where the PNGs go (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    return run_main(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    stack = compose.load()
    routes = [route for route in stack.routes if not args.port or route.port in args.port]
    started = time.monotonic()
    with open_browser() as browser:
        renders = Renders(browser, args.screenshots)
        checks = [renders.check(route) for route in routes]
        chromium = browser.version
    print_checks(checks, time.monotonic() - started, args.screenshots)
    recorded_with = {
        "backend": connect(stack).backend.name,
        "chromium": chromium,
        "playwright": version("playwright"),
        "fastapi-offline (Swagger UI, ReDoc 2.5.3)": version("fastapi-offline"),
    }
    print(f"wrote {write_record(checks, args.screenshots, recorded_with)}")  # before the verdict
    live = {check.key: check.fields() for check in checks}
    problems = [f"{check.key}: {problem}" for check in checks for problem in check.problems()]
    contradictions = against_matrix(live, load_matrix(MATRIX_FILE)["routes"], routes)
    if args.update:
        if problems or contradictions:
            return _fail(problems, contradictions, [], "refusing to record results that fail on their own")
        kept = load_expected(args.expected)["routes"] if args.port and args.expected.is_file() else {}
        known = [check.key for check in checks] + [key for key in kept if key not in live]
        path = write_expected(
            {key: live.get(key) or kept[key] for key in known}, recorded_with, DESCRIPTIONS, args.expected
        )
        print(f"recorded the live results in {path}; review `git diff {path}` before committing it")
        return 0
    recorded = {
        key: fields
        for key, fields in running_rows(load_expected(args.expected)["routes"], stack).items()
        if not args.port or key in live
    }
    if note := not_probed(stack):
        print(note)
    differences = compare(recorded, live)
    if problems or contradictions or differences:
        return _fail(problems, contradictions, differences, UPDATE_HINT if differences else "")
    print(f"every route matches {args.expected.name} and the matrix; no request left loopback")
    return 0


def print_checks(checks: list[RouteCheck], seconds: float, screenshots: Path) -> None:
    """One row per route: the two pages and where "Try it out" went."""
    console = Console() if Console().is_terminal else Console(width=160)
    table = Table(title="docs pages in Chromium ({P}/docs, {P}/redoc)", title_justify="left")
    for column in (
        "route",
        "docs",
        "schema",
        "Try it out → GET /app",
        "status",
        "root_path in body",
        "redoc: GET /app at",
        "rendered",
    ):
        table.add_column(column, overflow="fold", no_wrap=column == "route")
    for check in checks:
        fields = check.fields()
        table.add_row(
            check.key,
            _yes(fields["page_renders"]),
            _yes(fields["schema_loaded"]),
            fields["try_it_out_url"] or "—",
            str(fields["try_it_out_status"] or "—"),
            _yes(fields["response_contains_root_path"]),
            ", ".join(fields["redoc_endpoint_urls"]) if fields["redoc_renders"] else "no",
            f"as {check.rendered_as.port}" if check.rendered_as else "itself",
        )
    console.print(table)
    tolerated = sorted({url for check in checks for url in check.tolerated()})
    for url in tolerated:
        console.print(f"blocked and tolerated: {url} ({TOLERATED_EXTERNAL[url]})", style="dim")
    rendered = sum(check.rendered_as is None for check in checks)
    console.print(
        f"{len(checks)} routes in {seconds:.1f} s, {rendered} rendered in Chromium (a route whose docs"
        " inputs are byte-identical to a rendered one's shares its render and screenshots);"
        f" screenshots in {screenshots}",
        style="dim",
    )


def _fail(problems: list[str], contradictions: list, differences: list, hint: str) -> int:
    if problems:
        print("\n" + "\n".join(["failures whatever the expectation says:", *(f"  {p}" for p in problems)]))
    if contradictions:
        print("\n" + render_diff(contradictions, f"what {MATRIX_FILE.name} implies and the browser"))
    if differences:
        print("\n" + render_diff(differences))
    if hint:
        print("\n" + hint)
    return 1


def _yes(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


if __name__ == "__main__":
    sys.exit(main())
