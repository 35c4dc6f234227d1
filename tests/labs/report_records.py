"""Small records in the shapes `make matrix`, `make screenshots`, `make drift`, `make bench` and
`make doctor` write them (suites/matrix/record.py, suites/browser/record.py, suites/drift/report.py,
bench/__main__.py, doctor/report.py), cut down to what the book's report pages read.

The numbers and addresses are made up but shaped like a native run: {client} stood for
127.0.0.77; on 9002 the app lost the prefix (a mismatch with the expectation); 9102's stream was
held back on the Compose run only (a difference between backends).
"""

from __future__ import annotations

import json
from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"  # a PNG's signature: enough for a file response

FIELDS = [
    ("app.status", "status", "status of GET {P}/app"),
    ("app.path", "path", "the ASGI path the app received"),
    ("app.client", "client", "the client address the app believes"),
    ("sse.delivery", "events", "streamed or held back"),
]
ECHO = {"instance": "app-server-root-path", "path": "/app", "root_path": "", "client_host": "127.0.0.77"}


def _route(port: int, proxy: str | None, app: str, configuration: str, cells: dict, **extra) -> dict:
    return {
        "port": port,
        "proxy": proxy,
        "shown_as": proxy or "—",
        "strips": None if proxy is None else True,
        "app": app,
        "configuration": configuration,
        "url": f"http://127.0.0.1:{port}{'' if proxy is None else '/api/v1'}/app",
        "defaults": False,
        "host": None,
        "cells": cells,
        "differs": extra.get("differs", {}),
        "new": False,
        "exchanges": extra.get("exchanges", {}),
    }


def matrix(backend: str = "native", delivery: str = "streamed", client: str = "127.0.0.77") -> dict:
    cells = {
        "app.status": "200",
        "app.path": "/api/v1/app",
        "app.client": "{client}",
        "sse.delivery": "streamed",
    }
    app_exchange = {
        "request": {
            "method": "GET",
            "url": "http://127.0.0.1:9002/api/v1/app",
            "source": "127.0.0.77",
            "headers": {},
            "command": "curl -s -i --interface 127.0.0.77 http://127.0.0.1:9002/api/v1/app",
        },
        "answer": {
            "status": 200,
            "reason": "OK",
            "headers": {"content-type": "application/json"},
            "echo": ECHO,
        },
    }
    server = "uvicorn --root-path /api/v1"
    return {
        "backend": backend,
        "taken_at": "2026-12-06T20:00:00+00:00",
        "versions": {"uvicorn": "0.55.0", "traefik": "v3.6.12"},
        "compared_with": "suites/expected/matrix.json",
        "placeholders": {"{client}": client},
        "fields": [{"name": n, "probe": n.split(".")[0], "title": t, "description": d} for n, t, d in FIELDS],
        "routes": {
            "8000 app-server-root-path/docs-app-directly": _route(
                8000, None, "app-server-root-path", server, {**cells, "app.path": "/api/v1/app"}
            ),
            "9002 traefik/strip-to-app-server-root-path": _route(
                9002,
                "traefik",
                "app-server-root-path",
                server,
                {**cells, "app.path": "/app"},
                differs={"app.path": "/api/v1/app"},
                exchanges={"app": app_exchange},
            ),
            "9101 nginx/strip-to-app-plain": _route(9101, "nginx", "app-plain", "no root_path", cells),
            "9102 nginx/strip-to-app-server-root-path": _route(
                9102, "nginx", "app-server-root-path", server, {**cells, "sse.delivery": delivery}
            ),
        },
    }


def _page(port: int, page: str, failed: str | None, shot: bool = True) -> dict:
    return {"file": f"{port}-{page}.png" if shot else None, "ok": failed is None, "failed": failed}


