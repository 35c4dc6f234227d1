"""Route × field tables: the shape every regression suite shares, compared, diffed and recorded.

What: a table maps a route key (`9999 traefik/docs-experiment`, `Route.key`) to {field: cell}.
`compare` lists every cell that changed and every route missing or added; `render_diff` prints
that list as `route | field | expected | actual` with the next step; `read_expectation` and
`write_expectation` read and write a reviewed file in suites/expected/ with errors that say how
to mend it; `compare_or_record` is the whole command line of a suite whose cells are strings
(spoofing, odd paths): print a summary, then record (--update) or compare.
When: the matrix, the browser checks, the spoofing suite and the odd-paths suite, and their tests.
Why: every suite is the same kind of regression net over every route: one table, one diff, one
way to re-record after a reviewed change.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxylab import compose
from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.exits import run_main
from proxylab.paths import REPO

Table = dict[str, dict[str, str]]  # route key → field (or case) → cell
Cells = Mapping[str, Mapping[str, str]]
INSTANCE_HEADER = "x-proxylab-instance"  # the echo app stamps every answer; a proxy's own lacks it
ROUTE_FIELD = "(route)"  # the field of a Difference about a whole route


@dataclass(frozen=True)
class Difference:
    """One cell (or a whole route, field ROUTE_FIELD) that is not what the expectation says."""

    route: str
    field: str
    expected: str
    actual: str


def compare(expected: Cells, actual: Cells) -> list[Difference]:
    """Differences in the live table's route order, then the routes only the expectation has."""
    differences: list[Difference] = []
    for route, cells in actual.items():
        if route not in expected:
            differences.append(Difference(route, ROUTE_FIELD, "not recorded", "new in compose.yaml"))
            continue
        recorded = expected[route]
        for name in [*cells, *(name for name in recorded if name not in cells)]:
            was, now = recorded.get(name, "(no cell)"), cells.get(name, "(no cell)")
            if was != now:
                differences.append(Difference(route, name, was, now))
    for route in expected:
        if route not in actual:
            differences.append(Difference(route, ROUTE_FIELD, "recorded", "gone from compose.yaml"))
    return differences


def running_rows(expected: Cells, stack: Stack) -> dict[str, Mapping[str, str]]:
    """The expectation's rows for the routes `stack` runs. A route of a profile that is not active
    (the k8s profile's 94xx without `make up K8S=1`) is left out, not reported gone: not_probed
    says so."""
    idle = {name for names in stack.inactive.values() for name in names}
    return {key: cells for key, cells in expected.items() if key.split(" ", 1)[-1].split("/")[0] not in idle}


def not_probed(stack: Stack) -> str:
    """A line naming the profiles whose routes this run leaves out, or '' when none is."""
    every = compose.load(stack.path, profiles=compose.ALL_PROFILES)
    idle = {name for names in stack.inactive.values() for name in names}
    left = [route for route in every.routes if route.proxy in idle or route.app in idle and route.is_direct]
    if not left:
        return ""
    profiles = ", ".join(sorted(stack.inactive))
    return f"not probed: {len(left)} routes of profile {profiles} (not running: `make up K8S=1` starts them)"


def render_diff(differences: list[Difference], between: str, hint: str = "") -> str:
    """A plain-text table of the differing cells only, what they are between, and the next step."""
    if not differences:
        return f"no difference between {between}"
    rows = [
        ("route", "field", "expected", "actual"),
        *((d.route, d.field, d.expected, d.actual) for d in differences),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        " | ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths)), row[3]]).rstrip() for row in rows
    ]
    lines.insert(1, "-+-".join("-" * w for w in [*widths, len(rows[0][3])]))
    count = f"{len(differences)} difference{'s' if len(differences) != 1 else ''}"
    return "\n".join([f"{count} between {between}:", "", *lines, *(["", hint] if hint else [])])


# --- the reviewed files in suites/expected/ ---------------------------------------------------------


def shown(path: Path) -> str:
    """A path as the messages print it: relative to the repo when inside it."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def read_expectation(path: Path, record_with: str, *, require: str | None = None) -> Any:
    """The file's JSON; `require` names a top-level key it must have (e.g. "routes")."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ProxylabError(
            shown(path), "does not exist", f"record it with `{record_with}`, then review it"
        ) from exc
    except ValueError as exc:
        raise ProxylabError(
            shown(path), f"is not valid JSON: {exc}", f"restore it from git or run `{record_with}`"
        ) from exc
    if require is not None and not (isinstance(data, dict) and isinstance(data.get(require), dict)):
        raise ProxylabError(
            shown(path), f"has no `{require}` object", f"restore it from git or run `{record_with}`"
        )
    return data


def write_expectation(path: Path, data: Any, *, sort_keys: bool = False) -> Path:
    """Indented JSON with one trailing newline, so recording the same table twice gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n")
    return path


# --- the command line of a route × case suite ---------------------------------------------------------


def compare_or_record(
    prog: str,
    doc: str,
    expected_file: Path,
    probe: Callable[[Stack], tuple[Table, list[str], str]],
    argv: list[str] | None = None,
) -> int:
    """A suite's command line. `probe` returns the live table, problems no run may show, and a
    one-line summary. Exit 1 on a difference or a problem; faults print their next step (exit 2)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record the live table as the expectation")
    parser.add_argument("--expected", type=Path, default=expected_file)
    args = parser.parse_args(argv)
    return run_main(lambda: _compare_or_record(prog, args, probe))


def _compare_or_record(
    prog: str, args: argparse.Namespace, probe: Callable[[Stack], tuple[Table, list[str], str]]
) -> int:
    stack = compose.load()
    table, problems, summary = probe(stack)
    print(summary)
    if note := not_probed(stack):
        print(note)
    for problem in problems:
        print(f"PROBLEM {problem}")
    if args.update:
        write_expectation(args.expected, table)
        print(f"recorded {args.expected}; review every row before committing it")
        return 1 if problems else 0
    found = compare(running_rows(read_expectation(args.expected, f"{prog} --update"), stack), table)
    print(
        render_diff(
            found,
            f"{shown(args.expected)} and the live table",
            f"if expected, review and run `{prog} --update`",
        )
    )
    return 1 if found or problems else 0
