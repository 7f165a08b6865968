"""The benches' figures: a sample's p95 and its one-line summary (median, p95, min, max, n)."""

from __future__ import annotations

import statistics


def p95(values: list[float]) -> float:
    return values[0] if len(values) < 2 else statistics.quantiles(values, n=20, method="inclusive")[18]


def summary(name: str, values: list[float], unit: str = " s", fmt: str = ".2f") -> str:
    """`name: median 1.23 s, p95 1.50 s (min 1.01, max 1.62; n=15)`: `unit` follows the median and the p95."""
    return (
        f"{name}: median {statistics.median(values):{fmt}}{unit}, p95 {p95(values):{fmt}}{unit} "
        f"(min {min(values):{fmt}}, max {max(values):{fmt}}; n={len(values)})"
    )
