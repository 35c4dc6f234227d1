"""reports/junit.xml and reports/labs.json from a fake run, and the plain expected-vs-actual text.

When these fail, CI would show a lab mismatch without saying which step, which field or what
the live value was, or a tool reading labs.json would miss the versions that produced it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from lab_fakes import fake_lab, fake_step

from labs.reports import explain, junit_tree, write_reports
from labs.runner import VerifyRun, run_step

VERSIONS = {
    "fastapi": "0.165.0",
    "starlette": "1.10.0",
    "uvicorn": "0.54.0",
    "traefik": "v3.6.12",
    "nginx": "1.30.0",
}


@pytest.fixture
def run(success, mismatch) -> VerifyRun:
    return VerifyRun("native", VERSIONS, "2026-01-01T00:00:00+00:00", [success, mismatch])


def test_explain_puts_expected_beside_actual_with_command_and_raw_response(mismatch):
    """A failing step's message would not say what was expected, what came back, or how to repeat it."""
    text = explain(mismatch)
    assert "lab 01-fake-lab, step 2: Through Traefik" in text
    assert "$ curl -s -i http://127.0.0.1:8000/app" in text
    row = next(line for line in text.splitlines() if "body.path" in line)
    assert row.split() == ["✗", "body.path", "/api/v1/app", "/app"]
    assert "the raw response:" in text and "| HTTP/1.1 200 OK" in text


def test_junit_has_one_testcase_per_step_named_by_lab_and_step(run):
    """CI would list lab steps under wrong names, or count a mismatch as a pass."""
    suites = junit_tree(run)
    assert (suites.get("tests"), suites.get("failures")) == ("2", "1")
    cases = suites.findall("testsuite/testcase")
    assert [(case.get("classname"), case.get("name")) for case in cases] == [
        ("labs.01-fake-lab", "1 The app, directly"),
        ("labs.01-fake-lab", "2 Through Traefik"),
    ]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure.get("message") == "body.path: expected /api/v1/app, got /app"
    assert failure.text == explain(run.results[1])


def test_reports_are_written_and_readable(run, tmp_path):
    """`make labs` would leave no report for CI to upload, or one that does not parse."""
    junit, report = write_reports(run, tmp_path / "reports")
    assert ET.parse(junit).getroot().tag == "testsuites"
    data = json.loads(report.read_text())
    assert (data["backend"], data["versions"], data["ok"]) == ("native", VERSIONS, False)
    step = data["labs"][0]["steps"][1]
    assert step["curl"] == "curl -s -i http://127.0.0.1:8000/app"
    assert step["fields"] == {"status": 200, "body.path": "/app"}
    assert step["expected"] == {"status": 200, "body.path": "/api/v1/app"}
    assert (step["mismatches"], step["ok"]) == (["body.path"], False)


def test_an_absent_field_is_listed_as_absent_in_labs_json(native_context, tmp_path):
    """labs.json would record an absent header as null, the same as a JSON null in the body."""
    step = fake_step(
        show=("headers.location",), fields={"headers": {}}, expect={"headers.location": {"absent": True}}
    )
    result = run_step(fake_lab(step), step, native_context)
    _, report = write_reports(VerifyRun("native", VERSIONS, "t", [result]), tmp_path)
    saved = json.loads(report.read_text())["labs"][0]["steps"][0]
    assert (saved["fields"], saved["absent"], saved["expected"]) == (
        {"headers.location": None},
        ["headers.location"],
        {"headers.location": {"absent": True}},
    )
