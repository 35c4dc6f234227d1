"""Version drift (suites/drift/): the grid's parts, and the proof that `make test` catches an upgrade.

The proof (`test_an_older_uvicorn_fails_the_matrix_on_the_cells_it_changes`) restarts one app
service of the session's native stack under uvicorn 0.25.0 (today's Starlette and FastAPI, from a
virtualenv cached in ~/.cache/proxylab/drift/), probes the routes that lead to it with the
matrix's own probe, compares them with suites/expected/matrix.json, and restores the service.
If it fails, either the matrix no longer notices what uvicorn 0.26's #2213 changed (the net has a
hole), or it notices something else (read the table in the message). The other tests need no stack.
"""

from __future__ import annotations

import json

import pytest

from instruments.releases.apps import app_services, run_apps
from instruments.releases.envs import ensure_env, env_key, installed
from instruments.releases.sets import PINNED, ReleaseSet, parse_set, parse_sets
from proxylab.compose import Route
from suites.drift.changelog import CHANGES, references
from suites.drift.changes import NO_ENTRY, changes, drifting_cells, silent_entries
from suites.drift.grid import DEFAULT_GRID, Grid, SetRun
from suites.drift.report import render_html, render_markdown, report_data
from suites.matrix import compare, load_expected, probe_routes, render_diff
from suites.matrix.fields import FIELDS

# --- the proof: an older uvicorn fails the matrix, cell by cell ---------------------------------

OLD_UVICORN = parse_set("uvicorn==0.25.0")
SERVICE = "app-server-root-path"  # uvicorn --root-path /api/v1: what #2213 is about
# uvicorn 0.25 leaves the root_path out of scope["path"] (0.26 prepends it, #2213). Starlette
# 1.10 assumes the path includes root_path (its #2400): it strips root_path before routing only
# when the path starts with it, and builds URLs from the path alone.
#  - routes that strip /api/v1: /app is still found, but the app reports path /app, and the
#    trailing-slash redirect is built from /items: its Location loses /api/v1 (behind Nginx's
#    defaults, 9120, that undoes the doubled prefix the pinned versions show);
#  - routes that keep /api/v1 (9012, 9112): the app gets /api/v1/app, Starlette strips the
#    prefix and finds /app, so every cell turns from the pinned 404 into a working answer;
#  - the app directly (8000): its docs page still names /api/v1/openapi.json, and that URL now
#    reaches the schema (200, so its servers show), where the pinned uvicorn made it
#    /api/v1/api/v1/openapi.json (404).
#  - wherever a WebSocket reaches the app (the reviewed ws.status is 101), its scope's path loses
#    /api/v1 the same way (ws.path);
#  - behind Traefik's TLS, a WebSocket's url_for turns wss:// into ws://: Traefik writes
#    X-Forwarded-Proto: wss on a websocket (its forwardedheaders middleware), and 0.25's
#    ProxyHeadersMiddleware made any websocket value but "https" into "ws" (uvicorn #2258, 0.28.0,
#    believes wss). Nginx writes https ($scheme), which 0.25 already mapped to wss.
# Which cells differ depends on the kind of route, not on which proxy it is (but for that last
# one): a route added to compose.yaml for this service joins the right group by its x-route.
STRIPPED_FIELDS = ("app.path", "redirect.location")
DIRECT_FIELDS = ("app.path", "docs.schema_url_status", "docs.servers", "redirect.location")


def expected_failing(routes: list[Route], reviewed: dict[str, dict[str, str]]) -> set[tuple[str, str]]:
    """(route, field) of every cell uvicorn 0.25 changes, by the kind of each route."""
    failing = set()
    for route in routes:
        fields = DIRECT_FIELDS if route.is_direct else STRIPPED_FIELDS if route.strips else FIELDS
        failing.update((route.key, field) for field in fields)
        if fields is not FIELDS and reviewed[route.key].get("ws.status") == "101":
            failing.add((route.key, "ws.path"))
            if route.tls and route.proxy == "traefik":
                failing.add((route.key, "ws.url_for"))
    return failing


@pytest.mark.stack
@pytest.mark.drift
@pytest.mark.alone
def test_an_older_uvicorn_fails_the_matrix_on_the_cells_it_changes(running_stack, live_context, backend):
    """The matrix did not fail on exactly the cells uvicorn 0.25 → 0.26 (#2213) changes: either
    `make test` would let that upgrade through unnoticed, or it fails on cells it should not."""
    if backend.name != "native":
        pytest.skip("release sets run on the native backend (the Compose images have today's pins)")
    env = ensure_env(OLD_UVICORN)
    routes = [route for route in running_stack.routes if route.app == SERVICE]
    kinds = {"direct" if r.is_direct else "strips" if r.strips else "keeps" for r in routes}
    assert kinds == {"direct", "strips", "keeps"}, (
        f"compose.yaml no longer has every kind of route to {SERVICE}"
    )
    services = app_services(running_stack, only=[SERVICE])
    try:
        run_apps(backend, env, services)
        assert installed(env)["uvicorn"] == "0.25.0"
        live = dict(zip([route.key for route in routes], probe_routes(routes, running_stack, live_context)))
    finally:
        run_apps(backend, None, services)
    expected = {key: cells for key, cells in load_expected()["routes"].items() if key in live}
    differences = compare(expected, live)
    table = render_diff(differences)
    assert {(d.route, d.field) for d in differences} == expected_failing(routes, expected), table
    actual = {(d.route, d.field): d.actual for d in differences}
    for route in routes:
        if route.is_direct:
            assert (actual[route.key, "app.path"], actual[route.key, "docs.schema_url_status"]) == (
                "/app",
                "200",
            ), table
        elif route.strips:
            assert actual[route.key, "app.path"] == "/app", table
        else:
            assert (actual[route.key, "app.status"], actual[route.key, "app.path"]) == (
                "200",
                "/api/v1/app",
            ), table
    # What a CI user reads: one line per differing cell, route | field | expected | actual.
    line = next(
        line
        for line in table.splitlines()
        if line.startswith("9999 traefik/docs-experiment") and "app.path" in line
    )
    assert [cell.strip() for cell in line.split(" | ")] == [
        "9999 traefik/docs-experiment",
        "app.path",
        "/api/v1/app",
        "/app",
    ]
    restored = dict(zip([route.key for route in routes], probe_routes(routes, running_stack, live_context)))
    assert not compare(expected, restored), "the service was not restored to today's pins"


