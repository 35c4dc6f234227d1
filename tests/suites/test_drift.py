"""Version drift (suites/drift/): the grid's parts, and the proofs that `make test` catches an upgrade.

The first proof (`test_an_older_uvicorn_fails_the_matrix_on_the_cells_it_changes`) restarts one app
service of the session's native stack under uvicorn 0.25.0 (today's Starlette and FastAPI, from a
virtualenv cached in ~/.cache/proxylab/drift/), probes the routes that lead to it with the
matrix's own probe, compares them with suites/expected/matrix.json, and restores the service.
If it fails, either the matrix no longer notices what uvicorn 0.26's #2213 changed (the net has a
hole), or it notices something else (read the table in the message). The second does the same
with the proxy: Nginx's services at trixie's 1.26.3, before 1.29.7's HTTP/1.1 default. The other
tests need no stack.
"""

from __future__ import annotations

import json

import pytest

from instruments.releases.apps import app_services, run_apps
from instruments.releases.envs import ensure_env, env_key, installed
from instruments.releases.proxies import (
    ProxyVersion,
    parse_proxy_version,
    parse_proxy_versions,
    pinned_version,
    run_proxy,
)
from instruments.releases.sets import COMPONENTS, PINNED, ReleaseSet, parse_set, parse_sets
from proxylab import compose
from proxylab.compose import Route
from proxylab.proxies import by_name
from suites.drift.changelog import CHANGES, references
from suites.drift.changes import NO_ENTRY, changes, drifting_cells, first_changes, silent_entries
from suites.drift.grid import DEFAULT_GRID, DEFAULT_PROXY_GRID, Grid, SetRun, proxy_axes, proxy_routes
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


NGINX_BEFORE_HTTP11 = ProxyVersion("nginx", "1.26.3")  # trixie's; 1.29.7 made HTTP/1.1 the default
DEFAULTS_ROUTE = 9120  # Nginx's defaults: proxy_http_version unset
UPSTREAM_DEFAULTS_ROUTE = 9125  # lab 16: the same defaults through an upstream{} block


@pytest.mark.stack
@pytest.mark.drift
@pytest.mark.alone
def test_an_older_nginx_fails_the_matrix_on_the_cell_it_changes(running_stack, live_context, backend):
    """The matrix did not fail on exactly the sse.delivery of the two routes that keep Nginx's
    defaults (9120, and lab 16's 9125 through an upstream{} block) with Nginx 1.26.3: either `make
    test` would let the Nginx upgrade through unnoticed, or an older Nginx changes cells nobody
    listed."""
    if backend.name != "native":
        pytest.skip("proxy releases run on the native backend (the Compose images are the pinned ones)")
    routes = proxy_routes(running_stack, "nginx")
    try:
        run_proxy(backend, NGINX_BEFORE_HTTP11)
        live = dict(zip([route.key for route in routes], probe_routes(routes, running_stack, live_context)))
    finally:
        run_proxy(backend, pinned_version(running_stack, "nginx"))
    expected = {key: cells for key, cells in load_expected()["routes"].items() if key in live}
    differences = compare(expected, live)
    route = running_stack.route(DEFAULTS_ROUTE)
    upstream = running_stack.route(UPSTREAM_DEFAULTS_ROUTE)
    assert route is not None and route.proxy == "nginx" and upstream is not None
    assert sorted((d.route, d.field, d.actual) for d in differences) == [
        (route.key, "sse.delivery", "held back"),
        (upstream.key, "sse.delivery", "held back"),
    ], render_diff(differences)
    restored = probe_routes([route], running_stack, live_context)[0]
    assert restored["sse.delivery"] == expected[route.key]["sse.delivery"], "Nginx was not restored"


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

    for change in (change for change in CHANGES if change.component in COMPONENTS):
        versions = [Version(s.version(change.component)) for s in DEFAULT_GRID]
        assert any(v < Version(change.version) for v in versions), change
        assert any(v >= Version(change.version) for v in versions), change
    assert DEFAULT_GRID[-1] == PINNED


