"""reports/bench.png: the bench as one picture a room can read from the back.

Two panels, one bar per target (direct, Traefik, Nginx, Caddy, HAProxy) and one group per path: throughput
(requests/s) and latency (p99 as the light bar, p50 as the dark bar inside it). Each bar is the
median, its whisker the min–max of the repeats; labels sit above the whisker (throughput's with
its ratio to direct). Cold start and test-suite time sit in the footer. Drawn with matplotlib's
Agg backend, which needs no display, in large type at 1600×900 (a projector's shape).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on CI or over ssh
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {
    "direct": "#4c72b0",
    "traefik": "#dd8452",
    "nginx": "#55a868",
    "caddy": "#8172b3",
    "haproxy": "#c44e52",
}
WIDTH = 0.26


def draw(report: dict[str, Any], out: Path) -> Path:
    """Write the chart to `out` (a .png) and return it."""
    plt.rcParams.update({"font.size": 16, "axes.titlesize": 20, "axes.labelsize": 17})
    paths = report["load"]["paths"]
    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(16, 9), dpi=100)
    _bars(
        throughput,
        paths,
        "requests_per_s",
        lambda data: f"{data['requests_per_s']['median']:.0f}",
        ratio=True,
    )
    throughput.set_title("Throughput (higher is better)")
    throughput.set_ylabel("requests per second")
    _bars(
        latency,
        paths,
        "p99_ms",
        lambda data: f"p99 {data['p99_ms']['median']:.1f}\np50 {data['p50_ms']['median']:.1f}",
        light=True,
    )
    _bars(latency, paths, "p50_ms", None)
    latency.set_title("Latency, ms: p99 light, p50 dark (lower is better)")
    latency.set_ylabel("milliseconds")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour) for colour in COLOURS.values()]
    figure.legend(
        handles, list(COLOURS), loc="upper center", ncol=3, bbox_to_anchor=(0.5, 0.935), frameon=False
    )
    figure.suptitle(
        "What a proxy costs: the same app, direct and through each proxy", fontsize=24, weight="bold"
    )
    figure.text(0.5, 0.015, footer(report), ha="center", fontsize=14, color="#333333")
    figure.tight_layout(rect=(0, 0.04, 1, 0.91))
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="png")
    plt.close(figure)
    return out


def _bars(
    axes,
    paths: dict[str, Any],
    figure: str,
    label: Callable[[dict], str] | None,
    light: bool = False,
    ratio: bool = False,
) -> None:
    """One group per path, one bar per target: the median, whiskers min–max, the label above the
    whisker (plus the ratio to direct when `ratio`); `label=None` draws bars only."""
    names = list(paths)
    for index, target in enumerate(COLOURS):
        for group, name in enumerate(names):
            data = paths[name]["targets"].get(target)
            if data is None:
                continue
            value, x = data[figure], group + (index - 1) * WIDTH
            axes.bar(
                x,
                value["median"],
                WIDTH * 0.92,
                color=COLOURS[target],
                alpha=0.35 if light else 1.0,
                yerr=[[value["median"] - value["min"]], [value["max"] - value["median"]]],
                capsize=6,
                error_kw={"elinewidth": 1.5, "ecolor": "#222222"},
            )
            if label is None:
                continue
            text = label(data)
            if ratio and target != "direct":
                text += f"\n{data['ratio_to_direct'][figure]['median']:.2f}×"
            axes.annotate(
                text,
                (x, value["max"]),
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=13,
            )
    axes.set_xticks(range(len(names)), [paths[name]["path"] for name in names])
    axes.margins(y=0.22)
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
