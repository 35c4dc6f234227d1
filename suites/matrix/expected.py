"""The committed expectation (suites/expected/matrix.json) and how a live matrix differs from it.

What: `load_expected`/`write_expected` read and write the file; `render_diff` prints the cells
that `suites.table.compare` found as route | field | expected | actual with the next step;
`version_changes` names the components that moved since the file was recorded.
When: every `make matrix` compares; `make matrix-update` rewrites the file after a reviewed
change (an upgrade, a new route in compose.yaml).
Why: the expectation is the behaviour of the pinned versions, reviewed once by a person. A
difference is either a regression or a change to review; either way it must not pass silently.
The file also records the versions and backend it was taken with, for information only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from proxylab.paths import REPO
from suites import table
from suites.matrix.probe import Matrix
from suites.table import Difference, read_expectation, write_expectation

EXPECTED_FILE = REPO / "suites" / "expected" / "matrix.json"
UPDATE_HINT = "if this change is expected after an upgrade, review it and run `make matrix-update`"


def render_diff(differences: list[Difference], expected_file: Path = EXPECTED_FILE) -> str:
    """A plain-text table of the differing cells only, and what to do about them."""
    if not differences:
        return f"the live matrix matches {table.shown(expected_file)}"
    return table.render_diff(differences, f"{table.shown(expected_file)} and the live matrix", UPDATE_HINT)


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


def expectation_data(matrix: Matrix) -> dict:
    """The file's content for `matrix`, with no timestamp: recording the same behaviour twice
    gives the same bytes (write_expectation sorts the keys)."""
    return {
        "recorded_with": {"backend": matrix.backend, "versions": matrix.versions},
        "routes": matrix.cells(),
    }


def write_expected(matrix: Matrix, path: Path = EXPECTED_FILE) -> Path:
    return write_expectation(path, expectation_data(matrix), sort_keys=True)
