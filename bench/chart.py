"""reports/bench.png: the bench as one picture a room can read from the back.

Two panels side by side, throughput (requests/s) and latency (p99 as the light bar, p50 as the
dark bar inside it), each with one group of bars per path (/app, /health/live) and one bar per
target in the group (direct, Traefik, Nginx, Caddy, HAProxy, and any target the report adds).
Each bar is the median, its whisker the min–max of the repeats, its label at the whisker's end
(throughput's with its ratio to direct). Cold start and test-suite time sit in the footer.
Drawn with matplotlib's Agg backend, which needs no display, in large type (a projector's shape).
Why horizontal: a bar per row gives every label a line of its own, so nothing overlaps however
many targets there are; upright bars side by side ran into the next group at five targets and
their labels collided (tests/bench/test_bench_chart.py checks both).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on CI or over ssh
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

COLOURS = {
    "direct": "#4c72b0",
    "traefik": "#dd8452",
    "nginx": "#55a868",
    "caddy": "#8172b3",
    "haproxy": "#c44e52",
}
OTHER_COLOURS = ("#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd")  # targets beyond the five
BAR = 0.8  # a bar's height in rows: 0.2 of a row stays empty between two bars
GAP = 1.0  # rows left empty between two paths' groups, where the path's title goes
ROW_INCHES = 0.42  # a row's height on the page: 13-point labels fit with room to spare
LABEL_OFFSET = 6  # points between a whisker's end and its label


def draw(report: dict[str, Any], out: Path) -> Path:
    """Write the chart to `out` (a .png) and return it."""
    figure = build(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="png")
    plt.close(figure)
    return out


def build(report: dict[str, Any]) -> Figure:
    """The chart as a matplotlib figure (tests look at its bars and labels before it is saved)."""
    plt.rcParams.update({"font.size": 16, "axes.titlesize": 20, "axes.labelsize": 17})
    paths = report["load"]["paths"]
    targets = list(dict.fromkeys(t for path in paths.values() for t in path["targets"]))
    height = max(9.0, 3.5 + len(paths) * (len(targets) + GAP) * ROW_INCHES)
    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(18, height), dpi=100)
    colours = _colours(targets)
    _bars(throughput, paths, targets, colours, "requests_per_s", _throughput_label)
    throughput.set_title("Throughput, requests/s (higher is better)")
    _bars(latency, paths, targets, colours, "p99_ms", _latency_label, light=True)
    _bars(latency, paths, targets, colours, "p50_ms", None)
    latency.set_title("Latency, ms: p99 light, p50 dark (lower is better)")
    figure.suptitle(
        "What a proxy costs: the same app, direct and through each proxy", fontsize=24, weight="bold"
    )
    figure.text(0.5, 0.012, footer(report), ha="center", fontsize=14, color="#333333")
    figure.tight_layout(rect=(0, 0.03, 1, 0.95))
    _fit_labels(figure)
    return figure


def _fit_labels(figure: Figure) -> None:
    """Widen each panel's x range until the longest label ends inside it. A label's width is
    known in pixels only once laid out, and its start moves with the range: a whisker ending at
    m starts its label at m/L of the panel's width W, so the range L must be at least
    m·W / (W − offset − width)."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    for axes in figure.axes:
        width = axes.get_window_extent(renderer).width
        offset = LABEL_OFFSET * figure.dpi / 72
        needed = [
            label.xy[0] * width / (width - offset - label.get_window_extent(renderer).width)
            for label in axes.texts
            if hasattr(label, "xy")
        ]
        axes.set_xlim(0, max([axes.get_xlim()[1], *needed]) * 1.02)


def _throughput_label(target: str, data: dict[str, Any]) -> str:
    median = f"{data['requests_per_s']['median']:.0f}"
    return (
        median
        if target == "direct"
        else f"{median}  ({data['ratio_to_direct']['requests_per_s']['median']:.2f}×)"
    )


def _latency_label(target: str, data: dict[str, Any]) -> str:
    return f"p50 {data['p50_ms']['median']:.1f} · p99 {data['p99_ms']['median']:.1f}"


def _colours(targets: list[str]) -> dict[str, str]:
    others = iter(OTHER_COLOURS * (1 + len(targets) // len(OTHER_COLOURS)))
    return {target: COLOURS.get(target) or next(others) for target in targets}


def _bars(
    axes: Axes,
    paths: dict[str, Any],
    targets: list[str],
    colours: dict[str, str],
    figure: str,
    label: Callable[[str, dict], str] | None,
    light: bool = False,
) -> None:
    """A group of rows per path, a row per target, top to bottom: the median as a bar, the min–max
    as its whisker, `label(target, data)` just right of the whisker; `label=None` draws bars only.
    Each bar's gid is `path/target`, so a test can tell a target's two latency bars (nested on
    purpose) from two targets' bars."""
    ticks: list[tuple[float, str]] = []
    longest = max(
        (data[figure]["max"] for path in paths.values() for data in path["targets"].values()), default=1.0
    )
    for group, (name, path) in enumerate(paths.items()):
        top = group * (len(targets) + GAP)
        if label is not None:  # once per panel: the latency panel's p50 bars come in a second pass
            axes.text(0, top - 0.75, f"GET {path['path']}", fontsize=17, weight="bold", va="center")
        for index, target in enumerate(targets):
            data = path["targets"].get(target)
            if data is None:
                continue
            value, y = data[figure], top + index
            axes.barh(
                y,
                value["median"],
                BAR,
                color=colours[target],
                alpha=0.35 if light else 1.0,
                xerr=[[value["median"] - value["min"]], [value["max"] - value["median"]]],
                capsize=5,
                error_kw={"elinewidth": 1.5, "ecolor": "#222222"},
                gid=f"{name}/{target}",
            )
            ticks.append((y, target))
            if label is not None:
                axes.annotate(
                    label(target, data),
                    (value["max"], y),
                    xytext=(LABEL_OFFSET, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=13,
                )
    if label is None:  # a second pass inside the first one's bars: its axes are set already
        return
    axes.set_yticks([y for y, _ in ticks], [target for _, target in ticks])
    axes.set_ylim(len(paths) * (len(targets) + GAP) - GAP, -GAP - 0.2)  # the first path on top
    axes.set_xlim(0, longest * 1.1)  # _fit_labels widens it to what the labels need
    axes.spines[["top", "right"]].set_visible(False)


def footer(report: dict[str, Any]) -> str:
    load, machine = report["load"], report["machine"]
    cold, tests = report["cold_start"], report["test_suite"]
    parts = [
        "cold start —"
        if "skipped" in cold
        else f"cold start {cold['median']:.1f} s ({cold['min']:.1f}–{cold['max']:.1f})",
        "make test —" if "skipped" in tests else f"make test {tests['seconds']:.0f} s",
        f"wrk -t{load['threads']} -c{load['connections']}, {load['seconds']} s × {load['repeats']}, "
        "median (min–max)",
        f"{machine['nproc']} CPUs, {machine['cpu_model']}",
        f"{report['mode']} mode, {report['started'][:10]}",
    ]
    return " · ".join(parts)