# --- release sets --------------------------------------------------------------------------------


def test_a_set_names_only_what_changes():
    """SETS="uvicorn==0.25.0" must mean today's Starlette and FastAPI with that uvicorn."""
    assert parse_set("uvicorn==0.25.0") == ReleaseSet("0.25.0", PINNED.starlette, PINNED.fastapi)
    assert parse_sets("uvicorn==0.25.0 starlette==0.38.4,fastapi==0.112.2")[1].fastapi == "0.112.2"
    with pytest.raises(ValueError, match="is not uvicorn==X"):
        parse_set("uvicorn>=0.25")


def test_the_default_grid_brackets_every_listed_change():
    """A listed change has no set on one of its sides: the grid cannot show where it happened."""
    from packaging.version import Version

    for change in CHANGES:
        versions = [Version(s.version(change.component)) for s in DEFAULT_GRID]
        assert any(v < Version(change.version) for v in versions), change
        assert any(v >= Version(change.version) for v in versions), change
    assert DEFAULT_GRID[-1] == PINNED


def test_an_environment_is_keyed_by_what_it_installs():
    """Two sets sharing one cached virtualenv would run the same versions twice."""
    assert env_key(DEFAULT_GRID[0]) != env_key(DEFAULT_GRID[1])
    assert env_key(parse_set("uvicorn==0.25.0")) == env_key(parse_set("uvicorn==0.25.0"))


def test_references_cross_exactly_the_releases_between_two_versions():
    assert [c.version for c in references("uvicorn", "0.25.0", "0.26.0")] == ["0.26.0"]
    assert [c.version for c in references("uvicorn", "0.30.6", "0.31.1")] == ["0.31.0", "0.31.1"]
    assert [c.version for c in references("uvicorn", "0.26.0", "0.30.6")] == ["0.28.0"]
    assert references("uvicorn", "0.26.0", "0.27.1") == []
    assert [c.version for c in references("starlette", "0.32.0.post1", "0.35.1")] == ["0.33.0", "0.35.0"]


# --- what changed, and the reports ------------------------------------------------------------------

ROUTE = Route("docs-experiment", "traefik", "127.0.0.1", 9999, "app-server-root-path", True).key


def _grid(*cells: tuple[str, str]) -> Grid:
    sets = [parse_set(text) for text in ("uvicorn==0.25.0", "uvicorn==0.26.0", "uvicorn==0.27.1")]
    runs = [
        SetRun(
            s,
            {"traefik": "v3.6.12", "nginx": "1.22.1"},
            {"matrix": {ROUTE: {"app.path": path}}, "spoofing": {ROUTE: {"none": spoof}}},
            1.0,
        )
        for s, (path, spoof) in zip(sets, cells)
    ]
    return Grid(runs=runs)


def test_a_change_is_placed_at_the_step_where_it_happened_with_its_reference():
    """The report would blame the wrong release, or miss the changelog entry behind a change."""
    grid = _grid(("/app", "200"), ("/api/v1/app", "200"), ("/api/v1/app", "404"))
    assert [(d.field_name, d.values) for d in drifting_cells(grid)] == [
        ("matrix:app.path", ("/app", "/api/v1/app", "/api/v1/app")),
        ("spoofing:none", ("200", "200", "404")),
    ]
    first, second = (change.as_json() for change in changes(grid))
    assert first == {
        "component": "uvicorn",
        "from_version": "0.25.0",
        "to_version": "0.26.0",
        "route": ROUTE,
        "field": "matrix:app.path",
        "before": "/app",
        "after": "/api/v1/app",
        "reference": first["reference"],
    }
    assert "https://github.com/Kludex/uvicorn/pull/2213" in first["reference"]
    assert (
        second["from_version"] == "0.26.0"
        and second["to_version"] == "0.27.1"
        and second["reference"] == NO_ENTRY
    )
    assert silent_entries(grid) == []


def test_the_reports_have_the_promised_shape():
    """reports/drift.json lost a key CI users read, or the pages lost the change table."""
    grid = _grid(("/app", "200"), ("/api/v1/app", "200"), ("/api/v1/app", "200"))
    data = report_data(grid)
    assert data["sets"][0] == {"uvicorn": "0.25.0", "starlette": PINNED.starlette, "fastapi": PINNED.fastapi}
    assert set(data["changes"][0]) == {
        "component",
        "from_version",
        "to_version",
        "route",
        "field",
        "before",
        "after",
        "reference",
    }
    json.dumps(data)
    text = render_markdown(data)
    assert "### uvicorn 0.25.0 → 0.26.0: 1 cells" in text and "pull/2213" in text
    assert "| 9999 traefik/docs-experiment | matrix:app.path | /app | /api/v1/app |" in text
    page = render_html(data)
    assert '<td class="changed"><code>/api/v1/app</code></td>' in page and "<script" not in page