def test_the_default_proxy_grid_brackets_every_listed_proxy_change():
    """A proxy's listed change has no release on one of its sides: the grid cannot show where it happened."""
    from packaging.version import Version

    axes = proxy_axes(DEFAULT_PROXY_GRID, compose.load())
    for change in CHANGES:
        if change.component not in axes:
            continue
        versions = [Version(v.release) for v in axes[change.component]]
        assert any(v < Version(change.version) for v in versions), change
        assert any(v >= Version(change.version) for v in versions), change


# --- proxy releases ----------------------------------------------------------------------------------


def test_a_proxy_version_names_a_known_proxy_and_a_release():
    """PROXIES="traefik==v3.0.4" must mean Traefik 3.0.4, and a typo must stop before the stack starts."""
    assert parse_proxy_version("traefik==v3.0.4") == ProxyVersion("traefik", "3.0.4")
    assert parse_proxy_versions("nginx==1.22.1  haproxy==2.6.12") == [
        ProxyVersion("nginx", "1.22.1"),
        ProxyVersion("haproxy", "2.6.12"),
    ]
    for wrong in ("nginx>=1.22", "envoy==1.30.0", "nginx==latest"):
        with pytest.raises(ValueError, match="is not PROXY==VERSION"):
            parse_proxy_version(wrong)
    with pytest.raises(ValueError, match="names no proxy version"):
        parse_proxy_versions("  ")


def test_a_proxy_axis_is_sorted_oldest_first_and_ends_with_the_pin():
    """An axis out of order would blame the wrong release; one without the pin would leave the
    stack on an old proxy and compare nothing with what compose.yaml runs."""
    stack = compose.load()
    pinned = pinned_version(stack, "nginx")
    axes = proxy_axes(
        parse_proxy_versions("nginx==1.26.3 haproxy==2.6.12 nginx==1.22.1 nginx==1.26.3"), stack
    )
    assert list(axes) == ["nginx", "haproxy"]
    assert axes["nginx"] == [ProxyVersion("nginx", "1.22.1"), ProxyVersion("nginx", "1.26.3"), pinned]
    assert axes["haproxy"][-1] == pinned_version(stack, "haproxy")


def test_a_service_at_another_version_keeps_its_image_flavour():
    """The proxy axis would start the pinned release again, or look up a tag no release has."""
    stack = compose.load()
    nginx = stack.services["nginx"].at_version("1.22.1")
    assert (
        nginx.image == "nginx:1.22.1-alpine"
        and stack.with_service(nginx).image_tag("nginx") == "1.22.1-alpine"
    )
    assert stack.services["traefik"].at_version("3.0.4").image == "traefik:v3.0.4"
    assert list(stack.with_service(nginx).services) == list(stack.services)


def test_proxy_routes_are_those_the_proxys_services_publish():
    """Nginx's axis must probe the edge's routes too (the edge runs the pinned nginx), and not lab
    16's nginx-bookworm, pinned to 1.22.1 on purpose: the axis would move and then "restore" it to 1.30.6."""
    stack = compose.load()
    routes = proxy_routes(stack, "nginx")
    assert {route.proxy for route in routes} == {"nginx", "edge"}
    assert len(routes) == sum(1 for route in stack.routes if route.proxy in ("nginx", "edge"))
    assert {route.proxy for route in proxy_routes(stack, "haproxy")} == {"haproxy"}


def _release_of_quote(component: str, text: str, quote: str) -> str | None:
    """The release whose section of nginx's CHANGES or HAProxy's CHANGELOG has `quote` (lines
    joined, as the files wrap them), or None."""
    import re

    heading = r"^Changes with nginx (\S+)" if component == "nginx" else r"^\d{4}/\d\d/\d\d : (\S+)"
    parts = re.split(heading, text, flags=re.MULTILINE)  # [preamble, version, section, version, ...]
    return next(
        (version for version, section in zip(parts[1::2], parts[2::2]) if quote in " ".join(section.split())),
        None,
    )


