"""The doctor on the example apps it ships: real uvicorn, Traefik, Nginx, Caddy, HAProxy, Chromium.

Each example runs once (`python -m doctor`, as a user runs it) and every test reads its
reports. The grids below are facts of the pinned versions, seen on live traffic:
- an app that builds no URL by hand works behind every proxy that strips the prefix, once uvicorn
  has --root-path (and nowhere else);
- without --root-path, behind a strip, its docs page, "Try it out" and redirects leave the prefix;
- behind a proxy that keeps the prefix, nothing of it answers (its routes are not under /api/v1);
- the app with hand-built URLs has no working configuration at all.
A failing grid means a proxy config, the doctor's probes or a pinned version changed behaviour:
the report (reports/doctor.md in the test's folder) says what each request got.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from doctor.checks import CHECKS
from doctor.layout import PROXIES
from instruments.chromium.driver import chromium_missing
from proxylab.paths import REPO

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))

EXAMPLES = {
    # example: (MODULE:ATTR, --expect, the exit status that expectation gives)
    "strip_ready": ("doctor.examples.strip_ready:app", "caddy keep", 1),
    "usual_mistakes": ("doctor.examples.usual_mistakes:app", "traefik strip --root-path", 1),
    "realworld": ("doctor.examples.realworld.main:app", "nginx strip --root-path", 0),
}
B, K, N = "broken", "ok", "n/a"


def grid(strip: tuple, strip_rooted: tuple, keep: tuple, keep_rooted: tuple) -> dict[str, tuple]:
    """The same four rows for every proxy: for these apps the four proxies agree."""
    rows = {}
    for proxy in PROXIES:
        rows |= {
            f"{proxy} strip": strip,
            f"{proxy} strip --root-path": strip_rooted,
            f"{proxy} keep": keep,
            f"{proxy} keep --root-path": keep_rooted,
        }
    return rows


#                docs_ui schema operations redirects static mounts pages websocket
EXPECTED = {
    "strip_ready": grid(
        (B, K, B, B, K, N, N, N),
        (K, K, K, K, K, N, N, N),
        (B, B, B, B, B, N, N, N),
        (B, B, B, B, B, N, N, N),
    ),
    "usual_mistakes": grid(
        (B, K, B, B, K, N, N, N),
        (B, K, K, B, K, N, N, N),
        (B, B, B, B, B, N, N, N),
        (B, B, B, B, B, N, N, N),
    ),
    "realworld": grid(
        (B, K, B, B, K, B, N, K),
        (K, K, K, K, K, K, N, K),
        (B, B, B, B, B, B, N, B),
        (B, B, B, B, B, B, N, B),
    ),
}


@pytest.fixture(scope="module")
def doctored(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[subprocess.CompletedProcess, dict, str]]:
    """Each example through the doctor once: its exit, its JSON and its Markdown."""
    done = {}
    for name, (spec, expect, _) in EXAMPLES.items():
        out = tmp_path_factory.mktemp(f"doctor-{name}")
        command = [
            sys.executable,
            "-m",
            "doctor",
            spec,
            "--app-dir",
            str(REPO),
            "--expect",
            expect,
            "--json",
            str(out / "doctor.json"),
            "--markdown",
            str(out / "doctor.md"),
        ]
        process = subprocess.run(
            command,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "COLUMNS": "160"},
        )
        assert (out / "doctor.json").is_file(), (
            f"the doctor wrote no report for {spec}:\n{process.stdout}\n{process.stderr}"
        )
        done[name] = (process, json.loads((out / "doctor.json").read_text()), (out / "doctor.md").read_text())
    return done


@pytest.mark.parametrize("example", EXPECTED)
def test_each_configuration_gets_the_verdict_the_pinned_versions_give(doctored, example: str) -> None:
    _, report, _ = doctored[example]
    got = {_label(c): tuple(c["checks"][check] for check in CHECKS) for c in report["configurations"]}
    wrong = {
        label: (EXPECTED[example][label], got.get(label))
        for label in EXPECTED[example]
        if got.get(label) != EXPECTED[example][label]
    }
    assert not wrong, (
        "expected vs got, "
        + " / ".join(CHECKS)
        + ":\n"
        + "\n".join(
            f"  {label}: {want} vs {have}\n    " + "\n    ".join(_reasons(report, label))
            for label, (want, have) in wrong.items()
        )
    )


@pytest.mark.parametrize("example", EXAMPLES)
def test_expect_exits_non_zero_exactly_when_that_configuration_is_broken(doctored, example: str) -> None:
    process, _, _ = doctored[example]
    _, expect, status = EXAMPLES[example]
    assert process.returncode == status, (
        f"--expect {expect!r}: exit {process.returncode}, wanted {status}\n"
        f"{process.stdout[-3000:]}\n{process.stderr[-2000:]}"
    )
    if status:
        assert f"expected configuration `{expect}` is broken for this app" in process.stdout


def test_the_json_has_the_documented_shape(doctored) -> None:
    _, report, _ = doctored["realworld"]
    assert {"app", "prefix", "configurations", "recommended"} <= set(report)
    assert (report["app"], report["prefix"]) == ("doctor.examples.realworld.main:app", "/api/v1")
    assert len(report["configurations"]) == 16
    for configuration in report["configurations"]:
        assert {"proxy", "strips", "server_root_path", "checks", "reasons"} <= set(configuration)
        assert configuration["server_root_path"] in (None, "/api/v1")
        assert set(configuration["checks"]) == set(CHECKS)
        assert set(configuration["checks"].values()) <= {"ok", "broken", "n/a"}
        broken = {check for check, status in configuration["checks"].items() if status == "broken"}
        assert broken == {r["check"] for r in configuration["reasons"]}, (
            "every broken check has a reason, and only those"
        )


def test_the_recommendation_is_every_working_configuration_with_what_to_copy(doctored) -> None:
    _, report, markdown = doctored["realworld"]
    chosen = [(r["proxy"], r["strips"], r["server_root_path"]) for r in report["recommended"]]
    assert chosen == [(proxy, True, "/api/v1") for proxy in PROXIES]
    for item in report["recommended"]:
        assert "--root-path /api/v1" in item["server_command"] and item["server_command"].startswith(
            "uvicorn doctor.examples.realworld.main:app"
        )
        assert item["fastapi_run"].startswith("fastapi run --entrypoint doctor.examples.realworld.main:app")
        assert "app:8000" in item["proxy_config"] and "/api/v1" in item["proxy_config"]
        assert item["proxy_config"].strip() in markdown
    assert doctored["usual_mistakes"][1]["recommended"] == [], (
        "an app with hand-built URLs has no configuration that fixes it"
    )


def test_each_reason_names_the_lab_step_that_shows_it(doctored) -> None:
    _, report, _ = doctored["usual_mistakes"]
    reasons = {
        (r["check"], r["lab"], r["step"])
        for r in _configuration(report, "traefik strip --root-path")["reasons"]
    }
    assert ("docs_ui", "01", "What the docs page on the app directly asks the browser for") in reasons, (
        "the hand-built schema URL"
    )
    assert ("redirects", "02", "The same redirect with --root-path keeps the prefix") in reasons, (
        "the hand-built Location"
    )
    _, report, _ = doctored["strip_ready"]
    reasons = {(r["check"], r["lab"]) for r in _configuration(report, "nginx strip")["reasons"]}
    assert reasons == {("docs_ui", "01"), ("operations", "03"), ("redirects", "02")}


def test_the_docs_ui_verdict_comes_from_chromium_too(doctored) -> None:
    _, report, _ = doctored["strip_ready"]
    assert report["browser"].startswith("Chromium ")
    lines = [
        r["reason"] for r in _configuration(report, "haproxy strip")["reasons"] if r["check"] == "docs_ui"
    ]
    assert any(line.startswith("Chromium, ") and "Swagger UI shows" in line for line in lines), lines


def _label(configuration: dict) -> str:
    return " ".join(
        [
            configuration["proxy"],
            "strip" if configuration["strips"] else "keep",
            *(["--root-path"] if configuration["server_root_path"] else []),
        ]
    )


def _configuration(report: dict, label: str) -> dict:
    return next(c for c in report["configurations"] if _label(c) == label)


def _reasons(report: dict, label: str) -> list[str]:
    return [f"{r['check']}: {r['reason']}" for r in _configuration(report, label)["reasons"]] or [
        "(no reasons)"
    ]


def test_the_mounted_console_ui_is_crawled_from_its_root(doctored) -> None:
    """The admin-style UI at /console names its stylesheet and navigation with url_for: behind a
    strip without --root-path they leave the prefix (broken), with it they are fetched and answer.
    A failure means a mounted UI is judged by its status code alone again."""
    _, report, _ = doctored["realworld"]
    lines = [r["reason"] for r in _configuration(report, "nginx strip")["reasons"] if r["check"] == "mounts"]
    assert any(
        "/api/v1/console/ loads the stylesheet" in line and "outside /api/v1" in line for line in lines
    ), lines
    rooted = _configuration(report, "nginx strip --root-path")
    fetched = [line.split()[2] for line in rooted["requests"]]
    assert any(url.endswith("/api/v1/console/users") for url in fetched), fetched
    assert any(url.endswith("/api/v1/console/assets/style.css") for url in fetched), fetched


def test_the_mounted_console_ui_is_opened_in_chromium(doctored) -> None:
    """The console's root page in Chromium, through each configuration where it answered: behind
    a strip without --root-path the browser's stylesheet request and the WebSocket its script
    opens leave the prefix; with it, every request the page makes answers and the socket opens
    (101) through each proxy. A failure means the browser's own request log no longer
    reaches the verdict (a UI is judged by what its HTML names only)."""
    _, report, markdown = doctored["realworld"]
    strip = _configuration(report, "nginx strip")
    pages = {p["page"].rsplit("/api/v1", 1)[1]: p for p in strip["browser_pages"]}
    assert "/console/" in pages, strip["browser_pages"]
    assert any("/console/assets/style.css" in line for line in pages["/console/"]["outside"]), pages
    # The page's WebSocket is judged like a request: ws://127.0.0.1:PORT/live/notifications leaves /api/v1.
    assert any(
        line.startswith("websocket ws://") and "/live/notifications →" in line and "/api/v1/live" not in line
        for line in pages["/console/"]["outside"]
    ), pages
    assert any(
        r["reason"].startswith("Chromium, ") and "outside /api/v1" in r["reason"]
        for r in strip["reasons"]
        if r["check"] == "mounts"
    ), strip["reasons"]
    for proxy in PROXIES:
        rooted = _configuration(report, f"{proxy} strip --root-path")
        assert rooted["browser_pages"], f"{proxy}: the console was not opened in Chromium"
        for page in rooted["browser_pages"]:
            assert page["requests"] >= 3 and page["failed"] == page["outside"] == [], page
            assert [line.split("/api/v1", 1)[1] for line in page["sockets"]] == [
                "/live/notifications → 101"
            ], page
    assert "## Mounted UIs in Chromium" in markdown


def test_a_websocket_is_upgraded_through_each_configuration_and_compared(doctored) -> None:
    """/live/notifications is a WebSocket route: a stripping proxy passes the upgrade (101, as
    directly); a proxy that keeps the prefix reaches the app at /api/v1/live/notifications, where
    it has no WebSocket route, and the app refuses it with 403. A failure means the doctor no
    longer tries the upgrade, or tells a wrong path from a proxy that drops Upgrade."""
    _, report, _ = doctored["realworld"]
    for proxy in PROXIES:
        strip = _configuration(report, f"{proxy} strip")
        assert any(
            line.startswith("python -m websockets ws://") and "/api/v1/live/notifications  → 101" in line
            for line in strip["requests"]
        ), strip["requests"]
        keep = _configuration(report, f"{proxy} keep")
        reasons = [(r["lab"], r["step"]) for r in keep["reasons"] if r["check"] == "websocket"]
        assert reasons == [("12", "A WebSocket the app has no route for is refused with 403, not 404")], (
            reasons
        )
