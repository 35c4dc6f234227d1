"""reports/bench.png's layout: grouped bars that never overlap, labels that never collide.

When one fails, the chart a room reads is wrong again in the way issue 29 found it: with five
targets the /health/live "direct" bar was drawn over /app's HAProxy bar and the labels ran into
each other. The checks are geometric, on the figure matplotlib lays out before saving it: every
bar's rectangle and every label's box, in pixels.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations

import pytest
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from bench import chart

FIVE = ("direct", "traefik", "nginx", "caddy", "haproxy")
EIGHT = (*FIVE, "nginx-bookworm", "haproxy-bookworm", "edge")


def _figures(median: float) -> dict:
    """One target's figures on one path, as bench/load.py's summarise writes them."""
    spread = {"median": median, "min": median * 0.8, "max": median * 1.3}
    return {
        "requests_per_s": spread,
        "p50_ms": {k: v / 1000 for k, v in spread.items()},
        "p99_ms": {k: v / 400 for k, v in spread.items()},
        "ratio_to_direct": {"requests_per_s": {"median": 0.5, "min": 0.4, "max": 0.6}},
    }


def report(targets: list[str]) -> dict:
    """A bench report with `targets` on /app and /health/live, made-up numbers of unequal size."""
    paths = {
        name: {
            "path": path,
            "targets": {t: _figures(1000.0 + 700 * i + 300 * n) for i, t in enumerate(targets)},
        }
        for n, (name, path) in enumerate({"app": "/app", "live": "/health/live"}.items())
    }
    return {
        "mode": "full",
        "started": "2026-01-01T00:00:00+00:00",
        "machine": {"nproc": 2, "cpu_model": "Test CPU"},
        "cold_start": {"median": 2.5, "min": 2.0, "max": 3.0},
        "test_suite": {"seconds": 90.0},
        "load": {"threads": 2, "connections": 16, "seconds": 10, "repeats": 3, "paths": paths},
    }


@cache  # one layout per number of targets: every test reads the same figure and changes nothing
def _laid_out(targets: tuple[str, ...]):
    figure = chart.build(report(list(targets)))
    figure.canvas.draw()  # lays out the text, so each label's box is known
    return figure, figure.canvas.get_renderer()


def _intersect(a, b) -> bool:
    """Two pixel boxes share area (touching edges do not count)."""
    return a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5


@pytest.mark.parametrize("targets", [FIVE, EIGHT], ids=["5 targets", "8 targets"])
def test_no_two_targets_bars_overlap(targets: tuple[str, ...]) -> None:
    """A bar would hide another target's (issue 29: /health/live's direct over /app's HAProxy)."""
    figure, _ = _laid_out(targets)
    for axes in figure.axes:
        bars = [p for p in axes.patches if isinstance(p, Rectangle) and p.get_gid()]
        assert len({bar.get_gid() for bar in bars}) == 2 * len(targets)  # every path × target drawn
        for a, b in combinations(bars, 2):
            if a.get_gid() == b.get_gid():  # a target's p50 inside its own p99, on purpose
                continue
            assert not _intersect(a.get_window_extent(), b.get_window_extent()), (a.get_gid(), b.get_gid())


@pytest.mark.parametrize("targets", [FIVE, EIGHT], ids=["5 targets", "8 targets"])
def test_no_label_runs_into_another_or_into_a_bar(targets: tuple[str, ...]) -> None:
    """The figures over the bars would be unreadable from the back of a room."""
    figure, renderer = _laid_out(targets)
    for axes in figure.axes:
        labels = [t for t in axes.texts if isinstance(t, Text) and t.get_text()]
        labels += [t for t in axes.get_yticklabels() if t.get_text()]
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
        for (a, box_a), (b, box_b) in combinations(boxes, 2):
            assert not _intersect(box_a, box_b), (a, b)
        bars = [p.get_window_extent() for p in axes.patches if isinstance(p, Rectangle) and p.get_gid()]
        for text, box in boxes:
            assert not any(_intersect(box, bar) for bar in bars), text
            assert box.x1 <= axes.get_window_extent().x1 + 1, f"{text!r} runs out of its panel"


def test_every_target_is_named_beside_its_bars() -> None:
    """A reader would have to match colours to a legend to know which bar is which proxy."""
    figure, _ = _laid_out(EIGHT)
    for axes in figure.axes:
        assert [t.get_text() for t in axes.get_yticklabels()] == [*EIGHT, *EIGHT]
        assert {"GET /app", "GET /health/live"} <= {t.get_text() for t in axes.texts}
