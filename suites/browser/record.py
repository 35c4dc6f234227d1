"""reports/screenshots/docs_ui.json: each route's two docs pages, their screenshots and verdicts.

What: `write_record(checks, screenshots, recorded_with)` writes, beside the PNGs it describes,
  {"taken_at", "recorded_with": {backend, chromium, ...},
   "routes": [{"key", "port", "proxy", "app", "url", "rendered_as" (the port whose render stands
               for this route, or null),
               "swagger": {"file", "ok", "failed"}, "redoc": {"file", "ok", "failed"},
               "problems": [what fails whatever the expectation says]}]}
in compose.yaml's order. A page is ok when it renders and, for Swagger UI, "Try it out" on GET
/app got a 2xx; `failed` says what went wrong the way the browser met it. `file` is the PNG's
name in the same folder, or null when Chromium took no picture (a page it gave up on).
When: every `make screenshots` (suites/browser/__main__.py), before the verdict, so a failing
run is described too.
Why: the lab book's gallery (labs/book/gallery.py) shows the screenshots broken ones first; it may
not import the suites (pyproject.toml's import contracts), so it reads this record instead.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from suites.browser.check import RouteCheck

RECORD = "docs_ui.json"


def write_record(checks: list[RouteCheck], screenshots: Path, recorded_with: dict[str, str]) -> Path:
    """docs_ui.json in `screenshots` (created if needed); returns its path."""
    screenshots.mkdir(parents=True, exist_ok=True)
    record = {
        "taken_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "recorded_with": recorded_with,
        "routes": [route_record(check, screenshots) for check in checks],
    }
    path = screenshots / RECORD
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def route_record(check: RouteCheck, screenshots: Path) -> dict[str, Any]:
    fields, route = check.fields(), check.route
    return {
        "key": check.key,
        "port": route.port,
        "proxy": route.proxy,
        "app": route.app,
        "url": route.url("/docs"),
        "rendered_as": check.rendered_as.port if check.rendered_as else None,
        "swagger": _page(screenshots, route.port, "docs", _swagger_failure(fields)),
        "redoc": _page(screenshots, route.port, "redoc", fields["redoc_failure"] or _redoc_blank(fields)),
        "problems": check.problems(),
    }


def _page(screenshots: Path, port: int, page: str, failed: str | None) -> dict[str, Any]:
    name = f"{port}-{page}.png"
    return {"file": name if (screenshots / name).is_file() else None, "ok": failed is None, "failed": failed}


def _swagger_failure(fields: dict[str, Any]) -> str | None:
    """Why Swagger UI is broken on the route, or None: it does not render, or it renders and its
    "Try it out" leaves the prefix (lab 03: 9004 calls /app and gets the proxy's 404)."""
    if not fields["page_renders"]:
        return fields["docs_failure"] or "Swagger UI does not show the GET /app operation"
    status = fields["try_it_out_status"]
    if status is not None and not 200 <= status < 300:
        return f"renders, but Try it out on GET /app fetched {fields['try_it_out_url']} and got {status}"
    if fields["try_it_out_url"] is not None and status is None:
        return f"renders, but Try it out on GET /app fetched {fields['try_it_out_url']} and got no answer"
    return None


def _redoc_blank(fields: dict[str, Any]) -> str | None:
    return None if fields["redoc_renders"] else "ReDoc does not show the GET /app operation"
