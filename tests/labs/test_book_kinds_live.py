"""A step of every kind, run from the lab book in Chromium through the session's stack, on either
backend: what each card renders after Run (values, verdicts, the hop picture), and Run's round
trip through each proxy. A step made to fail, marked as one: tests/labs/test_book_live.py.

The book (`python -m labs.book --presenter`, tests/labs/book_server.py) serves the four lab
files of tests/labs/book_kinds_labs.py: the kinds that leave the stack as it is, the kinds that
stop, restart or load services (`alone`, as proxylab/testphases.py runs them), release-set,
native only (lab 14's rule), which a Compose session shows skipped, and endpoint-ready (the k8s
profile's control plane). The presenter's page runs all of them: Chromium's POST carries the
book's own Origin from a loopback peer (labs/book/room.py). Screenshots:
reports/book/kinds-*.png, each checked not to be blank.
When one fails, the book shows a kind otherwise than `make labs` runs it: no values, a verdict
the runner did not give, or a refused Run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from book_browser import record, shoot
from book_kinds_labs import CHANGES, ENDPOINTS, LAB_FILES, PROXIES, READS, RELEASES
from book_server import Book, serve_book
from playwright.sync_api import Locator, Page

from instruments.chromium.driver import Browser
from labs.kinds import KINDS
from labs.model import find_labs, load_lab
from proxylab.context import Context

pytestmark = pytest.mark.stack

measured: dict[str, float] = {}


@pytest.fixture(scope="module")
def book(live_context: Context, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    labs = tmp_path_factory.mktemp("book-kinds")
    for name, text in LAB_FILES.items():
        (labs / f"{name}.yaml").write_text(text, encoding="utf-8")
    backend = live_context.backend.name
    with serve_book(backend, labs, presenter=True) as served:
        measured["start_to_first_page_s"] = served.first_page_s
        yield served
    record(f"measured.kinds.{backend}", measured)


@pytest.fixture
def lab_page(book: Book, browser: Browser) -> Iterator[Page]:
    """A tab for one test, closed after it, with nothing left in its log or the off-host guard."""
    browser.guard.take()
    page, log = browser.page()
    page.set_default_timeout(60_000)  # a bench or a rolling restart runs for seconds
    try:
        yield page
        assert log.page_errors == [] and browser.guard.take() == []
    finally:
        page.close()


def shot(card: Locator, name: str) -> None:
    shoot(card, f"kinds-{name}")


def run(page: Page, number: int) -> str:
    """Click Run on step `number` and wait for its verdict: the card's status line."""
    page.click(f"#step-{number} button.run")
    status = f"#step-{number} .status"
    page.wait_for_function(
        "sel => !['', 'running…'].includes(document.querySelector(sel).textContent)", arg=status
    )
    return page.locator(status).inner_text()


def test_the_labs_here_hold_a_step_of_every_kind(tmp_path: Path) -> None:
    """A kind added to labs/kinds/ would go untested in the book until a step here uses it."""
    for name, text in LAB_FILES.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    assert {step.kind for path in find_labs(tmp_path) for step in load_lab(path).steps} == set(KINDS)


@pytest.mark.parametrize(("proxy", "number"), [(proxy, n) for n, proxy in enumerate(PROXIES, 1)])
def test_a_request_step_through_each_proxy(book: Book, lab_page: Page, proxy: str, number: int) -> None:
    """The values, each field held, and the hop picture's labels; Run's round trip measured."""
    lab_page.goto(f"{book.url}/labs/{READS}")
    took = []
    for _ in range(3):  # the median of three: one click to the verdict on screen
        started = time.monotonic()
        assert run(lab_page, number) == "✓ as expected"
        took.append(time.monotonic() - started)
    measured[f"run_round_trip_{proxy}_s"] = round(sorted(took)[1], 3)
    card = lab_page.locator(f"#step-{number}")
    assert card.locator("tr.held").count() == 3 and card.locator("tr.mismatch").count() == 0
    assert f"http://127.0.0.1:{PROXIES[proxy]}/api/v1/app" in card.locator(".result").inner_text()
    hops = card.locator("svg.hops")
    for label in (
        "client",
        proxy,
        "strips /api/v1",
        "app-server-root-path",
        f"Host: 127.0.0.1:{PROXIES[proxy]}",
    ):
        assert hops.locator("text", has_text=label).count() >= 1, label
    assert hops.locator("text.header-added", has_text="x-forwarded-prefix: /api/v1").count() == 1
    assert hops.locator("text.lost-prefix").count() == 0
    shot(card, f"request-{proxy}")


# Each kind's card after Run, in lab order: the stop is followed by its start, so the stack ends
# as it began. The stack-changing kinds run alone (proxylab/testphases.py), from the presenter's page.
READ_KINDS = [
    (5, "docs", "/api/v1/openapi.json"),
    (6, "reuse", "[200, 200]"),
    (7, "keepalive", "200"),
    (8, "websocket", "hello"),
    (9, "sse", "tick 2"),
    (10, "bench-report", "found"),  # only shown: it holds whether `make bench` ran here or not
]
CHANGE_KINDS = [
    (1, "stop", "stopped"),
    (2, "start", "healthy"),
    (3, "probe-sim", "decision"),
    (4, "rolling-restart", "60"),
    (5, "bench", "traefik"),
]


@pytest.mark.parametrize(
    ("lab", "number", "kind", "shown"),
    [
        *(pytest.param(READS, *case, id=case[1]) for case in READ_KINDS),
        *(pytest.param(CHANGES, *case, id=case[1], marks=pytest.mark.alone) for case in CHANGE_KINDS),
    ],
)
def test_each_kind_renders_its_values(
    book: Book, lab_page: Page, lab: str, number: int, kind: str, shown: str
) -> None:
    lab_page.goto(f"{book.url}/labs/{lab}")
    card = lab_page.locator(f"#step-{number}")
    assert card.locator("button.run").is_enabled()  # the presenter's page
    assert run(lab_page, number) == "✓ as expected", card.locator(".result").inner_text()
    assert shown in card.locator(".result").inner_text()
    shot(card, kind)


@pytest.mark.alone
def test_a_release_set_runs_natively_and_is_skipped_on_compose(
    book: Book, lab_page: Page, live_context: Context
) -> None:
    lab_page.goto(f"{book.url}/labs/{RELEASES}")
    status = run(lab_page, 1)
    if live_context.backend.name == "native":
        assert status == "✓ as expected" and "0.55.0" in lab_page.locator("#step-1 .result").inner_text()
    else:
        assert (
            status == "skipped"
            and "runs on the native backend only" in lab_page.locator("#step-1").inner_text()
        )
    shot(lab_page.locator("#step-1"), "release-set")


@pytest.mark.alone
def test_an_endpoint_taken_out_and_back_from_the_presenters_page(book: Book, lab_page: Page) -> None:
    """endpoint-ready on the k8s profile's control plane: out of the Gateway provider's routes
    (503), then back (200), in that order, so the stack ends as it began."""
    lab_page.goto(f"{book.url}/labs/{ENDPOINTS}")
    for number, shown in ((1, "503"), (2, "200")):
        assert run(lab_page, number) == "✓ as expected", lab_page.locator(
            f"#step-{number} .result"
        ).inner_text()
        assert shown in lab_page.locator(f"#step-{number} .result").inner_text()
    shot(lab_page.locator("#step-1"), "endpoint-ready")
