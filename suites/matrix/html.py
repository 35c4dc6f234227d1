"""reports/matrix.html: the matrix as one self-contained page (inline CSS, no external assets).

What: `render_html(matrix, expected, reports_dir)` fills matrix.html.j2: the run's backend,
time and versions, then one row per route with every cell. A cell that differs from the
expectation is highlighted and says what was recorded. The last column, `screenshots`, shows
reports/screenshots/<port>-docs.png (Swagger UI) and <port>-redoc.png (ReDoc) side by side when
those files exist (see `screenshot_for`; `python -m suites.browser` writes them).
When: every `make matrix`; CI keeps the page as an artifact, a workshop projects it.
Why: one file that opens anywhere, offline, and still shows everything after it is moved: the
images are embedded as data: URIs, the page references no URL at all.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from proxylab.paths import REPORTS_DIR
from suites.matrix.fields import (
    APP_FIELDS,
    DESCRIPTIONS,
    DOCS_FIELDS,
    FIELDS,
    REDIRECT_FIELDS,
    ROUTE_COLUMNS,
    SSE_FIELDS,
    WS_FIELDS,
    route_columns,
)
from suites.matrix.probe import Matrix

TEMPLATE = "matrix.html.j2"
SCREENSHOTS = "screenshots"  # folder under the reports folder; suites.browser fills it
SCREENSHOT_PAGES = ("docs", "redoc")  # <port>-<page>.png, shown in this order
GROUPS = (
    ("route", len(ROUTE_COLUMNS)),
    ("GET {P}/app", len(APP_FIELDS)),
    ("GET {P}/docs", len(DOCS_FIELDS)),
    ("GET {P}/items", len(REDIRECT_FIELDS)),
    ("WebSocket {P}/ws", len(WS_FIELDS)),
    ("SSE {P}/stream", len(SSE_FIELDS)),
    ("", 1),
)
WRAPPING = (
    "app.url_for",
    "docs.servers",
    "redirect.location",
    "ws.url_for",
)  # long values wrap; the rest stay on one line


def screenshot_for(port: int, reports_dir: Path = REPORTS_DIR, page: str = "docs") -> str | None:
    """The hook for screenshots: reports/screenshots/<port>-<page>.png as a data: URI, or None.
    Whatever takes the screenshots only has to write files with that name before rendering."""
    image = reports_dir / SCREENSHOTS / f"{port}-{page}.png"
    if not image.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode("ascii")


def render_html(
    matrix: Matrix, expected: Mapping[str, Mapping[str, str]] | None = None, reports_dir: Path = REPORTS_DIR
) -> str:
    rows = []
    for row in matrix.rows:
        recorded = None if expected is None else expected.get(row.key)
        cells = [
            {
                "value": row.cells[name],
                "recorded": None if recorded is None else recorded.get(name, "(no cell)"),
            }
            for name in FIELDS
        ]
        rows.append(
            {
                "key": row.key,
                "direct": row.route.is_direct,
                "new": expected is not None and recorded is None,
                "route": route_columns(row.route),
                "cells": cells,
                "screenshot": screenshot_for(row.route.port, reports_dir),
                "redoc_screenshot": screenshot_for(row.route.port, reports_dir, "redoc"),
            }
        )
    differing = sum(
        1
        for row in rows
        for cell in row["cells"]
        if cell["recorded"] is not None and cell["recorded"] != cell["value"]
    )
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            matrix=matrix,
            rows=rows,
            groups=GROUPS,
            wrapping=WRAPPING,
            route_columns=ROUTE_COLUMNS,
            fields=FIELDS,
            descriptions=DESCRIPTIONS,
            compared=expected is not None,
            differing=differing,
            new_routes=sum(1 for row in rows if row["new"]),
            gone=[key for key in (expected or {}) if key not in matrix.cells()],
        )
    )


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
