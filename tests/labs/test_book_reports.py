"""The book's report pages (/reports) on small committed records, without a stack or a browser.

When one fails, a page shows the records otherwise than they are: a placeholder where the value
it stood for belongs, a cell that differs from the expectation or between backends looking like
any other, a cell whose request and echo cannot be found, a broken docs page filed among the
working ones, a missing record as a crash instead of the command that makes it, or a page that
loads something from another host.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from report_records import write_records
from starlette.testclient import TestClient

from labs.book.app import create_app
from proxylab.context import Context

PAGES = (
    "/reports/",
    "/reports/matrix",
    "/reports/gallery",
    "/reports/drift",
    "/reports/bench",
    "/reports/doctor",
)
COMMANDS = {
    "/reports/matrix": "make matrix",
    "/reports/gallery": "make screenshots",
    "/reports/drift": "make drift",
    "/reports/bench": "make bench",
    "/reports/doctor": "make doctor APP=MODULE:ATTR",
}


@pytest.fixture
def book(native_context: Context, tmp_path: Path) -> TestClient:
    return TestClient(create_app(native_context, reports_dir=write_records(tmp_path / "reports")))


@pytest.fixture
def empty_book(native_context: Context, tmp_path: Path) -> TestClient:
    return TestClient(create_app(native_context, reports_dir=tmp_path / "no-reports"))


def _cells(page: str) -> dict[str, str]:
    """port/field → the whole <td> of each matrix cell, found by the link it carries."""
    found = re.findall(r'(<td class="c[^"]*"><a href="/reports/matrix/(\d+/[\w.]+)">.*?</td>)', page, re.S)
    return {where: td for td, where in found}


# --- the matrix --------------------------------------------------------------------------------


def test_the_book_links_its_reports(book: TestClient) -> None:
    """A room would not find the report pages from the book's first page."""
    index = book.get("/").text
    for page in PAGES[1:]:
        assert f'href="{page}"' in index


def test_placeholders_show_the_values_they_stood_for(book: TestClient) -> None:
    """The matrix would show {client} where the run saw 127.0.0.77."""
    cells = _cells(book.get("/reports/matrix").text)
    assert ">127.0.0.77</a>" in cells["9002/app.client"]
    assert not any("{client}" in td for td in cells.values())


def test_a_cell_that_differs_from_the_expectation_is_marked(book: TestClient) -> None:
    """A changed cell would look like any other: the reader would have to diff by eye."""
    page = book.get("/reports/matrix").text
    cells = _cells(page)
    assert 'class="c s mismatch"' in cells["9002/app.path"]
    assert "✗ expected /api/v1/app" in cells["9002/app.path"]
    assert [where for where, td in cells.items() if "mismatch" in td] == ["9002/app.path"]
    assert "1 cell differs from the expectation" in page


def test_a_cell_that_differs_between_backends_is_marked(book: TestClient) -> None:
    """Native and Compose would disagree on a cell and the page would not say so."""
    cells = _cells(book.get("/reports/matrix").text)
    assert "backends" in cells["9102/sse.delivery"] and "≠ compose: held back" in cells["9102/sse.delivery"]
    # {client} stood for another address on each backend: the same cell, no difference
    assert "≠" not in cells["9102/app.client"]
    assert [where for where, td in cells.items() if "≠" in td] == ["9102/sse.delivery"]


def test_rows_are_grouped_by_proxy_then_app_configuration(book: TestClient) -> None:
    """Routes of one proxy and one app configuration would be scattered across the table."""
    page = book.get("/reports/matrix").text
    proxies = re.findall(r'<section class="proxy" id="proxy-([\w-]+)">', page)
    assert proxies == ["direct", "traefik", "nginx"]
    nginx = page[page.index('id="proxy-nginx"') :]
    configurations = re.findall(r'scope="rowgroup">([^<]+)</th>', nginx)
    assert configurations == ["app-plain: no root_path", "app-server-root-path: uvicorn --root-path /api/v1"]


