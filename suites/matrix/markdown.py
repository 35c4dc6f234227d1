"""reports/matrix.md: the matrix as one Markdown table, with the versions and backend that ran.

What: `render_markdown(matrix, expected)` gives a page with when and where it ran, the versions,
a table with one row per route and one column per cell, and a legend. A cell that differs from
the expectation reads `actual` ≠ expected `recorded`.
When: every `make matrix` writes it; CI keeps it as an artifact, a PR can paste it.
Why: Markdown renders on GitHub and in a terminal alike; a reviewer sees the change in place.
"""

from __future__ import annotations

from collections.abc import Mapping

from suites.matrix.fields import DESCRIPTIONS, FIELDS, NONE, ROUTE_COLUMNS, route_columns
from suites.matrix.probe import Matrix


def render_markdown(matrix: Matrix, expected: Mapping[str, Mapping[str, str]] | None = None) -> str:
    lines = [
        "# proxylab behaviour matrix",
        "",
        f"Taken {matrix.taken_at} on the **{matrix.backend}** backend. Every request comes from "
        "127.0.0.77; P is `/api/v1` on proxy routes and empty on direct ones.",
        "",
        "| component | version |",
        "| --- | --- |",
        *(f"| {name} | {_escape(version)} |" for name, version in matrix.versions.items()),
        "",
        "| " + " | ".join([*ROUTE_COLUMNS, *FIELDS]) + " |",
        "| " + " | ".join("---" for _ in [*ROUTE_COLUMNS, *FIELDS]) + " |",
    ]
    for row in matrix.rows:
        recorded = None if expected is None else expected.get(row.key)
        cells = [
            _cell(row.cells[name], None if recorded is None else recorded.get(name, "(no cell)"))
            for name in FIELDS
        ]
        port, *described = route_columns(row.route)
        if expected is not None and recorded is None:
            port = f"**{port} (new)**"  # a route the expectation does not know
        lines.append("| " + " | ".join([port, *described, *cells]) + " |")
    gone = [key for key in (expected or {}) if key not in matrix.cells()]
    if gone:
        lines += [
            "",
            "Recorded in suites/expected/matrix.json but gone from compose.yaml: "
            + ", ".join(f"`{key}`" for key in gone),
        ]
    lines += ["", "Columns:", "", *(f"- `{name}`: {_escape(text)}" for name, text in DESCRIPTIONS.items())]
    if expected is not None:
        lines.append(
            "- a cell written `actual` ≠ `recorded` differs from suites/expected/matrix.json; "
            "a port marked (new) is a route it does not record"
        )
    return "\n".join(lines) + "\n"


def _cell(value: str, recorded: str | None) -> str:
    shown = value if value == NONE else f"`{_escape(value)}`"
    if recorded is None or recorded == value:
        return shown
    return f"**{shown} ≠ `{_escape(recorded)}`**"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")
