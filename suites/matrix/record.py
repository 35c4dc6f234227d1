"""reports/matrix.json and reports/matrix.<backend>.json: one run of the matrix, as a record.

What: `write_records(matrix, expected, reports_dir)` writes the run twice: matrix.json (the last
run, whatever its backend) and matrix.<backend>.json (the last run on that backend), so a reader
can put the two backends side by side. The record is self-describing:
  {"backend", "taken_at", "versions",
   "compared_with": the expectation file, or null when the run recorded it (`--update`),
   "placeholders": {"{client}": "127.0.0.77", ...} (what each placeholder stood for here),
   "fields": [{"name", "probe", "title", "description"}] (the columns, in order),
   "routes": {key: {"port", "proxy", "shown_as", "strips", "app", "configuration", "url",
                    "defaults", "host", "cells", "differs": {field: expected value},
                    "new" (no expectation for the route), "exchanges": {probe: request, answer}}}}
When: every `make matrix` (suites/matrix/__main__.py), after the probe.
Why: the lab book's matrix page (labs/book/matrix_view.py) reads this record and nothing else; it
is a wing of its own and may not import the suites (pyproject.toml's import contracts), so the
record carries the titles, descriptions and comparisons it shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from proxylab.check.readme import describe_app
from proxylab.compose import Stack
from proxylab.paths import REPO
from suites.matrix.fields import DESCRIPTIONS, FIELDS, SHORT_TITLES, route_columns
from suites.matrix.probe import Matrix, Row

Expected = Mapping[str, Mapping[str, str]]


def write_records(
    matrix: Matrix, expected: Expected | None, stack: Stack, reports_dir: Path, compared_with: Path
) -> list[Path]:
    """matrix.json and matrix.<backend>.json in `reports_dir`; returns both paths."""
    record = matrix_record(matrix, expected, stack, compared_with)
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    paths = [reports_dir / "matrix.json", reports_dir / f"matrix.{matrix.backend}.json"]
    for path in paths:
        path.write_text(text, encoding="utf-8")
    return paths


def matrix_record(
    matrix: Matrix, expected: Expected | None, stack: Stack, compared_with: Path | None = None
) -> dict[str, Any]:
    """The record of `matrix`: compared with `expected` (route key → cells) when given."""
    shown = None
    if expected is not None and compared_with is not None:
        shown = str(compared_with.relative_to(REPO) if compared_with.is_relative_to(REPO) else compared_with)
    return {
        "backend": matrix.backend,
        "taken_at": matrix.taken_at,
        "versions": matrix.versions,
        "compared_with": shown,
        "placeholders": matrix.placeholders,
        "fields": [
            {
                "name": name,
                "probe": name.split(".", 1)[0],
                "title": SHORT_TITLES[name],
                "description": DESCRIPTIONS[name],
            }
            for name in FIELDS
        ],
        "routes": {row.key: _route(row, expected, stack) for row in matrix.rows},
    }


def _route(row: Row, expected: Expected | None, stack: Stack) -> dict[str, Any]:
    route = row.route
    service = stack.services.get(route.app)
    recorded = None if expected is None else expected.get(row.key)
    return {
        "port": route.port,
        "proxy": route.proxy,
        "shown_as": route_columns(route)[1],  # "nginx (defaults)", "edge → 9060", "—" when direct
        "strips": route.strips,
        "app": route.app,
        "configuration": describe_app(service) if service else "",
        "url": route.url("/app"),
        "defaults": route.defaults,
        "host": route.host,
        "cells": row.cells,
        # only the cells that differ: the expectation itself is suites/expected/matrix.json
        "differs": {
            name: recorded.get(name, "(no cell)")
            for name, value in row.cells.items()
            if recorded is not None and recorded.get(name) != value
        },
        "new": expected is not None and recorded is None,
        "exchanges": row.exchanges,
    }
