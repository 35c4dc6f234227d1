"""The doctor on real apps from PyPI, each in a virtualenv of its own, as a user runs it.

The apps (tests/doctor/apps/) are the cases that once fooled it:
- sqladmin 0.32 mounted at /admin, no docs, no schema: called "works" behind every stripping
  proxy without --root-path while its pages named 13 assets at /admin/…, outside the prefix;
- a FastAPI app with prometheus-fastapi-instrumentator 8.1's /metrics: the plain case, a route a
  library adds, fetched like the app's own;
- datasette 0.65, an ASGI app that is not Starlette: "works" in all 16 configurations after 0
  requests, while its pages name /-/static/app.css and /_memory from the site's root;
- Gradio 6.31 mounted at /gradio: its config's "root" and its /logout leave the prefix, its
  page builds requests in the browser, and a stream of its never ends (141 s once).
Each environment is built once per machine under ~/.cache/proxylab/doctor/ (pinned in
bench/doctor_apps.py; a `lock.txt` written last marks it complete) and reused. How long a run
takes is measured by `make bench-doctor` (labs/records/doctor-real-apps.json), never asserted.
A failure here means the doctor gives a verdict these apps contradict: the report in the test's
folder says what each request got.
Ports: 9900 onwards (test_doctor_live.py uses 9700, test_doctor_faults.py 9800; a file runs on
one worker, two files may run at once).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bench import doctor_apps
from proxylab.paths import REPO


def run_doctor(name: str, out: Path) -> tuple[subprocess.CompletedProcess, dict]:
    """The doctor on app `name` as `make bench-doctor` times it (bench/doctor_apps.py), in a
    terminal 80 columns wide; its exit and output, and its JSON report."""
    process = subprocess.run(
        doctor_apps.doctor_command(name, out),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert (out / "doctor.json").is_file(), f"no report for {name}:\n{process.stdout}\n{process.stderr}"
    return process, json.loads((out / "doctor.json").read_text())


def configuration(report: dict, proxy: str, strips: bool, rooted: bool) -> dict:
    return next(
        c
        for c in report["configurations"]
        if c["proxy"] == proxy and c["strips"] == strips and bool(c["server_root_path"]) == rooted
    )


@pytest.fixture(scope="module")
def sqladmin(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    return run_doctor("sqladmin", tmp_path_factory.mktemp("doctor-sqladmin"))


@pytest.fixture(scope="module")
def instrumented(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    return run_doctor("instrumented", tmp_path_factory.mktemp("doctor-instrumented"))


@pytest.fixture(scope="module")
def datasette(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    return run_doctor("datasette", tmp_path_factory.mktemp("doctor-datasette"))


@pytest.fixture(scope="module")
def gradio(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    return run_doctor("gradio", tmp_path_factory.mktemp("doctor-gradio"))


# --- sqladmin: a mounted admin, and nothing else ----------------------------------------------


def test_a_docs_less_admin_is_not_green_where_its_pages_leave_the_prefix(sqladmin) -> None:
    """Behind a stripping proxy without --root-path, sqladmin names its stylesheets, scripts and
    links at /admin/…: the doctor must say "broken" there, and --expect must fail on it."""
    process, report = sqladmin
    assert process.returncode == 1, process.stdout[-3000:] + process.stderr[-2000:]
    assert "expected configuration `nginx strip` is broken for this app" in process.stdout
    strip = configuration(report, "nginx", True, False)
    assert strip["verdict"] == "broken" and strip["checks"]["mounts"] == "broken"
    lines = [r["reason"] for r in strip["reasons"]]
    assert any(
        "loads the stylesheet" in line and "/admin/statics/css/" in line and "outside /api/v1" in line
        for line in lines
    ), lines
    assert any("/api/v1/admin redirects to" in line and "outside /api/v1" in line for line in lines), (
        "the mount's own /admin → /admin/ redirect, through the proxy"
    )


def test_the_same_admin_works_behind_a_stripping_proxy_with_root_path(sqladmin) -> None:
    """With --root-path its URLs carry the prefix: green, from checks that fetched its pages and
    assets (the admin's list page included), not from matching 404s."""
    _, report = sqladmin
    for proxy in ("traefik", "nginx", "caddy", "haproxy"):
        rooted = configuration(report, proxy, True, True)
        assert rooted["verdict"] == "works", (proxy, rooted["reasons"])
        assert rooted["evidence"] >= 10, rooted["requests"]
        assert any(line.split()[2].endswith("/api/v1/admin/user/list") for line in rooted["requests"])
    assert [(r["proxy"], r["server_root_path"]) for r in report["recommended"]] == [
        (proxy, "/api/v1") for proxy in ("traefik", "nginx", "caddy", "haproxy")
    ]


def test_the_admin_is_opened_in_chromium_and_its_failed_requests_named(sqladmin) -> None:
    """sqladmin's /admin/ in Chromium, through each configuration where it answered: behind a
    strip without --root-path the browser asks for its stylesheets and scripts at /admin/…,
    outside the prefix; with --root-path every request answers. A failure means the mounted UI
    is no longer opened in a browser, or its failed requests no longer reach the reports."""
    process, report = sqladmin
    strip = configuration(report, "haproxy", True, False)
    pages = [p for p in strip["browser_pages"] if p["page"].endswith("/api/v1/admin/")]
    assert pages and len(pages[0]["outside"]) >= 10, strip["browser_pages"]
    assert all("/admin/statics/" in line for line in pages[0]["outside"]), pages[0]["outside"]
    for proxy in ("traefik", "nginx", "caddy", "haproxy"):
        rooted = configuration(report, proxy, True, True)
        assert [(p["failed"], p["outside"]) for p in rooted["browser_pages"]] == [([], [])], rooted[
            "browser_pages"
        ]
    assert "in Chromium, /api/v1/admin/: " in process.stdout, "the terminal names the page"


def test_versions_are_those_of_what_the_app_is_built_on(sqladmin, datasette) -> None:
    """sqladmin's app names FastAPI, Starlette and sqladmin; datasette's names neither
    FastAPI nor Starlette (it imports neither)."""
    assert {"fastapi", "starlette", "sqladmin", "uvicorn"} <= set(sqladmin[1]["versions"])
    versions = datasette[1]["versions"]
    assert versions.get("datasette") == "0.65.5" and "fastapi" not in versions and "starlette" not in versions


# --- prometheus-fastapi-instrumentator: a route a library adds ---------------------------------


def test_a_route_a_library_adds_is_fetched_through_each_proxy(instrumented) -> None:
    """The instrumentator's GET /metrics is in the schema like the app's own routes: the doctor
    fetches it through every configuration, and behind a strip without --root-path names what
    "Try it out" would send (/metrics, outside the prefix) beside the docs' schema URL. The advice
    is --root-path for every stripping proxy, as for any FastAPI app. A failure means a library's
    route is no longer part of the evidence, or the plain FastAPI advice changed."""
    process, report = instrumented
    assert process.returncode == 0, process.stderr[-2000:]
    assert report["versions"].get("prometheus-fastapi-instrumentator") == "8.1.0"
    assert [(r["proxy"], r["server_root_path"]) for r in report["recommended"]] == [
        (proxy, "/api/v1") for proxy in ("traefik", "nginx", "caddy", "haproxy")
    ]
    for proxy in ("traefik", "nginx", "caddy", "haproxy"):
        rooted = configuration(report, proxy, True, True)
        assert rooted["verdict"] == "works" and rooted["checks"]["operations"] == "ok", rooted["reasons"]
        assert any(line.endswith("/api/v1/metrics  → 200") for line in rooted["requests"]), rooted["requests"]
        lines = [r["reason"] for r in configuration(report, proxy, True, False)["reasons"]]
        assert any(line.startswith('GET /metrics as "Try it out" sends it') for line in lines), lines


# --- datasette: an ASGI app that is not Starlette ---------------------------------------------


def test_an_app_that_is_not_starlette_is_probed_from_its_pages(datasette) -> None:
    """No routes to read, so the crawl from / is the evidence: every configuration ran checks,
    and its pages' root-relative URLs break it behind a stripping proxy."""
    process, report = datasette
    assert process.returncode == 0, process.stderr[-2000:]
    assert any("is not a Starlette or FastAPI app" in fact for fact in report["facts"])
    assert all(c["checks_run"] > 0 for c in report["configurations"]), "no configuration went unprobed"
    assert report["recommended"] == [], "datasette takes its prefix from base_url, not root_path"
    lines = [r["reason"] for r in configuration(report, "caddy", True, False)["reasons"]]
    assert any("/-/static/app.css" in line and "outside /api/v1" in line for line in lines), lines
    keep = configuration(report, "traefik", False, False)
    assert keep["verdict"] == "broken" and keep["checks"]["pages"] == "broken"


def test_the_terminal_table_fits_a_ci_log(datasette) -> None:
    """Piped, the terminal is 80 columns: no table row is cut, each configuration on one line."""
    process, _ = datasette
    rows = [
        line
        for line in process.stdout.splitlines()
        if line.startswith((" traefik", " nginx", " caddy", " haproxy"))
    ]
    assert len(rows) == 16, process.stdout
    assert all(len(line) <= 80 for line in process.stdout.splitlines())


def test_a_redirect_the_app_makes_itself_under_its_root_path_is_not_blamed_on_the_proxy(datasette) -> None:
    """Behind a strip with --root-path, datasette answers / with a 302 to /api/v1: uvicorn puts
    the root path in front of the path and datasette routes the whole of it. The app gives the
    same 302 directly, under the same --root-path: the cause named must be the app's, not the
    proxy's stripping (lab 13 once). A failure means the lesson points at the wrong culprit."""
    _, report = datasette
    for proxy in ("traefik", "nginx", "caddy", "haproxy"):
        reasons = configuration(report, proxy, True, True)["reasons"]
        assert reasons, proxy
        for reason in reasons:
            assert (reason["lab"], reason["step"]) == ("02", "--root-path behind a proxy that keeps /api/v1")
            assert (
                "the app under uvicorn --root-path /api/v1 answers the request the proxy sends"
                in (reason["reason"])
            )
            assert reason["why"].startswith("not the proxy") and "base_url" in reason["why"]


# --- Gradio: a UI mounted into FastAPI ---------------------------------------------------------


def test_gradio_config_root_outside_the_prefix_is_found(gradio) -> None:
    """Behind a strip without --root-path, /gradio/config's "root" is http://HOST/gradio: an
    absolute URL in JSON that the page's script then uses, outside the prefix."""
    _, report = gradio
    for proxy in ("traefik", "nginx", "caddy", "haproxy"):
        lines = [r["reason"] for r in configuration(report, proxy, True, False)["reasons"]]
        assert any(
            "/api/v1/gradio/config (at root) names http://127.0.0.1:" in line and "outside /api/v1" in line
            for line in lines
        ), (proxy, lines)


def test_gradio_logout_redirect_to_the_site_root_is_found(gradio) -> None:
    """/gradio/logout answers 302 to the app's root URL, which Gradio builds from X-Forwarded-Host
    without the prefix: broken even with --root-path behind Traefik, Nginx and Caddy, which send
    that header, and not behind HAProxy, which does not (it then builds from the request URL)."""
    _, report = gradio
    for proxy in ("traefik", "nginx", "caddy"):
        rooted = configuration(report, proxy, True, True)
        assert any(
            "/api/v1/gradio/logout redirects to http://127.0.0.1:" in r["reason"]
            and "outside /api/v1" in r["reason"]
            for r in rooted["reasons"]
        ), (proxy, rooted["reasons"])
    haproxy = configuration(report, "haproxy", True, True)
    assert haproxy["verdict"] == "works", haproxy["reasons"]


def test_gradio_stream_is_not_waited_out_and_its_page_is_opened_in_chromium(gradio) -> None:
    """The dev/reload event stream is judged on its head; the page at /gradio/ is loaded in
    Chromium, whose requests (built by Gradio's script) all answer with --root-path. The run
    stays bounded: a stream waited out costs the read timeout per configuration."""
    process, report = gradio
    rooted = configuration(report, "haproxy", True, True)
    assert any(
        line.endswith("/gradio/gradio_api/dev/reload  → 200 (text/event-stream, streamed)")
        for line in rooted["requests"]
    ), rooted["requests"]
    assert [(p["failed"], p["outside"]) for p in rooted["browser_pages"]] == [([], [])], rooted[
        "browser_pages"
    ]
    assert rooted["browser_pages"][0]["requests"] >= 10, "the page's own script made its requests"
    assert report["versions"].get("gradio") == "6.31.0"
