"""The matrix as terminal tables, readable on a projector.

What: `print_matrix(matrix, expected)` prints two rich tables with one row per route: "app"
(what GET {P}/app reports) and "docs & redirect" (the docs page, its schema, the /items redirect).
Cells that differ from the expectation are bold red and marked ≠. A URL on the route's own
origin is shown as `…/path`, so the URLs that point anywhere else stand out in full.
When: `make matrix`, before the comparison's verdict.
Why: twelve cells and four route columns do not fit one projector-wide table; split by what
a person looks at together, each table stays near 140 columns. The reports and the diff always
show full values.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.table import Table
from rich.text import Text

from suites.matrix.fields import (
    APP_FIELDS,
    DOCS_FIELDS,
    REDIRECT_FIELDS,
    ROUTE_COLUMNS,
    SHORT_TITLES,
    SSE_FIELDS,
    WS_FIELDS,
    route_columns,
)
from suites.matrix.probe import Matrix

TABLES = (
    ("app: GET {P}/app", APP_FIELDS),
    ("docs & redirect: GET {P}/docs, its schema, GET {P}/items", DOCS_FIELDS + REDIRECT_FIELDS),
    ("streams: a WebSocket at {P}/ws (sends hello), SSE at {P}/stream", WS_FIELDS + SSE_FIELDS),
)
CI_WIDTH = 160  # when stdout is not a terminal (CI logs), rich would otherwise assume 80


def print_matrix(
    matrix: Matrix, expected: Mapping[str, Mapping[str, str]] | None = None, console: Console | None = None
) -> None:
    console = console or _console()
    console.print(f"proxylab behaviour matrix: {matrix.backend} backend, {matrix.taken_at}")
    console.print(
        "versions: " + ", ".join(f"{name} {version}" for name, version in matrix.versions.items()),
        style="dim",
    )
    for title, fields in TABLES:
        console.print(_table(matrix, expected, title, fields))
    console.print(
        "P is /api/v1 on proxy routes and empty on direct ones; all requests come from 127.0.0.77; "
        "…/x is http://127.0.0.1:<the row's port>/x.",
        style="dim",
    )


def _table(
    matrix: Matrix, expected: Mapping[str, Mapping[str, str]] | None, title: str, fields: tuple[str, ...]
) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ROUTE_COLUMNS:
        table.add_column(name, style="bold" if name == "port" else None, no_wrap=True)
    for name in fields:
        table.add_column(SHORT_TITLES[name], overflow="fold")
    for row in matrix.rows:
        recorded = (expected or {}).get(row.key)
        differs = [recorded is not None and recorded.get(name) != row.cells[name] for name in fields]
        cells = [
            _cell(_shorten(row.cells[name], row.route.base_url), flag) for name, flag in zip(fields, differs)
        ]
        port, *described = route_columns(row.route)
        if expected is not None and recorded is None:
            port = Text(f"{port} new", style="bold red")  # a route the expectation does not know
        table.add_row(
            port, *described, *cells, end_section=row.route.is_direct and _last_direct(matrix, row.key)
        )
    return table


def _shorten(value: str, own_origin: str) -> str:
    """http://127.0.0.1:9999/api/v1/app on port 9999 → …/api/v1/app."""
    return "…" + value[len(own_origin) :] if value.startswith(own_origin + "/") else value


def _cell(value: str, differs: bool) -> Text:
    if differs:
        return Text(f"≠ {value}", style="bold red")
    return Text(value, style=_status_style(value))


def _status_style(value: str) -> str:
    if not value.isdigit():
        return ""
    return {"2": "green", "3": "cyan", "4": "yellow"}.get(value[0], "red")


def _last_direct(matrix: Matrix, key: str) -> bool:
    """A rule under the direct routes separates them from the proxied ones."""
    direct = [row.key for row in matrix.rows if row.route.is_direct]
    return bool(direct) and key == direct[-1]


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=CI_WIDTH)
