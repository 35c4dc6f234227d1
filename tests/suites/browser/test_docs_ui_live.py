"""Swagger UI and ReDoc of every route, in Chromium, on the real native stack.

Each route of compose.yaml is checked once: its docs pages, schema, assets and "Try it out" GET
are fetched over HTTP, and Chromium opens {P}/docs (with "Try it out" on GET /app) and {P}/redoc
unless a route with byte-identical inputs and the same answer was opened already, whose render
then stands for it (suites/browser/renders.py; tests/suites/browser/test_render_groups.py shows
one changed byte gets its own render). Three questions are asked of every route's result:
- does it match suites/expected/docs_ui.json? A difference means an upgrade (FastAPI, Swagger UI,
  ReDoc, a proxy) or a config change altered what a person sees; the message is a
  route | field | expected | actual table and the page's network log. If the change is right,
  review it and run `python -m suites.browser --update`;
- does it agree with suites/expected/matrix.json? The pages must render exactly where the matrix
  found the schema, and "Try it out" must go where Swagger UI's server rule says;
- did every request stay on loopback? The docs must work with no internet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest

from instruments.chromium.driver import Browser
from proxylab import compose
from proxylab.compose import Route
from suites.browser.__main__ import main
from suites.browser.check import RouteCheck
from suites.browser.expected import against_matrix, compare, load_expected, render_diff
from suites.browser.run import FIELDS
from suites.matrix.expected import load_expected as load_matrix

pytestmark = pytest.mark.stack
STACK = compose.load()
ROUTES = pytest.mark.parametrize("route", STACK.routes, ids=lambda route: f"{route.port}-{route.label}")

Check = Callable[[Route], RouteCheck]


@ROUTES
def test_docs_pages_match_the_recorded_expectation(checked: Check, route: Route):
    """What this route's docs pages do in the browser is not what suites/expected/docs_ui.json
    recorded (see the table, then the requests the pages made)."""
    check = checked(route)
    recorded = load_expected()["routes"].get(check.key)
    assert recorded is not None, (
        f"{check.key} is not in docs_ui.json; "
        f"record it with `python -m suites.browser --update --port {route.port}`"
    )
    differences = compare({check.key: recorded}, {check.key: check.fields()})
    assert not differences, f"{render_diff(differences)}\n\n{check.network_log()}"


@ROUTES
def test_docs_pages_agree_with_the_matrix(checked: Check, route: Route):
    """The browser contradicts the curl-level matrix: a page renders where the matrix found no
    schema (or the reverse), or "Try it out"/ReDoc use another URL than the schema's servers
    imply, so one of the two records is wrong."""
    check = checked(route)
    contradictions = against_matrix({check.key: check.fields()}, load_matrix()["routes"], [route])
    assert not contradictions, (
        f"{render_diff(contradictions, 'the matrix and the browser')}\n\n{check.network_log()}"
    )


@ROUTES
def test_every_request_stays_on_loopback(checked: Check, route: Route):
    """A docs page asked a host other than loopback for something (blocked here): the page would
    break in a room with no internet, or "Try it out" would call a server outside the lab.
    Swagger UI's Request URL box must also name the request the browser really sent. And the
    render must load nothing this route's own fetches do not cover, with the same statuses:
    otherwise routes sharing the render could differ in what the digest missed."""
    assert not checked(route).problems(), "\n".join(checked(route).problems())


@ROUTES
def test_every_field_is_recorded(checked: Check, route: Route):
    """RouteCheck.fields() and the field list disagree: the expectation could not say it all."""
    assert tuple(checked(route).fields()) == FIELDS


def test_the_command_checks_and_screenshots_a_route(
    browser: Browser, running_stack, tmp_path: Path, capsys, monkeypatch
):
    """`make screenshots` (python -m suites.browser) fails on the working docs experiment route, or
    writes no screenshots for the matrix report to embed, or no docs_ui.json for the book's gallery
    to show them by. It reuses the session's browser."""

    @contextmanager
    def session_browser():
        yield browser

    monkeypatch.setattr("suites.browser.__main__.open_browser", session_browser)
    code = main(["--port", "9999", "--screenshots", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "9999 traefik/docs-experiment" in out and "/api/v1/app" in out
    assert {p.name for p in tmp_path.iterdir()} == {"9999-docs.png", "9999-redoc.png", "docs_ui.json"}
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in tmp_path.glob("*.png"))
    routes = json.loads((tmp_path / "docs_ui.json").read_text())["routes"]
    assert [(r["port"], r["swagger"]["file"], r["swagger"]["ok"], r["redoc"]["file"]) for r in routes] == [
        (9999, "9999-docs.png", True, "9999-redoc.png")
    ], routes
