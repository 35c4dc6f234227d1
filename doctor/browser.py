"""The docs UI as a user meets it: Swagger UI in Chromium, through each configuration.

What: `doctor_browser()` is one headless Chromium for the whole run (instruments.chromium.driver:
Debian's Chromium, an offline guard on every request, the CDN's two Swagger UI files served from
a local copy); `check_docs_ui(browser, configs_and_checks)` opens in it each configuration's docs page that
answered like the app's own, waits for Swagger UI to show its operations or its error box, and
marks docs_ui broken with what the browser met: the error Swagger UI shows, a script error, or a
same-origin request that failed.
When: `doctor.cli`, after the HTTP probes, when Chromium is installed (else the report says the
browser check did not run, and why); doctor.mounted_ui opens the mounted UIs in the same browser.
Why: the page's HTML can be fine while the UI is not: Swagger UI fetches the schema from a URL it
computes in the browser. FastAPI's own docs page loads Swagger UI from a CDN, which this machine
(and many CI runners) cannot reach and which no proxy configuration changes; the browser gets
those two files from the copy fastapi-offline ships (the same Swagger UI 5 bundle), so the check
judges only what passes through the proxy. The report says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from playwright.sync_api import Error, Route

from doctor.checks import Checks, under_prefix
from doctor.layout import Configuration
from instruments.chromium.driver import Browser, Visit, open_browser

# The CDN files FastAPI's get_swagger_ui_html names by default, by host; served from this copy.
LOCAL_COPIES = files("fastapi_offline") / "static"
CDN_HOSTS = ("cdn.jsdelivr.net", "fastapi.tiangolo.com")
RENDERED = ".swagger-ui .information-container, .swagger-ui .errors-wrapper"
ERROR_BOX = ".swagger-ui .errors-wrapper .error-wrapper"
NOT_LOADED = ("script", "fetch", "xhr", "stylesheet")
PARALLEL = 4  # docs pages loading at once: each waits on its schema more than on a core


@contextmanager
def doctor_browser() -> Iterator[Browser]:
    """Chromium, with FastAPI's CDN files for Swagger UI served from fastapi-offline's copy."""
    with open_browser() as browser:
        browser.context.route(lambda url: urlsplit(url).hostname in CDN_HOSTS, _local_copy)
        yield browser


def check_docs_ui(browser: Browser, runs: list[tuple[Configuration, Checks]]) -> None:
    """Adds the browser's symptoms to each run's docs_ui; PARALLEL pages load side by side."""
    pages = [(config, checks) for config, checks in runs if checks.docs_page_url]
    urls = [str(checks.docs_page_url) for _, checks in pages]
    for (config, checks), visit in zip(pages, browser.visits(urls, PARALLEL), strict=True):
        _judge(visit, config, checks)


def _local_copy(route: Route) -> None:
    name = PurePosixPath(urlsplit(route.request.url).path).name
    asset = LOCAL_COPIES / name
    if asset.is_file():
        kinds = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}
        route.fulfill(
            status=200,
            body=asset.read_bytes(),
            content_type=kinds.get(PurePosixPath(name).suffix, "application/octet-stream"),
        )
    else:
        route.abort("blockedbyclient")


def _judge(visit: Visit, config: Configuration, checks: Checks) -> None:
    url = checks.docs_page_url
    page, log = visit.page, visit.log
    served = sorted(
        {e.url for e in log.exchanges if urlsplit(e.url).hostname in CDN_HOSTS and e.status == 200}
    )
    if served:
        checks.notes.append(f"docs_ui: in Chromium, fastapi-offline's copy stood in for {', '.join(served)}")
    if visit.gave_up:
        checks.broken("docs_ui", "browser", f"Chromium, {url}: {visit.gave_up}")
        return
    if not page.evaluate("typeof SwaggerUIBundle !== 'undefined'"):
        failed = [e for e in log.exchanges if e.resource_type == "script" and e.status != 200]
        elsewhere = [e for e in failed if urlsplit(e.url).netloc != urlsplit(config.origin).netloc]
        if elsewhere:
            checks.notes.append(
                f"docs_ui: not checked in Chromium: the page loads {elsewhere[0].url}, "
                "from a host this machine cannot reach and no proxy configuration changes"
            )
        elif failed:
            checks.broken(
                "docs_ui",
                _kind(failed[0].url, config),
                f"Chromium, {url}: Swagger UI never started; {failed[0].url} → {failed[0].outcome}",
            )
        else:
            checks.notes.append(
                f"docs_ui: {url} is not a Swagger UI page; the browser check knows only Swagger UI"
            )
        return
    try:
        page.locator(RENDERED).first.wait_for()
    except Error:
        checks.broken(
            "docs_ui",
            "browser",
            f"Chromium, {url}: Swagger UI showed neither its operations nor an error within the timeout",
        )
        return
    errors = [" ".join(t.split()) for t in page.locator(ERROR_BOX).all_inner_texts()]
    if errors:
        schema = next((e for e in log.exchanges if e.resource_type in ("fetch", "xhr")), None)
        kind = _kind(schema.url, config) if schema else "browser"
        checks.broken(
            "docs_ui",
            kind.replace("asset", "schema-url"),
            f'Chromium, {url}: Swagger UI shows "{errors[0]}"',
        )
        return  # the failed request behind the error box is the one it names
    for exchange in log.exchanges:
        if (
            exchange.resource_type in NOT_LOADED
            and exchange.status not in (200, 304)
            and urlsplit(exchange.url).hostname not in CDN_HOSTS
        ):
            checks.broken(
                "docs_ui",
                _kind(exchange.url, config),
                f"Chromium, {url}: {exchange.resource_type} {exchange.url} → {exchange.outcome}",
            )
    for error in log.page_errors:
        checks.broken("docs_ui", "browser", f"Chromium, {url}: script error: {error}")


def _kind(url: str, config: Configuration) -> str:
    return "asset" if under_prefix(url, config) else "asset-outside-prefix"
