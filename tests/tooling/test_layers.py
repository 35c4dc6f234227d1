"""The house's layers, as a contract: the wings never import one another, and arrows point inward.

The stack (`proxylab/`) is the ground floor; the instruments (`instruments/`: the HTTP client,
streams, Chromium, wrk, release sets) stand on it; the wings (`labs/`, `suites/`, `bench/`,
`doctor/`) stand on both and never reach sideways into each other (STYLE.md, "Instruments are
shared, wings are not"). A failure names the import that crosses: move the tool it wants into
`instruments/`, or the fact into the stack, rather than importing another wing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from proxylab.paths import REPO

WINGS = ("labs", "suites", "bench", "doctor")
# What each top-level package may import of this repository, besides itself.
ALLOWED: dict[str, set[str]] = {
    "proxylab": set(),
    "instruments": {"proxylab"},
    **{wing: {"instruments", "proxylab"} for wing in WINGS},
}
OURS = {*ALLOWED, "app", "tests"}
# Known crossings, each with why it is still here; a production module must not import from tests/.
# Drop an entry when its import goes.
KNOWN = {
    ("bench/suite.py", "tests.suite_times"): "the suite-times table moves out of tests/ (handled apart)",
}


def _imports(path: Path) -> Iterator[str]:
    """Absolute module names `path` imports; relative imports stay inside their package."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def _crossings(package: str) -> list[str]:
    found = []
    for path in sorted((REPO / package).rglob("*.py")):
        where = path.relative_to(REPO).as_posix()
        for name in _imports(path):
            top = name.split(".")[0]
            if top in OURS and top != package and top not in ALLOWED[package] and (where, name) not in KNOWN:
                found.append(f"{where} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    """A wing importing another wing, or the stack importing a wing or an instrument, ties together
    what changes for different reasons: a lesson would break when a suite is refactored, and
    `python -m proxylab` would load the doctor for `make up`."""
    assert _crossings(package) == []