@pytest.mark.parametrize(
    "change", [c for c in CHANGES if c.quote], ids=lambda c: f"{c.component}-{c.version}"
)
def test_a_proxy_entry_quotes_its_release_changelog(change):
    """A proxy's listed entry is not in its changelog under the version it names: the report would
    explain a change with a release that did not make it."""
    import gzip

    stack = compose.load()
    release = by_name(change.component).release  # nginx and haproxy: Debian's package ships the changelog
    pinned = pinned_version(stack, change.component).release
    if not release.unpacked(pinned):
        pytest.skip(f"{change.component} {pinned} is not unpacked yet (`make releases`)")
    docs = release.folder(pinned) / "root" / "usr" / "share" / "doc" / change.component / "changelog.gz"
    text = gzip.decompress(docs.read_bytes()).decode(errors="replace")
    assert _release_of_quote(change.component, text, change.quote) == change.version, (
        f"{change.quote!r} is not under {change.version}'s heading in {docs}"
    )


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


def _proxy_grid(*values: str) -> Grid:
    """An nginx axis over 1.22.1, 1.26.3 and 1.30.6 with one SSE cell taking `values`."""
    route = Route("defaults", "nginx", "127.0.0.1", 9120, "app-server-root-path", True).key
    versions = [ProxyVersion("nginx", v) for v in ("1.22.1", "1.26.3", "1.30.6")]
    runs = [
        SetRun(v, {}, {"matrix": {route: {"sse.delivery": value}}, "spoofing": {route: {"none": "200"}}}, 1.0)
        for v, value in zip(versions, values)
    ]
    return Grid(proxy_runs={"nginx": runs})


def test_a_proxy_change_names_the_proxy_the_first_release_and_its_changelog_entry():
    """The report would blame the wrong Nginx release, or miss CHANGES' 1.29.7 entry behind it."""
    grid = _proxy_grid("held back", "held back", "streamed")
    (only,) = changes(grid)
    row = only.as_json()
    assert (row["component"], row["from_version"], row["to_version"]) == ("nginx", "1.26.3", "1.30.6")
    assert row["field"] == "matrix:sse.delivery" and (row["before"], row["after"]) == (
        "held back",
        "streamed",
    )
    assert "nginx 1.29.7" in row["reference"] and "https://nginx.org/en/CHANGES" in row["reference"]
    data = report_data(grid)
    assert data["proxy_sets"] == {"nginx": ["1.22.1", "1.26.3", "1.30.6"]} and data["sets"] == []
    assert data["cells"][0]["first_changed_in"] == "nginx 1.30.6" and data["cells"][0]["axis"] == "nginx"
    text = render_markdown(data)
    assert "### nginx 1.26.3 → 1.30.6: 1 cells" in text
    assert "| matrix:sse.delivery | held back | held back | streamed | nginx 1.30.6 |" in text
    assert "<th>nginx 1.26.3</th>" in render_html(data)


def test_the_first_release_that_changed_a_cell_is_its_first_step_even_if_it_changes_back():
    """A cell that changed at 1.26.3 and back at 1.30.6 was first changed by 1.26.3; both steps are listed."""
    grid = _proxy_grid("held back", "streamed", "held back")
    assert [(c.before_set.release, c.after_set.release) for c in changes(grid)] == [
        ("1.22.1", "1.26.3"),
        ("1.26.3", "1.30.6"),
    ]
    assert [c.after_set.label for c in first_changes(grid)] == ["nginx 1.26.3"]
    assert report_data(grid)["cells"][0]["first_changed_in"] == "nginx 1.26.3"


def test_each_axis_is_compared_on_its_own():
    """A proxy axis probes fewer routes than the release sets: mixing the axes would report every
    other route as changed ("(no cell)") between the last set and the first proxy release."""
    grid = _grid(("/app", "200"), ("/app", "200"), ("/app", "200"))
    grid.proxy_runs = _proxy_grid("held back", "held back", "held back").proxy_runs
    assert changes(grid) == [] and drifting_cells(grid) == []
    assert [axis for axis, _ in grid.axes()] == ["python", "nginx"]
