"""`python -m suites.matrix [--update]`: what `make matrix` and `make matrix-update` call.

What: probes every route of compose.yaml on the running stack, prints the tables, writes
reports/matrix.{md,html,json} and matrix.<backend>.json, then compares with
suites/expected/matrix.json: exit 0 when every cell matches, 1 with a table of the differing
cells otherwise, 2 on a fault (the stack not answering) with its next step (proxylab/exits.py).
`--update` records the live matrix as the expectation instead of comparing (review `git diff`
before committing it).
When: after `make up`; in CI after the stack tests.
Why: the reports are written even when the comparison fails, so CI's artifact shows the change.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxylab import compose
from proxylab.compose import Stack
from proxylab.context import connect
from proxylab.errors import ProxylabError
from proxylab.exits import run_main
from proxylab.paths import REPORTS_DIR
from suites.matrix.expected import EXPECTED_FILE, load_expected, render_diff, version_changes, write_expected
from suites.matrix.fields import NO_ANSWER
from suites.matrix.html import render_html
from suites.matrix.markdown import render_markdown
from suites.matrix.probe import Matrix, probe_matrix
from suites.matrix.record import write_records
from suites.matrix.terminal import print_matrix
from suites.table import compare, not_probed, running_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suites.matrix", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record the live matrix as the expectation")
    parser.add_argument(
        "--expected", type=Path, default=EXPECTED_FILE, help="the expectation file (default: %(default)s)"
    )
    parser.add_argument(
        "--reports",
        type=Path,
        default=REPORTS_DIR,
        help="where matrix.{md,html,json} go (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    return run_main(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    stack = compose.load()
    matrix = probe_matrix(stack, connect(stack))
    _require_answers(matrix)
    record = None if args.update else load_expected(args.expected)
    expected = None if record is None else record["routes"]
    print_matrix(matrix, expected)
    written = write_reports(matrix, expected, stack, args.reports, args.expected)
    print("wrote " + ", ".join(str(path) for path in written))
    if record is None:
        path = write_expected(matrix, args.expected)
        print(f"recorded the live matrix in {path}; review `git diff {path}` before committing it")
        return 0
    differences = compare(running_rows(expected, stack), matrix.cells())
    print()
    if note := not_probed(stack):
        print(note)
    print(render_diff(differences, args.expected))
    if not differences:
        return 0
    changes = version_changes(record.get("recorded_with", {}).get("versions", {}), matrix.versions)
    if changes:
        print("versions that changed since the expectation was recorded:\n  " + "\n  ".join(changes))
    return 1


def write_reports(
    matrix: Matrix, expected: dict | None, stack: Stack, reports: Path, expected_file: Path = EXPECTED_FILE
) -> list[Path]:
    """reports/matrix.json and matrix.<backend>.json (the run as a record, suites/matrix/record.py),
    .md and .html (highlighting differing cells)."""
    reports.mkdir(parents=True, exist_ok=True)
    outputs = {
        "matrix.md": render_markdown(matrix, expected),
        "matrix.html": render_html(matrix, expected, reports),
    }
    for name, text in outputs.items():
        (reports / name).write_text(text)
    records = write_records(matrix, expected, stack, reports, expected_file)
    return [*records, *(reports / name for name in outputs)]


def _require_answers(matrix: Matrix) -> None:
    """Nothing answering is a stopped stack, not a behaviour change: say so instead of diffing."""
    if matrix.rows and all(row.cells["app.status"] == NO_ANSWER for row in matrix.rows):
        raise ProxylabError(
            "the stack",
            f"no route answered ({matrix.backend} backend)",
            "run `make status`; start it with `make up` (BACKEND=native make up without Docker)",
        )


if __name__ == "__main__":
    sys.exit(main())
