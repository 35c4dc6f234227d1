"""One headless Chromium for the docs checks: Debian's /usr/bin/chromium driven by Playwright.

What: `open_browser()` starts Chromium with a fresh, empty profile in a temporary directory and
an `OfflineGuard` on every request, and yields a `Browser` whose `page()` opens a tab with its
own network log. `chromium_missing()` says what to install when the executable is absent.
When: once per `python -m suites.browser`, once per pytest session (tests/conftest.py's `browser`)
and once per doctor run that checks the docs pages and mounted UIs (doctor/browser.py,
doctor/mounted_ui.py: `visits` loads several pages side by side).
Why: Playwright's browser downloads do not work on lab machines or in CI, so Playwright drives
the Chromium that scripts/install-debian-deps.sh installs. The flags suit a closed network and
a root user: no sandbox (it refuses to run as root), no GPU, no QUIC, and none of Chromium's
own traffic (background networking, component updates, sync, first-run pages). For the TLS
routes (lab 08) it trusts exactly the lab's server key, by its SPKI hash
(`--ignore-certificate-errors-spki-list`), never certificate errors in general.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import BrowserContext, Error, Page, Response, sync_playwright

from instruments.chromium.network import NetworkLog, OfflineGuard
from proxylab.certs import CERT_FILE
from proxylab.errors import ProxylabError
from proxylab.paths import CERTS_DIR

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000  # any single wait: a page, a render, a click; the pages answer in well under 2 s
INSTALL_HINT = "install Debian's chromium (`make deps`, or `apt-get install chromium`)"


@dataclass
class Browser:
    """The running browser: one context (one profile), a tab per page checked."""

    context: BrowserContext
    guard: OfflineGuard
    version: str

    def page(self) -> tuple[Page, NetworkLog]:
        """A new tab and the log of its requests; close the tab when done with it."""
        page = self.context.new_page()
        return page, NetworkLog.attach(page)

    def visits(self, urls: list[str], parallel: int = 4) -> Iterator[Visit]:
        """`visit` for many pages, `parallel` tabs loading side by side: each navigation is
        started (to its first byte), then each tab is waited for to its `load` event and yielded
        in order, and closed when the caller asks for the next one or stops."""
        for first in range(0, len(urls), parallel):
            opened: list[Page] = []
            try:
                started = [self._start(url, opened) for url in urls[first : first + parallel]]
                for page, log, response, gave_up in started:
                    if gave_up is None:
                        try:
                            page.wait_for_load_state("load")
                        except Error as error:
                            gave_up = f"the page did not load: {error.message.splitlines()[0]}"
                    yield Visit(page, log, response, gave_up)
                    page.close()
            finally:
                for page in opened:
                    if not page.is_closed():
                        page.close()

    def _start(self, url: str, opened: list[Page]) -> tuple[Page, NetworkLog, Response | None, str | None]:
        page, log = self.page()
        opened.append(page)
        try:
            return page, log, page.goto(url, wait_until="commit"), None
        except Error as error:
            if (gave_up := navigation_failure(error)) is None:
                raise
            return page, log, None, gave_up

    @contextmanager
    def visit(self, url: str) -> Iterator[Visit]:
        """A new tab loaded with `url` (to the `load` event), closed afterwards. A page the
        browser gives up on is a Visit with `gave_up` set; a refused connection raises."""
        page, log = self.page()
        try:
            try:
                visit = Visit(page, log, page.goto(url, wait_until="load"))
            except Error as error:
                if (gave_up := navigation_failure(error)) is None:
                    raise
                visit = Visit(page, log, None, gave_up)
            yield visit
        finally:
            page.close()


@dataclass(frozen=True)
class Visit:
    """One page as loaded: the tab, its request log, the document's response or why there is none."""

    page: Page
    log: NetworkLog
    response: Response | None
    gave_up: str | None = None  # e.g. "the browser gave up loading the page: net::ERR_TOO_MANY_REDIRECTS"

    @property
    def status(self) -> int | None:
        return self.response.status if self.response else None

    @property
    def body(self) -> str:
        return self.response.text() if self.response else ""


def screenshot(page: Page, path: Path, **options: Any) -> None:
    """page.screenshot, tried once more when Chromium could not get a frame from its compositor
    ("Unable to capture screenshot": seen once in the browser suite while both cores were busy).
    The screenshot is the report's picture of what the checks found, not one of the checks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=path, animations="disabled", **options)
    except Error as error:
        if "Unable to capture screenshot" not in error.message:
            raise
        page.screenshot(path=path, animations="disabled", **options)


def trust_lab_certificate(cert: Path = CERTS_DIR / CERT_FILE) -> list[str]:
    """Chromium's flag that accepts the proxies' certificate (.run/certs/server.pem) and no other."""
    if not cert.is_file():
        return []
    spki = (
        x509.load_pem_x509_certificate(cert.read_bytes())
        .public_key()
        .public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    )
    return [
        f"--ignore-certificate-errors-spki-list={base64.b64encode(hashlib.sha256(spki).digest()).decode()}"
    ]


def navigation_failure(error: Error) -> str | None:
    """`net::ERR_TOO_MANY_REDIRECTS` and the like: a page that never loads, described as the
    browser met it. None for a refused connection (a stopped stack, not a behaviour)."""
    found = re.search(r"net::ERR_[A-Z_]+", error.message)
    if found is None or found[0] == "net::ERR_CONNECTION_REFUSED":
        return None
    return f"the browser gave up loading the page: {found[0]}"


def chromium_missing(executable: Path = CHROMIUM) -> str | None:
    """None when Chromium is there, else the sentence a skip or an error shows."""
    if executable.is_file() or shutil.which(str(executable)):
        return None
    return f"{executable} is not installed; {INSTALL_HINT}"


@contextmanager
def open_browser(executable: Path = CHROMIUM) -> Iterator[Browser]:
    """Chromium with a throw-away profile; everything is stopped and removed on exit."""
    missing = chromium_missing(executable)
    if missing:
        raise ProxylabError("chromium", missing.removeprefix(f"{executable} "), INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="proxylab-chromium-") as profile, sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(executable),
                args=[*LAUNCH_ARGS, *trust_lab_certificate()],
                headless=True,
                viewport=VIEWPORT,
                device_scale_factor=1,
                service_workers="block",
            )
        except Error as error:
            raise ProxylabError(
                f"chromium ({executable})",
                "Playwright could not start it",
                "run the same launch by hand: .venv/bin/python -m suites.browser --port 9999",
                details=error.message,
            ) from error
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield Browser(
                context, OfflineGuard().install(context), context.browser.version if context.browser else "?"
            )
        finally:
            context.close()
