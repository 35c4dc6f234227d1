"""Swagger UI ({P}/docs) in the browser: does it render, and where does "Try it out" go?

What: `check_swagger(browser, url, screenshot)` opens the page, waits for Swagger UI to show
either the GET /app operation or its own error box, and, when the operations are there, opens
GET /app, clicks "Try it out" and "Execute", and reads back the request the browser sent (URL
and status, from the network log) and what Swagger shows (its Request URL box, code, body).
A page that cannot render is described the way the browser met it: the document's status,
the asset that did not load, the script error that followed, or Swagger's error text.
When: `python -m suites.browser` and tests/suites/browser, once per route.
Why: root_path bugs show in the browser, not in curl. Swagger UI sends "Try it out" to the first
entry of the schema's `servers`, resolved against the page, or to the page's origin when there
are none; so a schema that loads can still send requests outside the proxy's prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page

from instruments.chromium.driver import Browser
from instruments.chromium.driver import screenshot as take_screenshot
from instruments.chromium.network import NetworkLog

# The operation the check runs: GET /app, tag "echo", FastAPI's generated operationId.
OPERATION = "#operations-echo-show_app_app_get"
ERROR_BOX = ".swagger-ui .errors-wrapper"  # "Failed to load API definition." and its details
BUNDLE = "swagger-ui-bundle.js"


@dataclass(frozen=True)
class TryItOut:
    """GET /app sent from Swagger UI's "Try it out": what went on the wire and what it showed."""

    url: str  # the URL the browser fetched
    status: int | None  # None when no HTTP answer came back
    failure: str | None  # the browser's error text in that case
    shown_url: str  # Swagger's "Request URL" box
    shown_code: str  # the code column of Swagger's live response ("404", or "Undocumented")
    shown_body: str  # the response body Swagger shows


@dataclass(frozen=True)
class SwaggerOutcome:
    page_status: int | None
    renders: bool  # the GET /app operation is visible
    schema_loaded: bool  # the browser fetched an openapi.json and got 200
    failure: str | None  # why it does not render, as the browser met it
    try_it_out: TryItOut | None
    log: NetworkLog


def check_swagger(browser: Browser, url: str, screenshot: Path | None = None) -> SwaggerOutcome:
    """Open Swagger UI at `url`, try GET /app when it renders, and screenshot what it shows."""
    with browser.visit(url) as visit:
        page, log, status = visit.page, visit.log, visit.status
        if visit.gave_up:
            return SwaggerOutcome(None, False, False, visit.gave_up, None, log)
        failure, try_it_out = _failure_before_render(page, log, status, visit.body), None
        if failure is None:
            page.locator(f".swagger-ui .opblock, {ERROR_BOX}").first.wait_for()
            failure = _error_box_text(page) or _missing_operation(page)
        if failure is None:
            try_it_out = _try_it_out(page, page.locator(OPERATION))
        schema_loaded = any(e.status == 200 for e in log.matching("/openapi.json", ("fetch", "xhr")))
        if screenshot:
            _screenshot(page, screenshot, page.locator(OPERATION) if try_it_out else None)
        return SwaggerOutcome(status, failure is None, schema_loaded, failure, try_it_out, log)


def _failure_before_render(page: Page, log: NetworkLog, status: int | None, body: str) -> str | None:
    """At `load` the bundle has run or not: no SwaggerUIBundle means Swagger UI never starts,
    so waiting for a render would only wait for the timeout."""
    if status != 200 or not page.evaluate("typeof SwaggerUIBundle !== 'undefined'"):
        return log.load_failure(status, body)
    return None


def _error_box_text(page: Page) -> str | None:
    """Swagger's own error box as one line, its title then each error:
    `Failed to load API definition. Fetch error: Not Found /api/v1/openapi.json`."""
    if not page.locator(ERROR_BOX).count():
        return None
    title = page.locator(".swagger-ui .info .title").all_inner_texts()
    errors = [
        ": ".join(line.strip() for line in text.splitlines() if line.strip())
        for text in page.locator(f"{ERROR_BOX} .error-wrapper").all_inner_texts()
    ]
    return " ".join([*(t.strip() for t in title[:1]), *errors]) or "Swagger UI shows an empty error box"


def _missing_operation(page: Page) -> str | None:
    """Operations but not GET /app: the app's routes or tags changed, not the proxy."""
    return (
        None
        if page.locator(OPERATION).count()
        else f"Swagger UI shows operations, but not GET /app ({OPERATION})"
    )


def _try_it_out(page: Page, block: Locator) -> TryItOut:
    """Open GET /app, Try it out, Execute; the request is caught as it is sent, so a request
    that never answers is still seen."""
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    with page.expect_request(lambda request: request.resource_type in ("fetch", "xhr")) as sent:
        block.get_by_role("button", name="Execute").click()
    request = sent.value
    code = block.locator(".live-responses-table tbody .response-col_status")
    code.wait_for()
    response = request.response()
    body = block.locator(".live-responses-table tbody .response-col_description")
    shown_code = code.inner_text().split() or [""]  # "404 Undocumented" → "404"
    return TryItOut(
        url=request.url,
        status=response.status if response else None,
        failure=request.failure,
        shown_url=block.locator(".request-url pre").inner_text().strip(),
        shown_code=shown_code[0],
        shown_body=body.locator("pre").first.inner_text()
        if body.locator("pre").count()
        else body.inner_text(),
    )


def _screenshot(page: Page, path: Path, down_to: Locator | None) -> None:
    """The page from its top down to the bottom of `down_to` (title, servers, GET /app and its
    live response), or the viewport when there is nothing to scroll to."""
    if down_to is None:
        take_screenshot(page, path)
        return
    bottom = down_to.evaluate("element => element.getBoundingClientRect().bottom + window.scrollY")
    width = page.viewport_size["width"] if page.viewport_size else 1280
    take_screenshot(page, path, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": bottom + 16})
