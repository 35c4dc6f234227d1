"""The committed expectation (labs/expected/matrix.json) and how a live matrix differs from it.

What: `load_expected`/`write_expected` read and write the file; `compare(expected, actual)` lists
every changed cell and every route missing or added; `render_diff` prints that list as a table
of route | field | expected | actual with the next step.
When: every `make matrix` compares; `make matrix-update` rewrites the file after a reviewed
change (an upgrade, a new route in compose.yaml).
Why: the expectation is the behaviour of the pinned versions, reviewed once by a person. A
difference is either a regression or a change to review; either way it must not pass silently.
The file also records the versions and backend it was taken with, for information only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from labs.expectation_file import read_expectation
from labs.matrix.probe import Matrix
from proxylab.paths import REPO

EXPECTED_FILE = REPO / "labs" / "expected" / "matrix.json"
UPDATE_HINT = "if this change is expected after an upgrade, review it and run `make matrix-update`"
ROUTE_FIELD = "(route)"  # the field of a Difference about a whole route

Cells = Mapping[str, Mapping[str, str]]  # route key → field → cell


@dataclass(frozen=True)
class Difference:
    """One cell (or a whole route, field ROUTE_FIELD) that is not what the expectation says."""

    route: str
    field: str
    expected: str
    actual: str


def compare(expected: Cells, actual: Cells) -> list[Difference]:
    """Differences in the live matrix's route order, then the routes only the expectation has."""
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


def render_diff(differences: list[Difference], expected_file: Path = EXPECTED_FILE) -> str:
    """A plain-text table of the differing cells only, and what to do about them."""
    if not differences:
        return f"the live matrix matches {_shown(expected_file)}"
    rows = [("route", "field", "expected", "actual")]
    rows += [(d.route, d.field, d.expected, d.actual) for d in differences]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [" | ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths)), row[3]]).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in [*widths, len(rows[0][3])]))
    count = f"{len(differences)} difference{'s' if len(differences) != 1 else ''}"
    return "\n".join([f"{count} between {_shown(expected_file)} and the live matrix:", "", *lines, "", UPDATE_HINT])


def version_changes(recorded: Mapping[str, str], running: Mapping[str, str]) -> list[str]:
    """`uvicorn: 0.54.0 → 0.55.0` for every component whose version differs from the record."""
    names = [*recorded, *(name for name in running if name not in recorded)]
    return [
        f"{name}: {recorded.get(name, '?')} → {running.get(name, '?')}"
        for name in names
        if recorded.get(name) != running.get(name)
    ]


def load_expected(path: Path = EXPECTED_FILE) -> dict:
    """The whole file: {"recorded_with": {"backend", "versions"}, "routes": {key: cells}}."""
    return read_expectation(path, "make matrix-update", require="routes")


def expectation_text(matrix: Matrix) -> str:
    """The file's content for `matrix`: sorted keys, indented, one trailing newline. No timestamp,
    so recording the same behaviour twice gives the same bytes."""
    data = {"recorded_with": {"backend": matrix.backend, "versions": matrix.versions}, "routes": matrix.cells()}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_expected(matrix: Matrix, path: Path = EXPECTED_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(expectation_text(matrix))
    return path


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
