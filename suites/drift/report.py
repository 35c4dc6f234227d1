"""reports/drift.{json,md,html}: the grid's steps, every cell that drifts, and where it changed.

What: `write_reports(grid, reports_dir)` writes
  drift.json  {"sets": [{uvicorn, starlette, fastapi}], "proxy_sets": {proxy: [releases, oldest
              first]}, "changes": [{component, from_version, to_version, route, field, before,
              after, reference}] (component: uvicorn, ... or the proxy), "cells": every drifting
              cell with its axis, its value per step and the step that first changed it,
              "silent": listed entries no cell shows, plus the backend, the proxies' versions
              while the sets ran, the routes probed per axis and the timings;
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
from suites.drift.changes import changes, drifting_cells, first_changes, silent_entries
from suites.drift.grid import Grid

PROXIES = ("traefik", "nginx", "caddy", "haproxy")
TITLES = {"python": "Release sets"}


def report_data(grid: Grid) -> dict:
    axes = dict(grid.axes())
    first = grid.pinned or (grid.runs[0].versions if grid.runs else {})
    firsts = {
        (c.drift.axis, c.drift.suite, c.drift.route, c.drift.field): c.after_set.label
        for c in first_changes(grid)
    }
    return {
        "backend": grid.backend,
        "proxies": {name: first.get(name, "?") for name in PROXIES},
        "sets": [run.release_set.as_dict() for run in grid.runs],
        "proxy_sets": {
            proxy: [run.release_set.version(proxy) for run in runs] for proxy, runs in grid.proxy_runs.items()
        },
        "changes": [change.as_json() for change in changes(grid)],
        "cells": [
            {
                "axis": d.axis,
                "route": d.route,
                "field": d.field_name,
                "values": dict(zip((r.release_set.label for r in axes[d.axis]), d.values)),
                "first_changed_in": firsts[d.axis, d.suite, d.route, d.field],
            }
            for d in drifting_cells(grid)
        ],
        "silent": [
            {"component": e.component, "version": e.version, "reference": e.reference, "summary": e.summary}
            for e in silent_entries(grid)
        ],
        "routes": {axis: len(runs[0].tables["matrix"]) for axis, runs in axes.items()},
        "timings": {
            **grid.timings,
            "per_set_s": {run.release_set.label: run.seconds for runs in axes.values() for run in runs},
        },
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


def _axes(data: dict) -> list[tuple[str, list[str]]]:
    """(axis, its step labels) in the report's order: the release sets, then each proxy."""
    found = [("python", [" ".join(f"{n[0]}{s[n]}" for n in COMPONENTS) for s in data["sets"]])]
    found += [(proxy, [f"{proxy} {v}" for v in versions]) for proxy, versions in data["proxy_sets"].items()]
    return [(axis, labels) for axis, labels in found if labels]