def docs_ui() -> dict:
    bundle = "GET /docs-assets/swagger-ui-bundle.js 404; page error: SwaggerUIBundle is not defined"
    routes = [
        (9002, _page(9002, "docs", None), _page(9002, "redoc", None)),
        (
            9004,
            _page(9004, "docs", "renders, but Try it out on GET /app fetched /app and got 404"),
            _page(9004, "redoc", None),
        ),
        (9001, _page(9001, "docs", bundle), _page(9001, "redoc", "the browser gave up", shot=False)),
    ]
    entries = [
        dict(key=f"{port} traefik/r{port}", port=port, proxy="traefik", app="app", url="", rendered_as=None)
        | {"swagger": swagger, "redoc": redoc, "problems": []}
        for port, swagger, redoc in routes
    ]
    recorded_with = {"backend": "native", "chromium": "156.0"}
    return {"taken_at": "2026-12-06T20:05:00+00:00", "recorded_with": recorded_with, "routes": entries}


def _spread(median: float) -> dict:
    return {"median": median, "min": median * 0.9, "max": median * 1.1}


def bench() -> dict:
    def target(rps: float, ratio: float) -> dict:
        figures = {"requests_per_s": _spread(rps), "p50_ms": _spread(1.5), "p99_ms": _spread(4.25)}
        return figures | {"ratio_to_direct": {"requests_per_s": _spread(ratio)}, "errors": 0, "non_2xx": 0}

    targets = {"direct": target(4321, 1.0), "traefik": target(2100, 0.49)}
    load = dict(
        threads=2, connections=16, seconds=10, repeats=3, paths={"app": {"path": "/app", "targets": targets}}
    )
    return {
        **dict(mode="full", started="2026-12-06T19:00:00+00:00", backend="native", chart="bench.png"),
        "machine": {"nproc": 4, "cpu_model": "Test CPU"},
        "cold_start": {"median": 2.5, "min": 2.0, "max": 3.0},
        "test_suite": {"skipped": "smoke"},
        "load": load,
    }


def drift() -> dict:
    change = dict(component="uvicorn", from_version="0.25.0", to_version="0.26.0", field="app.path")
    change |= dict(route="9002 traefik/strip-to-app-server-root-path", before="/app", after="/api/v1/app")
    sets = [{"uvicorn": "0.25.0"}, {"uvicorn": "0.26.0"}]
    return dict(
        backend="native", proxies={"traefik": "v3.6.12"}, sets=sets, proxy_sets={}, cells=[{}], silent=[]
    ) | {"changes": [change | {"reference": "encode/uvicorn#2213"}]}


def _configuration(proxy: str, root: bool, verdict: str, checks: dict, reasons: list) -> dict:
    return dict(
        proxy=proxy, strips=True, server_root_path=root, verdict=verdict, checks=checks, reasons=reasons
    )


def doctor() -> dict:
    reason = dict(check="schema", reason="openapi.json 404 through the proxy", lab="01", step=3, why="")
    command = "uvicorn main:app --root-path /api/v1"
    return {
        **dict(app="main:app", prefix="/api/v1", app_dir=".", browser="Chromium 156", facts=[]),
        "versions": {"uvicorn": "0.55.0"},
        "configurations": [
            _configuration("traefik", True, "works", {"docs_ui": "ok", "schema": "ok"}, []),
            _configuration("nginx", False, "broken", {"docs_ui": "ok", "schema": "broken"}, [reason]),
        ],
        "recommended": [
            dict(
                proxy="traefik", strips=True, server_root_path=True, server_command=command, proxy_config="#"
            )
        ],
    }


def write_records(reports: Path) -> Path:
    """Every record in `reports` (created), the Compose run's matrix beside the native one."""
    (reports / "screenshots").mkdir(parents=True, exist_ok=True)
    files = {
        "matrix.json": matrix(),
        "matrix.native.json": matrix(),
        "matrix.compose.json": matrix("compose", delivery="held back", client="172.30.0.1"),
        "screenshots/docs_ui.json": docs_ui(),
        "bench.json": bench(),
        "drift.json": drift(),
        "doctor.json": doctor(),
    }
    for name, data in files.items():
        (reports / name).write_text(json.dumps(data, indent=2) + "\n")
    for name in ("9002-docs.png", "9002-redoc.png", "9004-docs.png", "9004-redoc.png", "9001-docs.png"):
        (reports / "screenshots" / name).write_bytes(PNG)
    (reports / "bench.png").write_bytes(PNG)
    return reports
