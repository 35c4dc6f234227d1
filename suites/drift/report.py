"""reports/drift.{json,md,html}: the grid's sets, every cell that drifts, and where it changed.

What: `write_reports(grid, reports_dir)` writes
  drift.json  {"sets": [{uvicorn, starlette, fastapi}], "changes": [{component, from_version,
              to_version, route, field, before, after, reference}], "cells": every drifting
              cell with its value per set, "silent": listed entries no cell shows, plus the
              backend, the proxies' versions and the timings;
  drift.md    the same as tables a reviewer reads in a pull request;
  drift.html  one self-contained page (no network), changed cells highlighted.
When: at the end of `make drift`.
Why: the JSON is what a CI job compares or archives; the Markdown and HTML are for people.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from instruments.releases.sets import COMPONENTS
from suites.drift.changes import changes, drifting_cells, silent_entries
from suites.drift.grid import Grid

PROXIES = ("traefik", "nginx")


def report_data(grid: Grid) -> dict:
    first = grid.runs[0].versions if grid.runs else {}
    return {
        "backend": grid.backend,
        "proxies": {name: first.get(name, "?") for name in PROXIES},
        "sets": [run.release_set.as_dict() for run in grid.runs],
        "changes": [change.as_json() for change in changes(grid)],
        "cells": [
            {
                "route": d.route,
                "field": d.field_name,
                "values": dict(zip((r.release_set.label for r in grid.runs), d.values)),
            }
            for d in drifting_cells(grid)
        ],
        "silent": [
            {"component": e.component, "version": e.version, "reference": e.reference, "summary": e.summary}
            for e in silent_entries(grid)
        ],
        "routes": len(grid.runs[0].tables["matrix"]) if grid.runs else 0,
        "timings": {**grid.timings, "per_set_s": {run.release_set.label: run.seconds for run in grid.runs}},
    }


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or '""'


def _by_step(rows: list[dict]) -> dict[tuple[str, str, str, str], list[dict]]:
    """The changes grouped by the step (components, versions, reference) they happened in."""
    steps: dict[tuple[str, str, str, str], list[dict]] = {}
    for row in rows:
        steps.setdefault(
            (row["component"], row["from_version"], row["to_version"], row["reference"]), []
        ).append(row)
    return steps


def render_markdown(data: dict) -> str:
    lines = [
        "# Version drift: the same routes across uvicorn, Starlette and FastAPI releases",
        "",
        f"Backend **{data['backend']}** "
        "(the Compose backend runs the same app from one image with today's pins); "
        f"proxies unchanged: Traefik {data['proxies']['traefik']}, Nginx {data['proxies']['nginx']}. "
        f"{data['routes']} routes of compose.yaml, "
        "the matrix's cells and the spoofing table's cases, per set.",
        "",
        "## Release sets",
        "",
        "| # | " + " | ".join(COMPONENTS) + " |",
        "| --- |" + " --- |" * len(COMPONENTS),
    ]
    lines += [
        f"| {i} | " + " | ".join(s[name] for name in COMPONENTS) + " |" for i, s in enumerate(data["sets"], 1)
    ]
    lines += [
        "",
        f"## What changed, and where ({len(data['changes'])} cells)",
        "",
        "Step by step between neighbouring sets; a step that changed no cell is not listed.",
        "",
    ]
    for (component, low, high, reference), rows in _by_step(data["changes"]).items():
        lines += [
            f"### {component} {low} → {high}: {len(rows)} cells",
            "",
            f"Changelog entries this step crosses: {reference}",
            "",
            "| route | field | before | after |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            (
                f"| {_md_cell(c['route'])} | {_md_cell(c['field'])} | "
                f"{_md_cell(c['before'])} | {_md_cell(c['after'])} |"
            )
            for c in rows
        ]
        lines.append("")
    if data["silent"]:
        lines += [
            "",
            "## Listed changes no cell shows",
            "",
            "The grid crosses these entries, "
            "but no route × field of the matrix or the spoofing table changed with them:",
            "",
        ]
        lines += [
            f"- {e['component']} {e['version']}: {e['summary']} ({e['reference']})" for e in data["silent"]
        ]
    labels = [" ".join(f"{n[0]}{s[n]}" for n in COMPONENTS) for s in data["sets"]]
    lines += [
        "",
        "## Every drifting cell, per set",
        "",
        "| route | field | " + " | ".join(f"#{i}" for i in range(1, len(labels) + 1)) + " |",
        "| --- | --- |" + " --- |" * len(labels),
    ]
    for cell in data["cells"]:
        lines.append(
            f"| {_md_cell(cell['route'])} | {_md_cell(cell['field'])} | "
            + " | ".join(_md_cell(v) for v in cell["values"].values())
            + " |"
        )
    t = data["timings"]
    lines += [
        "",
        f"Took {t.get('total_s', '?')} s (environments {t.get('environments_s', '?')} s, "
        f"stack start {t.get('stack_up_s', '?')} s).",
        "",
    ]
    return "\n".join(lines)


_STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;vertical-align:top}th{background:#eee}
td.changed{background:#ffe08a;font-weight:bold}code{font-size:12px}"""


