"""One Chromium render per group of routes whose docs pages load byte-identical inputs.

What: `Renders(browser, screenshots).check(route)` fetches the route's docs inputs over HTTP
(suites/browser/inputs.py) and looks for a render of the same digest whose "Try it out" answer
is the same as this route's own (status, headers, root_path): the route then shares that render,
and its screenshots are copies of the render's (<port>-docs.png, <port>-redoc.png). Otherwise
Chromium renders this route (suites/browser/run.py's `render_route`) and later routes may share
it. Every route keeps its own HTTP fetches (pages, schema, assets, the Try it out GET), its own
fields and its own checks (`RouteCheck`); `renders` lists the routes Chromium opened.
When: `python -m suites.browser` and tests/suites/browser's `checked` fixture, once per route.
Why: of 92 routes only about twenty serve different bytes; rendering Swagger UI and ReDoc is
about 2.5 CPU-seconds a route, most of `make test`'s parallel phase. A route is never grouped
on a guess: the digest holds every byte and header the pages load, the answer holds what the
checks read of Try it out, and the render's request log is held against each route's inputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from instruments.chromium.driver import Browser
from proxylab.compose import Route
from suites.browser.check import RouteCheck
from suites.browser.inputs import Answer, DocsInputs, fetch_answer, fetch_inputs, placeholders
from suites.browser.run import Render, render_route

PAGES = ("docs", "redoc")  # the screenshots of a render: <port>-docs.png, <port>-redoc.png


class Renders:
    """The renders made so far, by inputs digest; each route checked against one of them."""

    def __init__(self, browser: Browser, screenshots: Path | None = None) -> None:
        self.browser = browser
        self.screenshots = screenshots
        self.by_digest: dict[str, list[tuple[Render, str | None]]] = {}  # digest → (render, its answer key)
        self.renders: list[Route] = []  # the routes Chromium rendered, in order

    def check(self, route: Route) -> RouteCheck:
        """`route`'s check, rendering it only when no render of the same inputs and answer exists."""
        inputs = fetch_inputs(route)
        for render, answer_key in self.by_digest.get(inputs.digest, []):
            answer = self._answer(route, render)
            if (answer.key if answer else None) == answer_key:
                self._copy_screenshots(render.route, route)
                return RouteCheck(route, inputs, render, answer)
        return self._render(route, inputs)

    def _render(self, route: Route, inputs: DocsInputs) -> RouteCheck:
        render = render_route(self.browser, route, self.screenshots)
        answer = self._answer(route, render)
        self.by_digest.setdefault(inputs.digest, []).append((render, answer.key if answer else None))
        self.renders.append(route)
        return RouteCheck(route, inputs, render, answer)

    def _answer(self, route: Route, render: Render) -> Answer | None:
        """The GET the render's Try it out sent, sent again on `route`'s own origin."""
        tried = render.swagger.try_it_out
        return fetch_answer(route, placeholders(tried.url, render.route)) if tried else None

    def _copy_screenshots(self, source: Route, target: Route) -> None:
        """The render's pictures under `target`'s name. A page Chromium gave up on (a redirect to
        an untrusted https origin, say) has no picture: `target` then has none either, not an
        older run's."""
        if self.screenshots is None:
            return
        for page in PAGES:
            taken = self.screenshots / f"{source.port}-{page}.png"
            copy = self.screenshots / f"{target.port}-{page}.png"
            if taken.is_file():
                shutil.copyfile(taken, copy)
            else:
                copy.unlink(missing_ok=True)
