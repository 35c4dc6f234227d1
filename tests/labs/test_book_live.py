"""The lab book in Chromium, on the live stack: Run sends the step through the stack and the card
shows what came back, the hop picture, and a mismatch marked as one.

It starts `python -m labs.book` on a free port (and stops it), with a labs folder of its own: lab
01 as it is, and a lab made to fail (a wrong expectation on Traefik's route). It only sends
requests through published routes, so it holds on either backend. Screenshots: reports/book/
(book_browser.shoot: never blank), named live-*: the no-stack tests write each lab's own.
When one fails, a reader of the book sees something other than what `make labs` found: no actual
values after Run, a hop picture without its hops, or a failing step that looks like a passing one.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest
from book_browser import record, shoot
from book_server import serve_book

from instruments.chromium.driver import Browser
from labs.model import LABS_DIR
from proxylab.context import Context

pytestmark = pytest.mark.stack

LAB_01 = "01-behind-a-stripping-proxy"
MADE_TO_FAIL = """\
title: A step made to fail
time: 1 minute
goal: The book marks a field that is not as expected.
steps:
  - title: Through Traefik, expecting the path Traefik stripped
    request:
      url: http://127.0.0.1:9999/api/v1/app
    show: [status]
    expect:
      status: 200
      body.path: /app
    why: Wrong on purpose; uvicorn's --root-path puts /api/v1 back in front of the path.
"""
measured: dict[str, float] = {}


@pytest.fixture(scope="module")
def book(live_context: Context, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The book's base URL, served by `python -m labs.book` on a free port, on the session's backend."""
    labs = tmp_path_factory.mktemp("book-labs")
    shutil.copy(LABS_DIR / f"{LAB_01}.yaml", labs)
    (labs / "02-made-to-fail.yaml").write_text(MADE_TO_FAIL, encoding="utf-8")
    try:
        with serve_book(live_context.backend.name, labs) as served:
            measured["start_to_first_page_s"] = served.first_page_s
            yield served.url
    finally:
        record("measured", measured)


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    """The session's Chromium (tests/conftest.py), with nothing left in its off-host log."""
    browser.guard.take()
    return browser


def test_the_index_lists_the_labs_of_its_folder(book: str, chromium: Browser) -> None:
    with chromium.visit(book + "/") as visit:
        assert visit.status == 200
        assert visit.page.locator("tr.lab").count() == 2
        shoot(visit.page, "live-index", full_page=True)  # index.png: every lab
        assert chromium.guard.take() == []  # nothing asked of another host


def test_run_shows_the_actual_values_and_the_hop_picture(book: str, chromium: Browser) -> None:
    """Lab 01 step 2 through Traefik, run from the keyboard: j to step 2, r to run it."""
    with chromium.visit(f"{book}/labs/{LAB_01}") as visit:
        page = visit.page
        page.keyboard.press("j")
        assert page.locator("#step-2.focused").count() == 1
        started = time.monotonic()
        page.keyboard.press("r")
        page.wait_for_selector("#step-2 .result figure.hops svg")
        measured["run_round_trip_traefik_s"] = round(time.monotonic() - started, 3)
        rows = page.locator("#step-2 .result tr.held")
        assert rows.count() == 5  # status, root_path, path, url, x-forwarded-prefix: all as expected
        actual = page.locator("#step-2 .result").inner_text()
        assert "http://127.0.0.1:9999/api/v1/app" in actual
        assert page.locator("#step-2 .result tr.mismatch").count() == 0
        hops = page.locator("#step-2 svg.hops")
        for label in ("client", "traefik", "strips /api/v1", "GET /api/v1/app", "Host: 127.0.0.1:9999"):
            assert hops.locator("text", has_text=label).count() >= 1, label
        assert hops.locator("text.hop-request", has_text="the path in the app's scope").count() == 1
        assert hops.locator("text.header-added", has_text="x-forwarded-prefix: /api/v1").count() == 1
        assert hops.locator("text.lost-prefix").count() == 0
        assert "✓ as expected" in page.locator("#step-2 .status").inner_text()
        shoot(page, f"live-{LAB_01}", full_page=True)
        page.keyboard.press("p")  # projector mode: one step, large type
        assert page.locator("body.projector").count() == 1 and "projector=1" in page.url
        shoot(page, f"live-{LAB_01}-projector")
        assert visit.log.page_errors == [] and chromium.guard.take() == []


def test_a_step_not_as_expected_is_marked_in_red_and_in_words(book: str, chromium: Browser) -> None:
    with chromium.visit(f"{book}/labs/02-made-to-fail") as visit:
        page = visit.page
        page.click("#step-1 button.run")
        page.wait_for_selector("#step-1 .result tr.mismatch")
        mismatch = page.locator("#step-1 tr.mismatch")
        assert mismatch.count() == 1
        assert "body.path" in mismatch.inner_text() and "✗ mismatch" in mismatch.inner_text()
        assert "/api/v1/app" in mismatch.locator("td.actual").inner_text()
        colour = mismatch.locator("td.actual").evaluate("cell => getComputedStyle(cell).color")
        assert colour == "rgb(164, 14, 38)"  # --bad
        assert page.locator("#step-1 tr.held").count() == 1  # status 200 held
        assert "✗ not as expected" in page.locator("#step-1 .status").inner_text()
        shoot(page, "live-02-made-to-fail", full_page=True)
        page.click("#run-all")  # again, through Run all: the bar fills, the tally counts it as not
        page.wait_for_function("document.getElementById('progress').value === 1")
        assert page.locator("#tally").inner_text() == "0 as expected, 1 not (or not run)"
