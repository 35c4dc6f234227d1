"""One route's result: the render that stands for it, checked against the route's own fetches.

What: a `RouteCheck` is the render of the route's docs inputs (its own, or that of a route whose
inputs are byte-identical, suites/browser/renders.py), the route's own inputs and its own "Try
it out" answer over HTTP (suites/browser/inputs.py). `fields()` are the values
suites/expected/docs_ui.json records: the render's, with the Try it out answer the route got
itself. `problems()` lists what fails whatever the expectation says: the render's own failures,
a request of the render that the route's own fetches do not cover, and, on the rendered route,
a browser that read Try it out otherwise than HTTP did.
When: `python -m suites.browser` and tests/suites/browser, once per route.
Why: a shared render must never stand for a route it does not describe; what each route is
checked on stays that route's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from instruments.chromium.network import is_loopback
from proxylab.compose import Route
from suites.browser.inputs import Answer, DocsInputs, filled, placeholders
from suites.browser.run import Render

ANSWER_FIELDS = ("try_it_out_status", "response_contains_root_path")  # each route's own, over HTTP
NOT_LOADS = ("data", "blob", "about", "chrome")  # URL schemes that load nothing over the network


@dataclass(frozen=True)
class RouteCheck:
    """One route's docs pages: the render of its inputs (its own or a byte-identical route's),
    its own inputs, and its own "Try it out" answer."""

    route: Route
    inputs: DocsInputs
    render: Render
    answer: Answer | None  # None where the render has no Try it out

    @property
    def key(self) -> str:
        return self.route.key

    @property
    def rendered_as(self) -> Route | None:
        """The route whose render stands for this one; None when it was rendered itself."""
        return None if self.render.route == self.route else self.render.route

    def fields(self) -> dict[str, Any]:
        """The render's fields (URLs as paths, so the same on every route of a group), with the
        Try it out answer as this route got it over HTTP."""
        fields = self.render.fields()
        if self.answer is not None:
            fields["try_it_out_status"] = self.answer.status
            fields["response_contains_root_path"] = (
                isinstance(self.answer.body, dict) and self.answer.body.get("root_path") == self.route.prefix
            )
        return fields

    def problems(self) -> list[str]:
        """The render's failures, then where this route's own fetches and its render disagree."""
        shared = f" (seen rendering {self.rendered_as.key})" if self.rendered_as else ""
        found = [problem + shared for problem in self.render.problems()]
        found += [problem + shared for problem in self._uncovered()]
        if self.rendered_as is None and self.answer is not None:
            seen = self.render.fields()
            for name in ANSWER_FIELDS:
                if seen[name] != self.fields()[name]:
                    found.append(
                        f"Try it out: the browser read {name}={seen[name]!r} but GET {self.answer.url} "
                        f"over HTTP gives {self.fields()[name]!r}; the routes sharing this render "
                        "would be checked against the wrong answer"
                    )
        return found

    def tolerated(self) -> list[str]:
        return self.render.tolerated()

    def network_log(self) -> str:
        """The render's requests, and this route's own fetches, for a failing test's message."""
        lines = []
        if self.rendered_as:
            lines.append(f"rendered as {self.rendered_as.key}, whose docs inputs are byte-identical:")
        lines += [self.render.network_log(), f"{self.route.key}, fetched over HTTP:", *self.inputs.lines()]
        if self.answer is not None:
            lines.append(f"Try it out: GET {self.answer.url} {self.answer.status or self.answer.error}")
        return "\n".join(lines)

    def _uncovered(self) -> list[str]:
        """Each request of the render that is not among this route's inputs, or that got another
        status there: the digest would not cover everything the pages load, so sharing a render
        could hide a difference. Requests off loopback are the offline guard's (`problems`), and
        the Try it out request is each route's own `answer`."""
        tried = self.render.swagger.try_it_out
        found = []
        for exchange in self.render.swagger.log.exchanges + self.render.redoc.log.exchanges:
            if urlsplit(exchange.url).scheme in NOT_LOADS or not is_loopback(exchange.url):
                continue
            if tried and exchange.url == tried.url:
                continue
            url = filled(placeholders(exchange.url, self.render.route), self.route)
            known, status = self.inputs.status_of(url)
            if not known:
                found.append(
                    f"the page loaded {url} ({exchange.resource_type}), which the digest does not cover"
                )
            elif exchange.status is not None and exchange.status != status and exchange.status != 304:
                found.append(f"the browser got {exchange.status} for {url}, a plain GET got {status}")
        return found
