"""Route × case tables (the spoofing and odd-paths suites): compare with the record, or record.

What: a Table maps a route key ("9999 traefik/docs-experiment") to {case: cell}. `differences`
lists every cell that changed, route missing or added; `compare_or_record` is the whole command
line of a suite: print a summary, then either write the expectation (--update) or compare with
it, printing one `route | case | expected | actual` line per difference.
When: `python -m labs.spoofing` and `python -m labs.oddpaths`; their tests call `differences`.
Why: both suites are the same kind of regression net over every route; one shape of table, one
diff, one way to re-record after a reviewed change.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from labs.expectation_file import read_expectation, write_expectation
from proxylab import compose
from proxylab.compose import Route, Stack
from proxylab.errors import ProxylabError

Table = dict[str, dict[str, str]]  # route key → case → cell
INSTANCE_HEADER = "x-proxylab-instance"  # the echo app stamps every answer; a proxy's own lacks it


def route_key(route: Route) -> str:
    return f"{route.port} {route.label}"


def differences(expected: Table, actual: Table, cases: Iterable[str]) -> list[tuple[str, str, str, str]]:
    """(route, case, expected, actual) for every cell that differs, missing routes included."""
    cases = list(cases)
    found = []
    for route in [*actual, *(key for key in expected if key not in actual)]:
        for case in cases:
            was = expected.get(route, {}).get(case, "(not recorded)")
            now = actual.get(route, {}).get(case, "(no route)")
            if was != now:
                found.append((route, case, was, now))
    return found


def compare_or_record(
    prog: str, doc: str, expected_file: Path, cases: Iterable[str],
    probe: Callable[[Stack], tuple[Table, list[str], str]], argv: list[str] | None = None,
) -> int:
    """A suite's command line. `probe` returns the live table, problems no run may show, and a
    one-line summary. Exit 1 on a difference or a problem; faults print their next step."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record the live table as the expectation")
    parser.add_argument("--expected", type=Path, default=expected_file)
    args = parser.parse_args(argv)
    try:
        table, problems, summary = probe(compose.load())
        print(summary)
        for problem in problems:
            print(f"PROBLEM {problem}")
        if args.update:
            write_expectation(args.expected, table)
            print(f"recorded {args.expected}; review every row before committing it")
            return 1 if problems else 0
        found = differences(read_expectation(args.expected, f"{prog} --update"), table, cases)
    except ProxylabError as error:
        print(error.render(), file=sys.stderr)
        return 3
    for route, case, was, now in found:
        print(f"{route} | {case} | expected {was} | actual {now}")
    print("the live table matches" if not found else f"{len(found)} differences; if expected, review and run with --update")
    return 1 if found or problems else 0
