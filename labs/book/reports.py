"""The book's report pages under /reports: the matrix, the docs-UI gallery, drift, bench, doctor.

What: `report_routes(page, reports_dir)` is the list of routes labs/book/app.py mounts at
/reports: `/` lists the records and when each was written; `/matrix` the matrix as a picture
(labs/book/matrix_view.py) and `/matrix/<port>/<field>` one cell with its request and answer;
`/gallery` the docs-UI screenshots, broken first (labs/book/gallery.py), whose PNGs come from
`/screenshots/<port>-<page>.png`; `/drift`, `/bench` (with `/bench.png`, the chart) and
`/doctor` show those reports. `page` is the book's own renderer, so these pages share its
layout, header and stylesheet; this module adds reports.css.
When: every `make book`. Each request reads its record again (labs/book/records.py), so a new
`make matrix` shows on reload.
Why: the records are the suites', the bench's and the doctor's; the book only shows them, from
this server alone (nothing from a CDN). A page whose record is missing, or in a shape this book
cannot read (a file written before the field it needs), says so and names the command, with
status 200: a fresh checkout has no reports, and that is not an error of the book.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import UndefinedError
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from labs.book import gallery, matrix_view
from labs.book.records import RECORDS, Record, backend_records, read

Page = Callable[..., HTMLResponse]  # app.py's page(template, status=200, **values)
CHARTS = ("bench.png", "bench-smoke.png")  # the only images /bench.png may send (bench/__main__.py)


def report_routes(page: Page, reports_dir: Path) -> list[BaseRoute]:
    """The routes of /reports, reading the records of `reports_dir` (reports/)."""

    def shown(template: str, record: Record, build: Callable[[dict[str, Any]], dict[str, Any]]) -> Response:
        """The page with `build(record.data)`'s values, or the record's problem where it has none
        or holds less than the page reads (a key missing: an older or foreign file)."""
        if record.data is None:
            return page(template, record=record)
        try:
            return page(template, record=record, **build(record.data))
        except (KeyError, TypeError, AttributeError, UndefinedError) as error:
            problem = (
                f"{record.path.name} lacks what this page reads ({type(error).__name__}: {error}); "
                f"it may come from an older proxylab: run `{record.command}` again"
            )
            return page(template, record=Record(record.name, record.path, record.command, problem=problem))

    def index(request: Request) -> Response:
        items = []
        for name, (_, _, what) in RECORDS.items():
            record = read(reports_dir, name)
            when = None
            if record.data is not None:
                when = datetime.fromtimestamp(record.path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M")
            items.append({"name": name, "what": what, "record": record, "when": when})
        return page("report_pages/index.html", items=items)

    def matrix(request: Request) -> Response:
        record = read(reports_dir, "matrix")
        others = backend_records(reports_dir, record)
        docs_ui = gallery.by_port(read(reports_dir, "gallery").data)
        return shown(
            "report_pages/matrix.html",
            record,
            lambda data: {
                "others": others,
                "sections": matrix_view.sections(data, others),
                "groups": matrix_view.column_groups(data),
                "counts": matrix_view.counts(data, others),
                "docs_ui": docs_ui,
            },
        )

    def cell(request: Request) -> Response:
        record = read(reports_dir, "matrix")
        port, name = request.path_params["port"], request.path_params["field"]
        detail = None
        if record.data is not None:
            detail = matrix_view.cell_detail(record.data, port, name, backend_records(reports_dir, record))
        if detail is None:
            return page("report_pages/matrix.html", 404, record=_no_cell(record, port, name))
        return page("report_pages/cell.html", detail=detail)

    def gallery_page(request: Request) -> Response:
        record = read(reports_dir, "gallery")
        return shown("report_pages/gallery.html", record, lambda data: {"entries": gallery.entries(data)})

    def screenshot(request: Request) -> Response:
        path = gallery.screenshot(reports_dir / "screenshots", request.path_params["name"])
        return FileResponse(path) if path else Response("no such screenshot", 404)

    def bench(request: Request) -> Response:
        record = read(reports_dir, "bench")
        return shown("report_pages/bench.html", record, lambda data: {"chart": _chart(reports_dir, data)})

    def bench_chart(request: Request) -> Response:
        record = read(reports_dir, "bench")
        chart = _chart(reports_dir, record.data or {})
        return FileResponse(reports_dir / chart) if chart else Response("no chart: run `make bench`", 404)

    def plain(name: str) -> Callable[[Request], Response]:
        return lambda request: shown(f"report_pages/{name}.html", read(reports_dir, name), lambda data: {})

    return [
        Route("/", index),
        Route("/matrix", matrix),
        Route("/matrix/{port:int}/{field}", cell),
        Route("/gallery", gallery_page),
        Route("/screenshots/{name}", screenshot),
        Route("/drift", plain("drift")),
        Route("/bench", bench),
        Route("/bench.png", bench_chart),
        Route("/doctor", plain("doctor")),
    ]


def _chart(reports_dir: Path, data: dict[str, Any]) -> str | None:
    """The chart the bench record names, if it is one of CHARTS and exists."""
    name = data.get("chart", "bench.png")
    return name if name in CHARTS and (reports_dir / name).is_file() else None


def _no_cell(record: Record, port: int, name: str) -> Record:
    if record.data is None:
        return record
    problem = f"the last matrix has no cell {name} on port {port}; `make matrix` probes every route"
    return Record(record.name, record.path, record.command, problem=problem)
