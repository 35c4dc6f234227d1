"""Fixtures for the browser checks: one Chromium for the session, one check per route.

`browser` (tests/conftest.py, shared with the lab book's test) starts Debian's Chromium once
(Playwright drives it; see instruments/chromium/driver.py) and is skipped, with what to install,
only where /usr/bin/chromium is absent; CI installs it, so there these tests always run.
`checked(route)` runs suites.browser's check of a route the first time a test asks for it and
hands the same result to every later test of that route: the route's own HTTP fetches, and a
Chromium render of its docs pages unless a route with byte-identical inputs was rendered already
(suites/browser/renders.py). Screenshots go to reports/screenshots/ as `make screenshots` writes
them, one pair per route, so CI's artifact has them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from instruments.chromium.driver import Browser
from proxylab.compose import Route, Stack
from proxylab.paths import REPORTS_DIR
from suites.browser.check import RouteCheck
from suites.browser.renders import Renders
from suites.matrix.html import SCREENSHOTS


@pytest.fixture(scope="session")
def checked(browser: Browser, running_stack: Stack) -> Callable[[Route], RouteCheck]:
    """checked(route) → the RouteCheck of that route, computed once per session."""
    renders = Renders(browser, REPORTS_DIR / SCREENSHOTS)
    done: dict[int, RouteCheck] = {}

    def check(route: Route) -> RouteCheck:
        if route.port not in done:
            done[route.port] = renders.check(route)
        return done[route.port]

    return check