def render_markdown(data: dict) -> str:
    proxies = ", ".join(f"{name} {data['proxies'][name]}" for name in PROXIES)
    lines = [
        "# Version drift: the same routes across uvicorn, Starlette and FastAPI releases, and proxy releases",
        "",
        f"Backend **{data['backend']}** "
        "(the Compose backend runs the same app from one image with today's pins). "
        "The release sets restart the apps and probe every route "
        f"({data['routes'].get('python', 0)}), the proxies as compose.yaml pins them ({proxies}); "
        "a proxy's releases restart that proxy's services and probe the routes they publish, "
        "the apps at today's pins. Per step, the matrix's cells and the spoofing table's cases.",
        "",
    ]
    if data["sets"]:
        lines += [
            "## Release sets",
            "",
            "| # | " + " | ".join(COMPONENTS) + " |",
            "| --- |" + " --- |" * len(COMPONENTS),
        ]
        lines += [
            f"| {i} | " + " | ".join(s[name] for name in COMPONENTS) + " |"
            for i, s in enumerate(data["sets"], 1)
        ]
        lines.append("")
    if data["proxy_sets"]:
        lines += [
            "## Proxy releases",
            "",
            "Oldest first; the last is compose.yaml's pin, which the grid leaves running.",
            "",
            "| proxy | releases | routes probed |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {proxy} | {', '.join(versions)} | {data['routes'].get(proxy, 0)} |"
            for proxy, versions in data["proxy_sets"].items()
        ]
        lines.append("")
    lines += [
        f"## What changed, and where ({len(data['changes'])} cells)",
        "",
        "Step by step between neighbouring steps of an axis; a step that changed no cell is not listed.",
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
    lines += ["", "## Every drifting cell, per step", ""]
    for axis, labels in _axes(data):
        cells = [cell for cell in data["cells"] if cell["axis"] == axis]
        if not cells:
            continue
        lines += [
            f"### {TITLES.get(axis, axis)}",
            "",
            "| route | field | "
            + " | ".join(f"#{i}" if axis == "python" else label for i, label in enumerate(labels, 1))
            + " | first changed in |",
            "| --- | --- |" + " --- |" * (len(labels) + 1),
        ]
        lines += [
            f"| {_md_cell(cell['route'])} | {_md_cell(cell['field'])} | "
            + " | ".join(_md_cell(v) for v in cell["values"].values())
            + f" | {_md_cell(cell['first_changed_in'])} |"
            for cell in cells
        ]
        lines.append("")
    t = data["timings"]
    lines += [
        f"Took {t.get('total_s', '?')} s (environments {t.get('environments_s', '?')} s, "
        f"proxy releases {t.get('proxy_releases_s', '?')} s, stack start {t.get('stack_up_s', '?')} s).",
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
    proxy_sets = "".join(
        f"<tr><td>{e(proxy)}</td><td>{e(', '.join(versions))}</td>"
        f"<td>{data['routes'].get(proxy, 0)}</td></tr>"
        for proxy, versions in data["proxy_sets"].items()
    )
    change_rows = "".join(
        f"<tr><td>{e(c['route'])}</td><td>{e(c['field'])}</td>"
        f"<td><code>{e(c['before'])}</code></td><td><code>{e(c['after'])}</code></td>"
        f"<td>{e(c['component'])} {e(c['from_version'])} → {e(c['to_version'])}</td>"
        f"<td>{e(c['reference'])}</td></tr>"
        for c in data["changes"]
    )
    silent = "".join(
        f"<li>{e(s['component'])} {e(s['version'])}: {e(s['summary'])} ({e(s['reference'])})</li>"
        for s in data["silent"]
    )
    proxies = ", ".join(f"{name} {data['proxies'][name]}" for name in PROXIES)
    cells = "".join(_html_cells(data, axis, labels) for axis, labels in _axes(data))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>proxylab: version drift</title>\
<style>{_STYLE}</style></head><body>
<h1>Version drift across uvicorn, Starlette and FastAPI releases, and proxy releases</h1>
<p>Backend {e(data["backend"])}. The release sets probe every route ({data["routes"].get("python", 0)}) \
with the proxies as compose.yaml pins them ({e(proxies)}); a proxy's releases probe the routes its \
services publish, the apps at today's pins.</p>
<h2>Release sets</h2><table><tr><th>#</th>{"".join(f"<th>{n}</th>" for n in COMPONENTS)}</tr>{sets}</table>
<h2>Proxy releases</h2><p>Oldest first; the last is compose.yaml's pin.</p>\
<table><tr><th>proxy</th><th>releases</th><th>routes probed</th></tr>{proxy_sets}</table>
<h2>What changed, and where</h2><table><tr><th>route</th><th>field</th><th>before</th><th>after</th>\
<th>first release with it</th><th>reference</th></tr>{change_rows}</table>
<h2>Listed changes no cell shows</h2><ul>{silent or "<li>none</li>"}</ul>
<h2>Every drifting cell, per step</h2>{cells}
</body></html>
"""


def _html_cells(data: dict, axis: str, labels: list[str]) -> str:
    e = html.escape
    rows = []
    for cell in (cell for cell in data["cells"] if cell["axis"] == axis):
        tds, previous = [], None
        for index, value in enumerate(cell["values"].values()):
            changed = index > 0 and value != previous
            tds.append(f'<td class="{"changed" if changed else ""}"><code>{e(value)}</code></td>')
            previous = value
        rows.append(
            f"<tr><td>{e(cell['route'])}</td><td>{e(cell['field'])}</td>{''.join(tds)}"
            f"<td>{e(cell['first_changed_in'])}</td></tr>"
        )
    if not rows:
        return ""
    heads = "".join(
        f"<th>{f'#{i}' if axis == 'python' else e(label)}</th>" for i, label in enumerate(labels, 1)
    )
    return (
        f"<h3>{e(TITLES.get(axis, axis))}</h3><table><tr><th>route</th><th>field</th>{heads}"
        f"<th>first changed in</th></tr>{''.join(rows)}</table>"
    )


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
