"""suites/expected/docs_ui.json: what the docs pages do in the browser, per route, and the diff.

What: `load_expected`/`write_expected` read and write the file; `compare` lists every field whose
live value differs (suites.table's `compare` on the JSON form of each value) and
`render_diff` prints them as route | field | expected | actual. `against_matrix` checks a set
of results against suites/expected/matrix.json: the pages render exactly where the matrix says the
schema loads; ReDoc lists GET /app under every entry of the schema's `servers` (the page's
origin when there are none); and "Try it out" goes where Swagger UI's rule sends it (the first
entry of `servers`, a path staying on the page's origin, else the page's origin), with the
status and root_path the matrix measured when that URL is the one it probed.
When: every `python -m suites.browser` and browser test compares; `--update` rewrites the file
after a reviewed change.
Why: a person reviews the browser's behaviour once; after that a difference is a regression or
a change to review, and `against_matrix` makes sure a recorded entry is also an explained one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from proxylab.compose import Route
from proxylab.paths import REPO
from suites import table
from suites.table import Difference, read_expectation, write_expectation

EXPECTED_FILE = REPO / "suites" / "expected" / "docs_ui.json"
UPDATE_HINT = "if the change is expected, review it and run `python -m suites.browser --update`"
OPERATION_PATH = "/app"  # the operation "Try it out" runs

Fields = Mapping[str, Mapping[str, Any]]  # route key → field → value


def compare(expected: Fields, actual: Fields) -> list[Difference]:
    """Every differing field, values shown as JSON (`true`, `404`, `null`, `"/app"`)."""
    return table.compare(_as_text(expected), _as_text(actual))


def render_diff(
    differences: list[Difference], title: str = f"{table.shown(EXPECTED_FILE)} and the browser"
) -> str:
    """A plain table of the differing fields only."""
    return table.render_diff(differences, title)


def against_matrix(results: Fields, matrix_routes: Fields, routes: Sequence[Route]) -> list[Difference]:
    """Where `results` (recorded or live) contradict the matrix, as (route, field, the matrix
    implies, the result says). Routes missing from either side are left out."""
    found: list[Difference] = []
    for route in routes:
        key = route.key
        fields, cells = results.get(key), matrix_routes.get(key)
        if fields is None or cells is None:
            continue
        loads = cells.get("docs.schema_url_status") == "200"
        for name in ("page_renders", "schema_loaded", "redoc_renders"):
            if fields.get(name) != loads:
                found.append(Difference(key, name, json.dumps(loads), json.dumps(fields.get(name))))
        if not loads:
            continue
        servers = [] if cells.get("docs.servers", "—") == "—" else json.loads(cells["docs.servers"])
        endpoints = [server["url"].rstrip("/") + OPERATION_PATH for server in servers] or [OPERATION_PATH]
        if fields.get("redoc_endpoint_urls") != endpoints:
            found.append(
                Difference(
                    key,
                    "redoc_endpoint_urls",
                    json.dumps(endpoints),
                    json.dumps(fields.get("redoc_endpoint_urls")),
                )
            )
        url = endpoints[0]  # Swagger UI's rule for OpenAPI 3: the first server, else the page's origin
        if fields.get("try_it_out_url") != url:
            found.append(
                Difference(key, "try_it_out_url", json.dumps(url), json.dumps(fields.get("try_it_out_url")))
            )
        elif url == route.public_prefix + OPERATION_PATH:  # the matrix measured this very URL
            status, root_path = int(cells["app.status"]), cells.get("app.root_path") == route.prefix
            for name, implied in (("try_it_out_status", status), ("response_contains_root_path", root_path)):
                if fields.get(name) != implied:
                    found.append(Difference(key, name, json.dumps(implied), json.dumps(fields.get(name))))
    return found


def load_expected(path: Path = EXPECTED_FILE) -> dict[str, Any]:
    """The whole file: {"recorded_with": {...}, "fields": {name: description}, "routes": {key: fields}}."""
    return read_expectation(path, "python -m suites.browser --update", require="routes")


def write_expected(
    routes: Fields,
    recorded_with: Mapping[str, str],
    descriptions: Mapping[str, str],
    path: Path = EXPECTED_FILE,
) -> Path:
    data = {
        "recorded_with": dict(recorded_with),
        "fields": dict(descriptions),
        "routes": {k: dict(v) for k, v in routes.items()},
    }
    write_expectation(path, data)
    return path


def _as_text(fields: Fields) -> dict[str, dict[str, str]]:
    return {
        key: {name: json.dumps(value, ensure_ascii=False) for name, value in values.items()}
        for key, values in fields.items()
    }
