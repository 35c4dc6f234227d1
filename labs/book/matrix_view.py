"""The matrix as a picture: reports/matrix.json laid out for the book's /reports/matrix page.

What: `sections(record, others)` groups the routes by proxy (direct first, as compose.yaml
lists them) and, inside a proxy, by app configuration (the app service and how it learns the
prefix); each row's cells carry the value with its placeholders replaced by what they stood
for in that run ({client} → 127.0.0.77), the expected value when the cell differs from the
expectation, and each other backend's value when its last run (reports/matrix.<backend>.json)
saw something else. `cell_detail(record, port, field, others)` is one cell with the request its
probe sent and the answer, the echo report included.
When: labs/book/reports.py, on every request of the matrix page and of a cell's page.
Why: the plain reports/matrix.html is one table wider than a screen with placeholders where the
values should be; a room reads groups, marks and values. Backends are compared on the cells as
recorded, placeholders and all, because that is what the expectation holds for both.
"""

from __future__ import annotations

import json
from typing import Any

from labs.book.records import Record, expand

# The probe before a field's dot, as the columns' group titles say it (P: the route's prefix).
PROBES = {
    "app": "GET {P}/app",
    "docs": "GET {P}/docs",
    "redirect": "GET {P}/items",
    "ws": "WebSocket {P}/ws",
    "sse": "SSE {P}/stream",
}


LONG = 16  # characters: a longer value (a URL, the servers' JSON) may wrap anywhere, a shorter one never


def column_groups(record: dict[str, Any]) -> list[tuple[str, int]]:
    """(title, how many fields) per probe, in the record's column order."""
    groups: list[tuple[str, int]] = []
    for field in record["fields"]:
        title = PROBES.get(field["probe"], field["probe"])
        if groups and groups[-1][0] == title:
            groups[-1] = (title, groups[-1][1] + 1)
        else:
            groups.append((title, 1))
    return groups


def sections(record: dict[str, Any], others: list[Record]) -> list[dict[str, Any]]:
    """[{proxy, configurations: [{app, configuration, rows: [{route, cells}]}]}] in file order."""
    by_proxy: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {}
    for key, route in record["routes"].items():
        configurations = by_proxy.setdefault(route["proxy"] or "direct", {})
        configurations.setdefault((route["app"], route["configuration"]), []).append(
            _row(record, key, others)
        )
    return [
        {
            "proxy": proxy,
            "configurations": [
                {"app": app, "configuration": configuration, "rows": rows}
                for (app, configuration), rows in configurations.items()
            ],
        }
        for proxy, configurations in by_proxy.items()
    ]


def counts(record: dict[str, Any], others: list[Record]) -> dict[str, int]:
    """How many cells differ from the expectation, and how many between backends."""
    rows = [_row(record, key, others) for key in record["routes"]]
    cells = [cell for row in rows for cell in row["cells"]]
    return {
        "mismatches": sum(cell["expected"] is not None for cell in cells),
        "between_backends": sum(bool(cell["backends"]) for cell in cells),
        "new_routes": sum(bool(route.get("new")) for route in record["routes"].values()),
    }


def cell_detail(record: dict[str, Any], port: int, name: str, others: list[Record]) -> dict[str, Any] | None:
    """One cell, its row, and the exchange of its probe; None when the record has no such cell."""
    key = next((key for key, route in record["routes"].items() if route["port"] == port), None)
    field = next((field for field in record["fields"] if field["name"] == name), None)
    if key is None or field is None:
        return None
    row = _row(record, key, others)
    cell = next(cell for cell in row["cells"] if cell["name"] == name)
    exchange = _readable(record["routes"][key].get("exchanges", {}).get(field["probe"]))
    return {
        "row": row,
        "cell": cell,
        "field": field,
        "probe": PROBES.get(field["probe"]),
        "exchange": exchange,
    }


def _readable(exchange: dict[str, Any] | None) -> dict[str, Any] | None:
    """The exchange with its echo as indented JSON text (and the same for the request it led to)."""
    if exchange is None:
        return None
    answer = exchange.get("answer", {})
    echo = answer.get("echo")
    readable = {**answer, "echo": None if echo is None else json.dumps(echo, indent=2, ensure_ascii=False)}
    return {**exchange, "answer": readable, "then": _readable(exchange.get("then"))}


def _row(record: dict[str, Any], key: str, others: list[Record]) -> dict[str, Any]:
    route = record["routes"][key]
    placeholders = record.get("placeholders", {})
    cells = []
    for field in record["fields"]:
        name = field["name"]
        value = route["cells"].get(name, "")
        expected = route.get("differs", {}).get(name)
        backends = {}
        for other in others:
            theirs = other.data["routes"].get(key, {}).get("cells", {}).get(name)
            if theirs is not None and theirs != value:
                backends[other.data["backend"]] = expand(theirs, other.data.get("placeholders", {}))
        shown = expand(value, placeholders)
        cells.append(
            {
                "name": name,
                "value": shown,
                "long": len(shown) > LONG,
                "recorded_as": value,  # with its placeholders, as the expectation writes it
                "expected": None if expected is None else expand(expected, placeholders),
                "backends": backends,
                "status": value[:1] if value[:3].isdigit() else "",  # 2, 3, 4, 5: the status class
            }
        )
    return {"key": key, "route": route, "cells": cells}
