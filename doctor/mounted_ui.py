"""Each mounted UI as a user meets it: its root page in Chromium, through each configuration.

What: `check_mounted_uis(browser, runs, direct_base)` opens in Chromium the root page of each UI
the crawl loaded (doctor.crawl keeps each crawl's first HTML page: a mount's root such as
sqladmin's /admin/, or / and a --path page of an app that is a UI, as datasette is), first on the
app directly and then through each configuration where it answered, PARALLEL tabs at a time, and
lets each page load and settle (SETTLE_MS without a request in flight). Every request the page
makes is judged: one that leaves the proxy's origin, or its prefix, breaks the crawl's check
(mounts or pages); one under the prefix that fails (an HTTP error, or no answer) breaks it unless
the same request fails the same way when the page is loaded from the app directly; a script error
the direct page does not have does too. What Chromium met is kept per page: requests made, and the
ones that failed or left (the reports list them per configuration).
When: `doctor.cli`, after the HTTP probes and the docs UI, in the same Chromium; bounded by
BUDGET_S for the whole run (pages left over are named in the notes).
Why: the crawl reads what the HTML names; a UI builds most of its requests in the browser. A
Gradio page asks for its config and its API from URLs its script computes, which no HTML parser
sees; a page can answer 200 and name its assets right and still fetch its data from the site's
root. Only the browser's own request log shows which requests failed.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from playwright.sync_api import Error

from doctor.checks import Checks, under_prefix
from doctor.layout import Configuration
from instruments.chromium.driver import Browser
from instruments.chromium.network import Exchange, NetworkLog, is_loopback

SETTLE_MS = 1_500  # after `load`, the wait for no request in flight (a UI's fetches after its script)
BUDGET_S = 60.0  # for every page of the run; what is left is named in the notes
PARALLEL = 4  # tabs loading at once: a page waits on its requests more than on a core
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}  # what is judged, as what


def check_mounted_uis(browser: Browser, runs: list[tuple[Configuration, Checks]], direct_base: str) -> int:
    """Adds Chromium's symptoms to each run's mounts/pages; returns the number of pages loaded."""
    jobs = [(config, checks, check, path) for config, checks in runs for check, path in checks.ui_pages]
    began = time.monotonic()
    direct = _load_all(browser, list(dict.fromkeys(direct_base + path for *_, path in jobs)), began)
    through = _load_all(browser, [config.public_base + path for config, _, _, path in jobs], began)
    for config, checks, check, path in jobs:
        page, baseline = through.get(config.public_base + path), direct.get(direct_base + path)
        if page is None or baseline is None:
            checks.note(
                f"{check}: {config.public_base + path} not opened in Chromium (the {BUDGET_S:.0f} s bound)"
            )
            continue
        _judge(config, checks, check, path, page, baseline)
    return len(direct) + len(through)


class _Loaded:
    """One page as Chromium loaded it: its requests, its script errors, or why it never loaded."""

    def __init__(self, url: str, log: NetworkLog | None, gave_up: str | None = None) -> None:
        self.url = url
        self.exchanges = log.exchanges if log else []
        self.page_errors = log.page_errors if log else []
        self.gave_up = gave_up


def _load_all(browser: Browser, urls: list[str], began: float) -> dict[str, _Loaded]:
    """Each page loaded (PARALLEL tabs side by side) and let settle: SETTLE_MS without a request
    in flight after `load`; none once BUDGET_S has passed since `began`."""
    loaded: dict[str, _Loaded] = {}
    for url, visit in zip(urls, browser.visits(urls, PARALLEL), strict=True):
        if time.monotonic() - began > BUDGET_S:
            break
        if visit.gave_up is None:
            try:
                visit.page.wait_for_load_state("networkidle", timeout=SETTLE_MS)
            except Error:
                pass  # a stream or a poll keeps the network busy: judged on what came so far
        loaded[url] = _Loaded(url, visit.log, visit.gave_up)
    return loaded


def _judge(
    config: Configuration, checks: Checks, check: str, path: str, page: _Loaded, direct: _Loaded
) -> None:
    failed_directly = {
        _app_path(_as_http(e.url), direct.url.removesuffix(path)): e.outcome
        for e in direct.exchanges
        if _failed(e)
    }
    record = {
        "check": check,
        "page": page.url,
        "requests": len(page.exchanges),
        "failed": [],
        "outside": [],
        "sockets": [f"{e.url} → {e.outcome}" for e in page.exchanges if e.resource_type == "websocket"],
    }
    checks.browser_pages.append(record)
    if page.gave_up:
        checks.broken(check, "browser", f"Chromium, {page.url}: {page.gave_up}")
        record["failed"].append(page.gave_up)
        return
    for exchange in page.exchanges:
        line = f"{exchange.resource_type} {exchange.url} → {exchange.outcome}"
        parts = urlsplit(exchange.url)
        if parts.scheme not in _SCHEMES:
            continue
        # A socket the page opens is judged as a request: ws:// stands for the http:// origin.
        parts = parts._replace(scheme=_SCHEMES[parts.scheme])
        if not is_loopback(exchange.url):
            checks.note(
                f"{check}: in Chromium, {page.url} asks another site for {exchange.url}; blocked, not judged"
            )
            continue
        if _failed(exchange) and failed_directly.get(parts.path + (f"?{parts.query}" if parts.query else "")):
            # The page loaded directly asks for the same path and fails too: the app's own fault
            # (Gradio's /manifest.json from the site's root), whatever the proxy does.
            checks.note(f"{check}: in Chromium, {page.url}: {line}; it fails directly too, not judged")
        elif f"{parts.scheme}://{parts.netloc}" != config.origin:
            record["outside"].append(line)
            checks.broken(
                check,
                "link-origin",
                f"Chromium, {page.url}: {line}, not on the proxy's origin {config.origin}",
            )
        elif not under_prefix(parts.geturl(), config):
            record["outside"].append(line)
            checks.broken(
                check,
                "link-outside-prefix",
                f"Chromium, {page.url}: {line}, outside {config.prefix}, which the proxy does not route",
            )
        elif _failed(exchange):
            same = failed_directly.get(_app_path(parts.geturl(), config.public_base))
            if same == exchange.outcome:
                continue  # the app's own failure: the page loaded directly has it too
            record["failed"].append(line)
            directly = (
                f"directly the page's same request gives {same}" if same else "it does not fail directly"
            )
            kind = "browser-request"
            if exchange.resource_type == "websocket":  # as doctor/upgrades.py names a refused handshake
                kind = "websocket-no-route" if exchange.status == 403 else "websocket-upgrade"
            checks.broken(check, kind, f"Chromium, {page.url}: {line}; {directly}")
        else:
            checks.ok(check)
    direct_errors = {_general(e, direct.url.removesuffix(path)) for e in direct.page_errors}
    for error in page.page_errors:
        if _general(error, config.public_base) not in direct_errors:
            record["failed"].append(f"script error: {error}")
            checks.broken(check, "browser", f"Chromium, {page.url}: script error: {error}")


def _failed(exchange: Exchange) -> bool:
    return (exchange.status is None and exchange.failure is not None) or (exchange.status or 0) >= 400


def _as_http(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(scheme=_SCHEMES.get(parts.scheme, parts.scheme)).geturl()


def _app_path(url: str, base: str) -> str:
    return url.removeprefix(base) or "/"


def _general(message: str, base: str) -> str:
    return message.replace(base, "")
