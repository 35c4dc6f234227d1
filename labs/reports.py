"""The `verify` run written down: reports/junit.xml for CI, reports/labs.json for people and tools.

junit.xml has one <testcase> per step (classname `labs.<NN-slug>`, name `<number> <title>`), and a
mismatch's <failure> carries the same expected-vs-actual text that `explain` gives a pytest
assertion. labs.json keeps, for every step, the curl command, each shown field's actual value,
what was expected and whether it held, under the versions and backend that produced them, and
the target they ran against when PROXYLAB_TARGET named one (`target`: its file and routes).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from labs.fields import MISSING, text
from labs.runner import StepResult, VerifyRun

VALUE_WIDTH = 60  # characters of one value in the plain-text table


def explain(result: StepResult) -> str:
    """A step's outcome as plain text: where, the command, expected vs actual, the raw answer."""
    lines = [
        f"lab {result.lab.name}, step {result.step.number}: {result.step.title}",
        f"  $ {result.command}",
    ]
    rows = [("", "field", "expected", "actual")]
    for verdict in result.verdicts:
        mark = "" if verdict.expected is None else ("✓" if verdict.ok else "✗")
        rows.append((mark, verdict.field, _cut(verdict.expected or "-"), _cut(text(verdict.actual))))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines += [
        "  " + "  ".join(value.ljust(widths[i]) if i < 3 else value for i, value in enumerate(row)).rstrip()
        for row in rows
    ]
    if not result.ok:
        lines += ["  the raw response:", *("  | " + line for line in result.raw.splitlines())]
    return "\n".join(lines)


def named_versions(versions: dict[str, str]) -> dict[str, str]:
    """a backend's versions() keys as people write the names: fastapi → FastAPI."""
    names = {
        "fastapi": "FastAPI",
        "starlette": "Starlette",
        "traefik": "Traefik",
        "nginx": "Nginx",
        "caddy": "Caddy",
        "haproxy": "HAProxy",
    }
    return {names.get(key, key): value for key, value in versions.items()}


def write_reports(run: VerifyRun, directory: Path) -> list[Path]:
    """junit.xml and labs.json in `directory` (created if needed); returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    junit, report = directory / "junit.xml", directory / "labs.json"
    ET.ElementTree(junit_tree(run)).write(junit, encoding="utf-8", xml_declaration=True)
    report.write_text(json.dumps(labs_json(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [junit, report]


def junit_tree(run: VerifyRun) -> ET.Element:
    failures = sum(not result.ok for result in run.results)
    suites = ET.Element("testsuites", name="labs", tests=str(len(run.results)), failures=str(failures))
    for name in dict.fromkeys(result.lab.name for result in run.results):
        results = [result for result in run.results if result.lab.name == name]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"labs.{name}",
            tests=str(len(results)),
            failures=str(sum(not r.ok for r in results)),
            errors="0",
            skipped="0",
            timestamp=run.timestamp,
        )
        properties = ET.SubElement(suite, "properties")
        target = {"target": run.target["file"]} if run.target is not None else {}
        for key, value in {"backend": run.backend, **target, **run.versions}.items():
            ET.SubElement(properties, "property", name=key, value=value)
        for result in results:
            case = ET.SubElement(
                suite, "testcase", classname=f"labs.{name}", name=f"{result.step.number} {result.step.title}"
            )
            if not result.ok:
                message = "; ".join(
                    f"{c.field}: expected {c.expected}, got {text(c.actual)}" for c in result.mismatches
                )
                ET.SubElement(case, "failure", message=message).text = explain(result)
    ET.indent(suites)
    return suites


def labs_json(run: VerifyRun) -> dict[str, Any]:
    labs: dict[str, dict[str, Any]] = {}
    for result in run.results:
        lab = labs.setdefault(
            result.lab.name, {"lab": result.lab.name, "title": result.lab.title, "ok": True, "steps": []}
        )
        lab["ok"] = lab["ok"] and result.ok
        lab["steps"].append(step_json(result))
    return {
        "backend": run.backend,
        # None: the published addresses of this machine; else the file and each route's origin there.
        "target": run.target,
        "timestamp": run.timestamp,
        "versions": run.versions,
        "ok": run.ok,
        "labs": list(labs.values()),
    }


def step_json(result: StepResult) -> dict[str, Any]:
    """One step: `fields` holds every shown field's actual value; `absent` names those missing."""
    return {
        "number": result.step.number,
        "title": result.step.title,
        "kind": result.step.kind,
        "curl": result.command,
        "fields": {c.field: None if c.actual is MISSING else c.actual for c in result.verdicts},
        "absent": [c.field for c in result.verdicts if c.actual is MISSING],
        "expected": {c.field: c.expected_data for c in result.verdicts if c.expected is not None},
        "mismatches": [c.field for c in result.mismatches],
        "ok": result.ok,
        # Why a step did not run (its lab's backends or profiles, PROXYLAB_TARGET), else None.
        "skip_reason": result.skip_reason,
    }


def _cut(value: str) -> str:
    value = value.replace("\n", " ")
    return value if len(value) <= VALUE_WIDTH else value[: VALUE_WIDTH - 1] + "…"
