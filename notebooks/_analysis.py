"""Small models the notebooks fit to the measurements (kept apart so that tests can check them)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


class ModelError(Exception):
    """Too few or degenerate points for a fit."""


@dataclass(frozen=True)
class LinearCost:
    """cost(n) = fixed + per_item·n: a batch's gas (or constraints) against its size n."""

    fixed: float
    per_item: float

    def total(self, n: float) -> float:
        return self.fixed + self.per_item * n

    def per_unit(self, n: float) -> float:
        """Average cost per item in a batch of n (> 0)."""
        return self.total(n) / n

    def break_even(self, target: float) -> int | None:
        """Smallest batch size n ≥ 1 whose average cost per item is ≤ target; None if none is.

        total(n)/n ≤ target ⇔ n ≥ fixed/(target − per_item) when target > per_item."""
        if target <= self.per_item:
            return 1 if self.per_unit(1) <= target else None
        n = max(1, math.ceil(self.fixed / (target - self.per_item)))
        while n > 1 and self.per_unit(n - 1) <= target:  # the float ratio can round either way
            n -= 1
        while self.per_unit(n) > target:
            n += 1
        return n


def fit_linear(points: Sequence[tuple[float, float]]) -> LinearCost:
    """Least-squares line through (n, cost) points; needs two distinct n."""
    if len({n for n, _ in points}) < 2:
        raise ModelError("a line needs measurements at two batch sizes or more")
    k = len(points)
    mean_n = sum(n for n, _ in points) / k
    mean_c = sum(c for _, c in points) / k
    slope = sum((n - mean_n) * (c - mean_c) for n, c in points) / sum((n - mean_n) ** 2 for n, _ in points)
    return LinearCost(mean_c - slope * mean_n, slope)


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Exponent b of the least-squares fit y ≈ a·x^b (on logarithms)."""
    if len(xs) != len(ys) or len(set(xs)) < 2:
        raise ModelError("a slope needs two distinct sizes or more")
    points = [(math.log(x), math.log(y)) for x, y in zip(xs, ys)]
    return fit_linear(points).per_item