def test_a_cell_shows_its_request_and_the_echo(book: TestClient) -> None:
    """Clicking a cell would not show what was sent and what the app said it received."""
    page = book.get("/reports/matrix/9002/app.path").text
    assert "curl -s -i --interface 127.0.0.77 http://127.0.0.1:9002/api/v1/app" in page
    assert "The echo: what the app received and built" in page
    assert "&#34;root_path&#34;: &#34;&#34;" in page or '"root_path": ""' in page
    assert "✗ expected <code>/api/v1/app</code>" in page
    assert book.get("/reports/matrix/9999/app.path").status_code == 404


# --- the gallery --------------------------------------------------------------------------------


def test_broken_docs_pages_come_first_with_what_failed(book: TestClient) -> None:
    """A broken Swagger UI or ReDoc would be filed among the working ones, or not say why."""
    page = book.get("/reports/gallery").text
    assert re.findall(r'id="docs-(\d+)"', page) == ["9001", "9004", "9002"]
    assert "✗ renders, but Try it out on GET /app fetched /app and got 404" in page
    assert "no screenshot: Chromium took none" in page  # 9001's ReDoc
    assert '<img src="/reports/screenshots/9002-docs.png"' in page


@pytest.mark.parametrize(
    ("name", "status"),
    [("9002-docs.png", 200), ("9001-redoc.png", 404), ("..%2Fmatrix.json", 404), ("matrix.json", 404)],
)
def test_only_screenshots_are_served(book: TestClient, name: str, status: int) -> None:
    """The screenshot route would read files it was not meant to, or miss a real screenshot."""
    answer = book.get(f"/reports/screenshots/{name}")
    assert answer.status_code == status
    if status == 200:
        assert answer.headers["content-type"] == "image/png"


# --- drift, bench, doctor ---------------------------------------------------------------------------


def test_drift_bench_and_doctor_show_their_records(book: TestClient) -> None:
    """A report page would be empty, or show another record's figures."""
    assert "encode/uvicorn#2213" in book.get("/reports/drift").text
    bench = book.get("/reports/bench").text
    assert "4321" in bench and "0.49" in bench and '<img src="/reports/bench.png"' in bench
    assert book.get("/reports/bench.png").headers["content-type"] == "image/png"
    doctor = book.get("/reports/doctor").text
    assert "openapi.json 404 through the proxy" in doctor and "uvicorn main:app --root-path /api/v1" in doctor


# --- no record, and nothing from elsewhere ------------------------------------------------------------


@pytest.mark.parametrize("path", COMMANDS)
def test_a_missing_record_names_the_command_that_makes_it(empty_book: TestClient, path: str) -> None:
    """A fresh checkout has no reports: the page would crash or leave the reader guessing."""
    answer = empty_book.get(path)
    assert answer.status_code == 200
    assert f"not recorded yet: run <code>{COMMANDS[path]}</code>" in answer.text


def test_a_record_from_an_older_run_asks_for_a_new_one(book: TestClient, tmp_path: Path) -> None:
    """A reports/matrix.json written before the book read it (no columns in it) would be a 500."""
    (tmp_path / "reports" / "matrix.json").write_text('{"backend": "native", "routes": {}}')
    page = book.get("/reports/matrix")
    assert page.status_code == 200 and "run <code>make matrix</code> again" in page.text


@pytest.mark.parametrize("path", PAGES)
def test_every_report_page_loads_only_from_the_book(book: TestClient, path: str) -> None:
    """A page would fetch a script, style, font or image from another host (a CDN): it breaks offline."""
    page = book.get(path).text
    loaded = re.findall(r'<(?:script|img|link)[^>]*(?:src|href)="([^"]+)"', page)
    local = [url for url in loaded if url.startswith("data:") or (url[:1] == "/" and url[:2] != "//")]
    assert loaded and local == loaded, loaded


def test_the_report_pages_files_are_not_git_ignored() -> None:
    """A template folder named like reports/ (which .gitignore drops) passes here and is missing
    from every checkout: the pages would 500 everywhere but on the machine that wrote them."""
    book = Path(__file__).resolve().parents[2] / "labs" / "book"
    files = [*book.glob("templates/report_pages/*.html"), book / "static" / "reports.css"]
    assert len(files) >= 9
    ignored = subprocess.run(["git", "check-ignore", *map(str, files)], capture_output=True, text=True)
    assert ignored.stdout == "", f"git ignores: {ignored.stdout}"
