"""suites/expected/docs_ui.json, its diff and the matrix report's screenshots, without a browser.

The committed expectation must cover compose.yaml and agree with the matrix: every entry was
reviewed against Swagger UI's server rule, and `against_matrix` keeps it that way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proxylab import compose
from proxylab.compose import Route
from suites.browser.expected import against_matrix, compare, load_expected, render_diff
from suites.browser.record import write_record
from suites.browser.run import FIELDS
from suites.matrix import Matrix, Row
from suites.matrix.expected import load_expected as load_matrix
from suites.matrix.fields import FIELDS as MATRIX_FIELDS
from suites.matrix.html import render_html

STACK = compose.load()
RECORDED = load_expected()["routes"]
KEY = "9004 traefik/strip-to-app-no-root-path-server"


def test_every_route_is_recorded_with_every_field():
    """A route of compose.yaml has no recorded browser behaviour (or a stale one stays): run
    `python -m suites.browser --update` on a running stack, then review the new entries."""
    assert set(RECORDED) == {route.key for route in STACK.routes}
    assert {key: tuple(fields) for key, fields in RECORDED.items() if tuple(fields) != FIELDS} == {}


def test_the_recorded_entries_agree_with_the_matrix():
    """An entry of docs_ui.json contradicts suites/expected/matrix.json (renders where the schema
    404s, or a "Try it out" URL that is not the first server + /app): one record is wrong."""
    contradictions = against_matrix(RECORDED, load_matrix()["routes"], STACK.routes)
    assert not contradictions, render_diff(contradictions, "the matrix and docs_ui.json")


# --- the comparison and its table ------------------------------------------------------------


def test_the_diff_is_a_route_field_expected_actual_table():
    """A difference would not say which route and field changed, from what to what."""
    live = {KEY: {**RECORDED[KEY], "try_it_out_url": "/api/v1/app", "try_it_out_status": 200}}
    text = render_diff(compare({KEY: RECORDED[KEY]}, live))
    assert [cell.strip() for cell in text.splitlines()[2].split(" | ")] == [
        "route",
        "field",
        "expected",
        "actual",
    ]
    assert f'{KEY} | try_it_out_url    | "/app"   | "/api/v1/app"' in text
    assert f"{KEY} | try_it_out_status | 404      | 200" in text


def test_a_route_missing_from_the_record_is_a_difference():
    """A new route would pass unchecked until someone records it."""
    [difference] = compare({}, {KEY: RECORDED[KEY]})
    assert (difference.route, difference.expected, difference.actual) == (
        KEY,
        "not recorded",
        "new in compose.yaml",
    )


@pytest.mark.parametrize(
    ("servers", "url"),
    [
        ("—", "/app"),  # no servers: the page's origin (tutorial004, root_path_in_servers=False)
        ('[{"url":"/api/v1"}]', "/api/v1/app"),  # the root_path server FastAPI adds
        (
            '[{"url":"/api/v1"},{"url":"https://stag.example.com"}]',
            "/api/v1/app",
        ),  # the first one wins (tutorial003)
    ],
)
def test_the_matrix_predicts_try_it_out_from_the_first_server(servers: str, url: str):
    """The cross-check would hold "Try it out" to another rule than Swagger UI's."""
    cells = {**load_matrix()["routes"][KEY], "docs.servers": servers}
    fields = {
        **RECORDED[KEY],
        "try_it_out_url": url,
        "redoc_endpoint_urls": [url],
        "try_it_out_status": 200 if url != "/app" else 404,
    }
    route = next(route for route in STACK.routes if route.key == KEY)
    found = [d for d in against_matrix({KEY: fields}, {KEY: cells}, [route]) if d.field == "try_it_out_url"]
    assert found == []


# --- the matrix report shows both screenshots -------------------------------------------------


def test_the_matrix_report_embeds_the_docs_and_redoc_screenshots(tmp_path: Path):
    """reports/matrix.html would not show what `make screenshots` took (both pages, in order)."""
    route = Route("docs-experiment", "traefik", "127.0.0.1", 9999, "app-server-root-path", True)
    matrix = Matrix(
        "native", {}, "2026-01-01T00:00:00+00:00", [Row(route, {name: "200" for name in MATRIX_FIELDS})]
    )
    (tmp_path / "screenshots").mkdir()
    for page, pixel in (("docs", b"D"), ("redoc", b"R")):
        (tmp_path / "screenshots" / f"9999-{page}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + pixel)
    html = render_html(matrix, None, tmp_path)
    docs, redoc = html.index('alt="docs page on port 9999"'), html.index('alt="redoc page on port 9999"')
    assert docs < redoc and html.count('src="data:image/png;base64,') == 2


# --- reports/screenshots/docs_ui.json, the record the lab book's gallery reads -------------------


class _Check:
    """A stand-in for a RouteCheck whose fields are the committed expectation's for the route."""

    def __init__(self, route: Route, problems: list[str] = ()) -> None:
        self.route, self.key, self.rendered_as, self._problems = route, route.key, None, list(problems)

    def fields(self) -> dict:
        return RECORDED[self.key]

    def problems(self) -> list[str]:
        return self._problems


@pytest.mark.parametrize(
    ("port", "swagger", "redoc"),
    [
        (9002, None, None),  # both render, Try it out 200
        (9004, "renders, but Try it out on GET /app fetched /app and got 404", None),  # lab 03
        (
            9001,
            "GET /docs-assets/swagger-ui-bundle.js 404; page error: SwaggerUIBundle is not defined",
            "GET /docs-assets/redoc.standalone.js 404; the page stays blank",
        ),
    ],
)
def test_the_record_says_which_page_is_broken_and_why(tmp_path: Path, port, swagger, redoc):
    """The gallery would show a broken docs page as working (or the reverse), or not say what failed."""
    (tmp_path / f"{port}-docs.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    path = write_record([_Check(STACK.route(port))], tmp_path, {"backend": "native"})
    (entry,) = json.loads(path.read_text())["routes"]
    assert entry["swagger"] == {"file": f"{port}-docs.png", "ok": swagger is None, "failed": swagger}
    assert entry["redoc"] == {"file": None, "ok": redoc is None, "failed": redoc}  # no PNG taken
    assert path.name == "docs_ui.json" and entry["port"] == port
