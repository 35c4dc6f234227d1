"""ReDoc ({P}/redoc) in the browser: does it show the API, and which URL does it give GET /app?

What: `check_redoc(browser, url, screenshot)` opens the page and waits for ReDoc's first heading:
the API's title ("proxylab echo (0.1.0)") when the schema loaded, "Something went wrong..." when
it did not. It renders when the title and the GET /app operation ("Show App") are visible; then
it opens GET /app's endpoint box in the right-hand panel and reads the URLs ReDoc lists there
(one per entry of `servers`, or the page's origin when there are none). Otherwise the outcome
says what the browser met: the document's status, the script that did not load, or ReDoc's own
error and message.
When: `python -m suites.browser` and tests/suites/browser, once per route.
Why: ReDoc fetches the same schema as Swagger UI, from its own script, and shows readers the
URL to call; both must be right behind the proxy. The screenshot is taken with the endpoint box
open, so it shows that URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

from instruments.chromium.driver import Browser
from instruments.chromium.driver import screenshot as take_screenshot
from instruments.chromium.network import NetworkLog

TITLE = "proxylab echo"  # FastAPI(title=...) in app/main.py
OPERATION = "Show App"  # the summary FastAPI gives GET /app (show_app)
OPERATION_PATH = re.compile(r"^/app$")
ERROR_HEADING = "Something went wrong..."


@dataclass(frozen=True)
class RedocOutcome:
    page_status: int | None
    renders: bool  # the title and the GET /app operation are visible
    heading: str | None  # ReDoc's first heading, whatever it says
    failure: str | None  # why it does not render, as the browser met it
    log: NetworkLog
    endpoint_urls: list[str] = field(default_factory=list)  # what ReDoc lists for GET /app


def check_redoc(browser: Browser, url: str, screenshot: Path | None = None) -> RedocOutcome:
    """Open ReDoc at `url`, read what it renders, and screenshot its first screen."""
    with browser.visit(url) as visit:
        page, log, status = visit.page, visit.log, visit.status
        if visit.gave_up:
            return RedocOutcome(None, False, None, visit.gave_up, log)
        heading, failure, endpoint_urls = None, None, []
        if status != 200 or not page.evaluate("typeof Redoc !== 'undefined'"):
            # No script, no ReDoc: the <redoc> element stays empty and nothing on the page says why.
            failure = log.load_failure(status, visit.body)
            failure += "; the page stays blank" if status == 200 else ""
        else:
            first = page.locator("redoc h1").first
            first.wait_for()
            heading = first.inner_text().strip()
            failure = _error_text(page) if heading == ERROR_HEADING else None
        renders = (
            failure is None and heading is not None and heading.startswith(TITLE) and _shows_operation(page)
        )
        if failure is None and not renders:
            failure = f"ReDoc shows {heading!r} but not the operation {OPERATION!r}"
        if renders:
            endpoint_urls = _endpoint_urls(page)
        if screenshot:
            take_screenshot(page, screenshot)
        return RedocOutcome(status, renders, heading, failure, log, endpoint_urls)


def _shows_operation(page: Page) -> bool:
    return page.locator("redoc h2", has_text=OPERATION).first.is_visible()


def _endpoint_urls(page: Page) -> list[str]:
    """Open GET /app's endpoint box (right-hand panel) and read its URLs, in ReDoc's order."""
    toggle = page.locator("redoc button").filter(has=page.locator("span", has_text=OPERATION_PATH)).first
    toggle.click()
    urls = toggle.locator("xpath=..").locator("[role=button]")
    urls.first.wait_for()
    return [" ".join(text.split()) for text in urls.all_inner_texts()]


def _error_text(page: Page) -> str:
    """`Something went wrong...: Failed to load http://…/openapi.json: 404 Not Found`."""
    message = page.locator("redoc h1 + small").all_inner_texts()
    return ": ".join([ERROR_HEADING, *(" ".join(text.split()) for text in message[:1])])
