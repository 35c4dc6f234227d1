"""The house rules a tool keeps, as `make check` runs them: ruff's lint and format, and the layers.

pyproject.toml holds each tool's configuration ([tool.ruff], [tool.importlinter]); these tests run
the tools from the virtualenv over the repository, so `make test` fails where `make check` would,
with the tool's own report as the message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from proxylab.paths import REPO

BIN = Path(sys.executable).parent

RULES = {
    # A lint finding: an unused import, a name used before it is bound, imports out of order...
    "ruff check": [str(BIN / "ruff"), "check", "--no-cache", "."],
    # A file the formatter would change: the house's layout (line length 110) has drifted.
    "ruff format": [str(BIN / "ruff"), "format", "--check", "--no-cache", "."],
    # An import across the wings that the contract forbids (labs -> suites, proxylab -> doctor...).
    "lint-imports": [str(BIN / "lint-imports"), "--no-cache"],
}


@pytest.mark.parametrize("rule", RULES)
def test_the_house_keeps_its_rule(rule: str) -> None:
    """A failure quotes the tool: mend the code it names (`make check` runs the same command)."""
    argv = RULES[rule]
    if not Path(argv[0]).exists():
        pytest.fail(f"{argv[0]} is not installed; run `make venv` (pyproject.toml pins it)")
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, (
        f"`{' '.join([Path(argv[0]).name, *argv[1:]])}` failed:\n{done.stdout}{done.stderr}"
    )


def test_every_test_file_has_a_name_of_its_own() -> None:
    """tests/ has no __init__.py, so pytest imports each test file by its bare name: two files
    called test_steps.py stop the whole session at collection ("import file mismatch"), in
    whichever phase first collects both. A failure names the files: rename one."""
    by_name: dict[str, list[str]] = {}
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        by_name.setdefault(path.name, []).append(str(path.relative_to(REPO)))
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}
