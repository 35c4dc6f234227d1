"""The behaviour matrix: the live stack against suites/expected/matrix.json, and the matrix's own parts.

The scenario tests run on the real native stack. When `test_live_matrix_matches_the_expectation`
fails, uvicorn, Starlette, FastAPI, a proxy or a config changed how a route behaves: the
message is the table of differing cells. If the change is expected (an upgrade), review it and
run `make matrix-update`. The unit tests check compare, the diff and the reports without a stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from proxylab.compose import Route
from proxylab.paths import REPORTS_DIR
from suites.matrix import Difference, Matrix, Row, compare, load_expected, probe_matrix, render_diff
from suites.matrix.__main__ import main
from suites.matrix.expected import EXPECTED_FILE, UPDATE_HINT, expectation_data, version_changes
from suites.matrix.fields import FIELDS
from suites.matrix.html import render_html
from suites.matrix.markdown import render_markdown
from suites.matrix.record import write_records
from suites.table import ROUTE_FIELD, running_rows

VERSIONS = {
    "fastapi": "0.165.0",
    "starlette": "1.10.0",
    "uvicorn": "0.54.0",
    "traefik": "v3.6.12",
    "nginx": "1.30.0",
}
DOCS_EXPERIMENT = Route("docs-experiment", "traefik", "127.0.0.1", 9999, "app-server-root-path", True)
DIRECT = Route("docs-app-directly", None, "127.0.0.1", 8000, "app-server-root-path", None)
CELLS_9999 = {
    "app.status": "200",
    "app.root_path": "/api/v1",
    "app.path": "/api/v1/app",
    "app.url_for": "http://127.0.0.1:9999/api/v1/app",
    "app.client": "{client}",
    "app.scheme": "http",
    "docs.status": "200",
    "docs.openapi_url": "/api/v1/openapi.json",
    "docs.schema_url_status": "200",
    "docs.servers": '[{"url":"/api/v1"}]',
    "redirect.status": "307",
    "redirect.location": "http://127.0.0.1:9999/api/v1/items/",
    "ws.status": "101",
    "ws.root_path": "/api/v1",
    "ws.path": "/api/v1/ws",
    "ws.url_for": "ws://127.0.0.1:9999/api/v1/ws",
    "ws.echo": "hello",
    "sse.status": "200",
    "sse.delivery": "streamed",
}
KEY_9999 = "9999 traefik/docs-experiment"


def small_matrix(**changed: str) -> Matrix:
    """A two-route matrix as the probe would return it; `changed` overrides cells of 9999."""
    cells_9999 = {**CELLS_9999, **{name.replace("__", "."): value for name, value in changed.items()}}
    cells_8000 = {
        **CELLS_9999,
        "app.url_for": "http://127.0.0.1:8000/api/v1/app",
        "docs.schema_url_status": "404",
    }
    return Matrix(
        "native",
        VERSIONS,
        "2026-01-01T00:00:00+00:00",
        [Row(DIRECT, cells_8000), Row(DOCS_EXPERIMENT, cells_9999)],
    )


# --- the live stack --------------------------------------------------------------------------


@pytest.mark.stack
def test_live_matrix_matches_the_expectation(running_stack, live_context):
    """A cell differs from suites/expected/matrix.json: an upgrade or a config change altered what
    the app receives, builds or redirects to on some route. The message lists every difference."""
    matrix = probe_matrix(running_stack, live_context)
    expected = load_expected()["routes"]
    # Recorded as `make matrix` records it (reports/matrix.<backend>.json): the comparison of the
    # two backends below, and the lab book's matrix page, read it (make test runs native first).
    REPORTS_DIR.mkdir(exist_ok=True)
    write_records(matrix, expected, running_stack, REPORTS_DIR, EXPECTED_FILE)
    differences = compare(running_rows(expected, running_stack), matrix.cells())
    assert not differences, render_diff(differences)


@pytest.mark.compose
def test_both_backends_give_the_same_matrix(live_context):
    """Compose and native disagree on a cell once the backend's own addresses are placeholders:
    the two ways of running compose.yaml no longer show the same behaviour."""
    if live_context.backend.name != "compose":
        pytest.skip("compares the Compose session's matrix with the native session's (make test runs both)")
    native, compose_ = (REPORTS_DIR / f"matrix.{name}.json" for name in ("native", "compose"))
    if not (native.is_file() and compose_.is_file()):
        pytest.skip(
            "needs reports/matrix.native.json and matrix.compose.json from this make test's two sessions"
        )
    differences = compare(_recorded_cells(native), _recorded_cells(compose_))
    assert not differences, render_diff(differences)


def _recorded_cells(path: Path) -> dict[str, dict[str, str]]:
    """route key → cells, from a matrix record (suites/matrix/record.py)."""
    return {key: route["cells"] for key, route in json.loads(path.read_text())["routes"].items()}


@pytest.mark.stack
def test_recording_then_comparing_passes(running_stack, tmp_path: Path):
    """`make matrix-update` followed by `make matrix` fails: some cell changes from one run to the
    next (a port, a timestamp or an address leaked into it), so no expectation could ever hold."""
    expected, reports = tmp_path / "matrix.json", tmp_path / "reports"
    assert main(["--update", "--expected", str(expected), "--reports", str(reports)]) == 0
    assert main(["--expected", str(expected), "--reports", str(reports)]) == 0
    live = json.loads((reports / "matrix.json").read_text())
    assert list(live["routes"]) == [route.key for route in running_stack.routes]
    assert {"matrix.md", "matrix.html", "matrix.json"} <= {path.name for path in reports.iterdir()}


# --- the committed expectation ---------------------------------------------------------------


def test_expectation_covers_exactly_the_routes_of_compose_yaml(stack):
    """A route was added to or removed from compose.yaml without `make matrix-update`: the
    matrix would report it as new or gone on every run."""
    recorded = load_expected()["routes"]
    assert sorted(recorded) == sorted(route.key for route in stack.routes)
    for key, cells in recorded.items():
        assert sorted(cells) == sorted(FIELDS), key


def test_expectation_file_is_stable():
    """The file is not what `make matrix-update` writes (order, indentation, a timestamp): every
    update would show noise in `git diff` besides the real change."""
    data = load_expected(EXPECTED_FILE)
    text = EXPECTED_FILE.read_text()
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert expectation_data(small_matrix()) == expectation_data(small_matrix())
    assert "taken_at" not in json.dumps(expectation_data(small_matrix()))


# --- compare ---------------------------------------------------------------------------------

EXPECTED = small_matrix().cells()


@pytest.mark.parametrize(
    ("actual", "difference"),
    [
        # an upgrade changes one cell
        (
            {**EXPECTED, KEY_9999: {**EXPECTED[KEY_9999], "app.path": "/app"}},
            Difference(KEY_9999, "app.path", "/api/v1/app", "/app"),
        ),
        # a route left compose.yaml
        (
            {k: v for k, v in EXPECTED.items() if k != KEY_9999},
            Difference(KEY_9999, ROUTE_FIELD, "recorded", "gone from compose.yaml"),
        ),
        # a route was added to compose.yaml
        (
            {**EXPECTED, "9121 nginx/new": EXPECTED[KEY_9999]},
            Difference("9121 nginx/new", ROUTE_FIELD, "not recorded", "new in compose.yaml"),
        ),
        # the matrix stopped measuring a cell
        (
            {**EXPECTED, KEY_9999: {k: v for k, v in EXPECTED[KEY_9999].items() if k != "docs.servers"}},
            Difference(KEY_9999, "docs.servers", '[{"url":"/api/v1"}]', "(no cell)"),
        ),
    ],
    ids=["changed-cell", "missing-route", "extra-route", "missing-cell"],
)
def test_compare_finds_the_difference(actual, difference):
    """compare() missed a difference or reported one too many: `make matrix` would pass after a
    behaviour change, or fail on cells that did not change."""
    assert compare(EXPECTED, actual) == [difference]


def test_compare_finds_nothing_in_an_identical_matrix():
    """compare() reports differences between equal matrices: `make matrix` could never pass."""
    assert compare(EXPECTED, small_matrix().cells()) == []


def test_diff_names_route_field_expected_and_actual():
    """The diff hides what changed, or shows cells that did not: a reviewer cannot tell."""
    differences = compare(EXPECTED, small_matrix(app__path="/app").cells())
    text = render_diff(differences)
    line = next(line for line in text.splitlines() if line.startswith(KEY_9999))
    assert [cell.strip() for cell in line.split(" | ")] == [KEY_9999, "app.path", "/api/v1/app", "/app"]
    assert "route" in text and "field" in text and "expected" in text and "actual" in text
    assert "/api/v1/items/" not in text, "cells that match must not be listed"
    assert UPDATE_HINT in text and "make matrix-update" in text


def test_version_changes_name_the_component():
    """After an upgrade the diff does not say which component moved."""
    assert version_changes(VERSIONS, {**VERSIONS, "uvicorn": "0.55.0"}) == ["uvicorn: 0.54.0 → 0.55.0"]


# --- reports ---------------------------------------------------------------------------------


def test_html_is_self_contained_and_shows_the_versions(tmp_path: Path):
    """The page loads something from the network (it breaks offline and in CI artifacts) or does
    not say which versions produced it."""
    page = render_html(small_matrix(), EXPECTED, tmp_path)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page and "<script" not in page
    assert "<style>" in page
    for name, version in VERSIONS.items():
        assert name in page and version in page
    assert "native" in page


def test_html_highlights_the_cells_that_differ(tmp_path: Path):
    """A changed cell looks like any other in the page: the reviewer has to diff by eye."""
    page = render_html(small_matrix(app__path="/app"), EXPECTED, tmp_path)
    differing = re.findall(r'<td class="cell[^"]*differs"[^>]*>(.*?)</td>', page)
    assert differing == ['/app<span class="recorded">/api/v1/app</span>']


def test_html_embeds_a_screenshot_when_one_exists(tmp_path: Path):
    """The screenshots hook is broken: a tool that writes reports/screenshots/<port>-docs.png
    would not see its image next to the route."""
    (tmp_path / "screenshots").mkdir()
    (tmp_path / "screenshots" / "9999-docs.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    page = render_html(small_matrix(), None, tmp_path)
    assert page.count('src="data:image/png;base64,') == 1
    assert 'data-screenshot="screenshots/8000-docs.png"></td>' in page


def test_markdown_shows_versions_backend_and_differences():
    """reports/matrix.md does not say what ran or hides a difference."""
    text = render_markdown(small_matrix(app__path="/app"), EXPECTED)
    assert "**native**" in text and "| uvicorn | 0.54.0 |" in text
    assert "**`/app` ≠ `/api/v1/app`**" in text
    assert text.count("\n| 9999 |") == 1 and text.count("\n| 8000 |") == 1


def test_the_record_marks_what_differs_and_says_what_placeholders_stood_for(stack, tmp_path: Path):
    """The lab book's matrix page (which may read reports/matrix.json only) would show no mismatch,
    a placeholder instead of the address it stands for, or a run of one backend as the other's."""
    matrix = small_matrix(app__path="/app")
    matrix.placeholders["{client}"] = "127.0.0.77"
    paths = write_records(matrix, EXPECTED, stack, tmp_path, EXPECTED_FILE)
    assert [path.name for path in paths] == ["matrix.json", "matrix.native.json"]
    record = json.loads(paths[0].read_text())
    assert record["compared_with"] == "suites/expected/matrix.json"
    assert record["placeholders"] == {"{client}": "127.0.0.77"}
    assert [field["name"] for field in record["fields"]] == list(FIELDS)
    route = record["routes"][KEY_9999]
    assert route["differs"] == {"app.path": "/api/v1/app"} and route["cells"]["app.path"] == "/app"
    assert route["configuration"] == "uvicorn --root-path /api/v1" and route["shown_as"] == "traefik"
    assert record["routes"]["8000 app-server-root-path/docs-app-directly"]["differs"] == {}
