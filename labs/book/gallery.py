"""The docs-UI gallery: Swagger UI and ReDoc per route, broken ones first, from docs_ui.json.

What: `entries(record)` orders reports/screenshots/docs_ui.json's routes for the gallery: a
route with a broken page (either one) before every route whose two pages work, then by port as
compose.yaml numbers them; each entry keeps its two pages (the screenshot's file, ok, what
failed). `screenshot(screenshots, name)` is the PNG a name points at, or None for any name that
is not one of suites.browser's `<port>-docs.png` / `<port>-redoc.png`.
When: labs/book/reports.py's /reports/gallery page and the matrix page's docs-UI column.
Why: a room looks for what broke; the working pages are the reference they are compared with.
The file names are checked by pattern, not joined into a path, so a request cannot read
anything else from the disk.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

SCREENSHOT = re.compile(r"\d{2,5}-(?:docs|redoc)\.png")  # what suites/browser/record.py names
PAGES = (("swagger", "Swagger UI", "{P}/docs"), ("redoc", "ReDoc", "{P}/redoc"))


def entries(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The routes, broken first; each with `broken` (either page) and its `pages` in PAGES order."""
    found = [
        {
            **route,
            "broken": not all(route[page]["ok"] for page, _, _ in PAGES),
            "pages": [{**route[page], "title": title, "path": path} for page, title, path in PAGES],
        }
        for route in record.get("routes", [])
    ]
    return sorted(found, key=lambda entry: (not entry["broken"], entry["port"]))


def by_port(record: dict[str, Any] | None) -> dict[int, dict[str, Any]]:
    """port → the route's entry, for the matrix page's docs-UI column ({} without a record)."""
    return {} if record is None else {entry["port"]: entry for entry in entries(record)}


def screenshot(screenshots: Path, name: str) -> Path | None:
    """The screenshot called `name` in `screenshots`, if the name is one and the file exists."""
    if not SCREENSHOT.fullmatch(name):
        return None
    path = screenshots / name
    return path if path.is_file() else None