def render_html(data: dict) -> str:
    e = html.escape
    sets = "".join(
        f"<tr><td>{i}</td>" + "".join(f"<td>{e(s[n])}</td>" for n in COMPONENTS) + "</tr>"
        for i, s in enumerate(data["sets"], 1)
    )
    change_rows = "".join(
        f"<tr><td>{e(c['route'])}</td><td>{e(c['field'])}</td>"
        f"<td><code>{e(c['before'])}</code></td><td><code>{e(c['after'])}</code></td>"
        f"<td>{e(c['component'])} {e(c['from_version'])} → {e(c['to_version'])}</td>"
        f"<td>{e(c['reference'])}</td></tr>"
        for c in data["changes"]
    )
    cell_rows = []
    for cell in data["cells"]:
        values, tds, previous = list(cell["values"].values()), [], None
        for index, value in enumerate(values):
            changed = index > 0 and value != previous
            tds.append(f'<td class="{"changed" if changed else ""}"><code>{e(value)}</code></td>')
            previous = value
        cell_rows.append(f"<tr><td>{e(cell['route'])}</td><td>{e(cell['field'])}</td>{''.join(tds)}</tr>")
    silent = "".join(
        f"<li>{e(s['component'])} {e(s['version'])}: {e(s['summary'])} ({e(s['reference'])})</li>"
        for s in data["silent"]
    )
    heads = "".join(f"<th>#{i}</th>" for i in range(1, len(data["sets"]) + 1))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>proxylab: version drift</title>\
<style>{_STYLE}</style></head><body>
<h1>Version drift across uvicorn, Starlette and FastAPI releases</h1>
<p>Backend {e(data["backend"])}; proxies unchanged: Traefik {e(data["proxies"]["traefik"])}, \
Nginx {e(data["proxies"]["nginx"])}; {data["routes"]} routes.</p>
<h2>Release sets</h2><table><tr><th>#</th>{"".join(f"<th>{n}</th>" for n in COMPONENTS)}</tr>{sets}</table>
<h2>What changed, and where</h2><table><tr><th>route</th><th>field</th><th>before</th><th>after</th>\
<th>first release with it</th><th>reference</th></tr>{change_rows}</table>
<h2>Listed changes no cell shows</h2><ul>{silent or "<li>none</li>"}</ul>
<h2>Every drifting cell, per set</h2><table><tr><th>route</th><th>field</th>{heads}</tr>\
{"".join(cell_rows)}</table>
</body></html>
"""


def write_reports(grid: Grid, reports_dir: Path) -> list[Path]:
    reports_dir.mkdir(parents=True, exist_ok=True)
    data = report_data(grid)
    outputs = {
        "drift.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        "drift.md": render_markdown(data),
        "drift.html": render_html(data),
    }
    for name, text in outputs.items():
        (reports_dir / name).write_text(text)
    return [reports_dir / name for name in outputs]
