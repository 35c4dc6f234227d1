"""Median and spread of repeated measurements, and ratios to the direct baseline.

A benchmark on a shared or small machine is noisy: every figure the bench reports is the median
of its repeats with the lowest and highest beside it, so a reader can see how far to trust it.
Ratios are taken repeat by repeat (proxy and direct measured minutes apart, in the same run),
then summarised the same way.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Spread:
    median: float
    min: float
    max: float

    def as_data(self, digits: int = 3) -> dict[str, float]:
        return {key: round(value, digits) for key, value in asdict(self).items()}

    def text(self, fmt: str = "{:.1f}", unit: str = "") -> str:
        """`4210 (4105–4302)` for a table: the median, then min–max."""
        if self.min == self.max:
            return f"{fmt.format(self.median)}{unit}"
        return f"{fmt.format(self.median)}{unit} ({fmt.format(self.min)}–{fmt.format(self.max)})"


def spread(values: Sequence[float]) -> Spread:
    if not values:
        raise ValueError("spread() of no measurements")
    return Spread(statistics.median(values), min(values), max(values))


def ratios(values: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Repeat i of a target divided by repeat i of direct (0 when direct measured nothing)."""
    return [value / base if base else 0.0 for value, base in zip(values, baseline, strict=True)]
