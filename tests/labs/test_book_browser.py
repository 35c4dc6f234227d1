"""The lab book's pages in Chromium with no stack: each rendered, checked for accessibility by
axe-core and screenshotted into reports/book/ (none blank), and a lab page's weight.

A book served by `python -m labs.book --presenter` on a free port (tests/labs/book_server.py),
all of labs/; a step run here meets the session stack if one runs, or none (connection refused,
a mismatch): either way the markup a Run adds is checked too. The keys and the room:
test_book_room_browser.py.
When one fails, a room gets a blank or broken page, a page that asks another host for something,
or one a screen reader cannot walk (axe-core's findings are quoted: rule, impact, the elements).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from book_browser import AXE, axe_findings, record, shoot
from book_server import Book, blank, serve_book
from PIL import Image

from instruments.chromium.driver import Browser
from labs.model import Lab, find_labs, load_lab

LABS = [load_lab(path) for path in find_labs()]
LAB_01 = LABS[0].name
REPORT_PAGES = ["", "matrix", "gallery", "drift", "bench", "doctor"]


@pytest.fixture(scope="module")
def book() -> Iterator[Book]:
    with serve_book("native", presenter=True) as served:
        record("measured.browser", {"start_to_first_page_s": served.first_page_s})
        yield served


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    browser.guard.take()
    return browser


def test_axe_core_is_installed() -> None:
    """Without it the pages below are rendered and screenshotted, but not checked for accessibility."""
    if AXE.is_file():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{AXE} is missing: .ci/run runs `make axe` before `make test`", pytrace=False)
    pytest.skip(f"axe-core is not installed ({AXE}); run `make axe`")


def test_a_blank_screenshot_is_told_from_a_drawn_one(tmp_path: Path) -> None:
    """The check every screenshot here passes (book_browser.shoot) would pass a page that drew nothing."""
    Image.new("RGB", (800, 600), "white").save(tmp_path / "blank.png")
    assert blank(tmp_path / "blank.png") == "blank.png: 1 colours, 0.0% of the pixels off the background"


@pytest.mark.parametrize("lab", [None, *LABS], ids=lambda lab: lab.name if lab else "index")
def test_a_page_renders_is_screenshotted_and_passes_the_accessibility_check(
    book: Book, chromium: Browser, lab: Lab | None
) -> None:
    """The index, then each lab: its heading, a card per step, no script error, nothing asked of
    another host, and no finding of axe-core's (WCAG 2.1 A and AA, best practices)."""
    with chromium.visit(book.url + (f"/labs/{lab.name}" if lab else "/")) as visit:
        page = visit.page
        assert visit.status == 200
        if lab is None:
            assert page.locator("h1").inner_text() == "The lab book"
            assert page.locator("tr.lab").count() == len(LABS)
        else:
            assert page.locator("h1").inner_text() == f"Lab {lab.number}: {lab.title}"
            assert page.locator("section.step").count() == len(lab.steps)
        assert visit.log.page_errors == [] and chromium.guard.take() == []
        shoot(page, lab.name if lab else "index", full_page=True)
        assert axe_findings(page) == []


@pytest.mark.parametrize("report", REPORT_PAGES, ids=lambda report: report or "reports")
def test_a_report_page_is_screenshotted_and_passes_the_accessibility_check(
    book: Book, chromium: Browser, report: str
) -> None:
    """The pages under /reports (labs/book/reports.py), with whatever records reports/ holds now:
    a missing record is a page too, one that names the command that writes it."""
    with chromium.visit(f"{book.url}/reports/{report}") as visit:
        assert visit.status == 200 and visit.page.locator("h1").count() == 1
        assert visit.log.page_errors == [] and chromium.guard.take() == []
        shoot(visit.page, f"reports-{report or 'index'}")
        assert axe_findings(visit.page) == []


def test_a_run_step_and_the_projector_pass_the_accessibility_check(book: Book, chromium: Browser) -> None:
    """The result table, the hop picture (and the raw answer of a mismatch) a Run adds, then the
    projector. Whether a stack answers or not (make test runs this beside the session stack)."""
    with chromium.visit(f"{book.url}/labs/{LAB_01}") as visit:
        visit.page.click("#step-2 button.run")
        visit.page.wait_for_selector("#step-2 .result figure.hops svg")
        assert axe_findings(visit.page) == []
        visit.page.keyboard.press("p")
        assert axe_findings(visit.page) == []


def test_a_lab_page_weighs_what_it_loads(book: Book, chromium: Browser) -> None:
    """The bytes a lab page costs a laptop in the room: the document, its stylesheet and scripts."""
    with chromium.visit(f"{book.url}/labs/{LAB_01}") as visit:
        sizes = visit.page.evaluate(
            "() => ['navigation', 'resource'].flatMap(type => performance.getEntriesByType(type))"
            ".map(entry => [entry.name, entry.encodedBodySize])"
        )
    loaded = {Path(url).name or "/": size for url, size in sizes if "/api/follow" not in url}
    assert set(loaded) == {LAB_01, "book.css", "book.js", "room.js"}, loaded
    record(
        "measured.browser",
        {"lab_01_page_bytes": sum(loaded.values()), "lab_01_document_bytes": loaded[LAB_01]},
    )
