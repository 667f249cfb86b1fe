"""Normalisation of one indicator column, within groups (COINr's n_* functions as reference).

Every function takes the raw values ``x`` (NaN = missing) and integer group codes ``g`` of the
same length and returns scores; a group is the peer group, or one group of all units.

>>> import numpy as np
>>> minmax(np.array([1.0, 2.0, 3.0]), np.zeros(3, dtype=np.int64)).tolist()
[0.0, 50.0, 100.0]
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.core.groupby import SeriesGroupBy

from grassroots.engine.scheme import Direction, Goalposts, NormMethod, ReasonableRange

Array = npt.NDArray[np.float64]
Groups = npt.NDArray[np.int64]


def _by_group(x: Array, g: Groups) -> SeriesGroupBy:  # type: ignore[type-arg]
    return pd.Series(x).groupby(g, sort=False)


def _stat(x: Array, g: Groups, how: Literal["min", "max", "mean", "std"]) -> Array:
    """The group's statistic on every row, NaN skipped (NaN for a group without data)."""
    if how in ("min", "max") and x.ndim == 1:
        # numpy's fmin/fmax skip NaN as pandas does, without a pandas groupby per call.
        codes, k = dense_codes(g)
        out = np.full(k, np.nan)
        (np.fmin if how == "min" else np.fmax).at(out, codes, x)
        return out[codes]
    return np.asarray(_by_group(x, g).transform(how), dtype=np.float64)


def dense_codes(g: Groups) -> tuple[Groups, int]:
    """``g`` as codes 0..k-1 (as given when they already are small non-negative integers)."""
    if g.size == 0:
        return g, 0
    low, high = int(g.min()), int(g.max())
    if low >= 0 and high < 2 * g.size + 64:
        return g, high + 1
    uniques, codes = np.unique(g, return_inverse=True)
    return codes.astype(np.int64), int(uniques.size)


def minmax(x: Array, g: Groups, low: float = 0.0, high: float = 100.0) -> Array:
    """(x - min) / (max - min) scaled to [low, high]; a group without spread scores the middle."""
    lo, hi = _stat(x, g, "min"), _stat(x, g, "max")
    spread = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(spread > 0, (x - lo) / spread, 0.5)
    return np.where(np.isnan(x), np.nan, low + (high - low) * unit)


def zscore(x: Array, g: Groups) -> Array:
    """(x - mean) / sd with the sample sd (R's sd); a group without spread scores 0."""
    mean, sd = _stat(x, g, "mean"), _stat(x, g, "std")
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd > 0, (x - mean) / sd, 0.0)
    return np.where(np.isnan(x), np.nan, z)


def rank(x: Array, g: Groups) -> Array:
    """Ascending rank within the group, ties sharing the lowest (COINr n_rank)."""
    return np.asarray(_by_group(x, g).rank(method="min"), dtype=np.float64)


def percentile_rank(x: Array, g: Groups, low: float = 0.0, high: float = 100.0) -> Array:
    """(rank - 1) / (n - 1) scaled to [low, high] (COINr n_prank); a lone unit scores the middle."""
    r = rank(x, g)
    n = np.asarray(_by_group(x, g).transform("count"), dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(n > 1, (r - 1) / (n - 1), 0.5)
    return np.where(np.isnan(x), np.nan, low + (high - low) * unit)


def goalposts(
    x: Array, posts: Goalposts, direction: Direction, low: float = 0.0, high: float = 100.0
) -> Array:
    """Share of the way from the worst to the best goalpost, capped to [0, 1] (COINr n_goalposts)."""
    if direction is Direction.LOWER:
        unit = (posts.high - x) / (posts.high - posts.low)
    else:
        unit = (x - posts.low) / (posts.high - posts.low)
    return low + (high - low) * np.clip(unit, 0.0, 1.0)


def target(
    x: Array, g: Groups, goal: float, direction: Direction, low: float = 0.0, high: float = 100.0
) -> Array:
    """Distance from the group's worst unit to the target, capped at the target (COINr n_dist2targ)."""
    if direction is Direction.LOWER:
        worst = _stat(x, g, "max")
        gap, done = worst - goal, worst - x
    else:
        worst = _stat(x, g, "min")
        gap, done = goal - worst, x - worst
    with np.errstate(invalid="ignore", divide="ignore"):
        # When even the worst unit meets the target there is no distance to cover: all score full.
        unit = np.where(gap > 0, done / gap, 1.0)
    return np.where(np.isnan(x), np.nan, low + (high - low) * np.clip(unit, 0.0, 1.0))


def reasonable_range(
    x: Array, band: ReasonableRange, low: float = 0.0, high: float = 100.0
) -> Array:
    """Full score inside [band.low, band.high], falling linearly to 0 at band.distance outside."""
    outside = np.maximum(band.low - x, x - band.high)
    unit = np.clip(1.0 - np.maximum(outside, 0.0) / band.distance, 0.0, 1.0)
    return np.where(np.isnan(x), np.nan, low + (high - low) * unit)


def normalise(
    x: Array,
    g: Groups,
    *,
    method: NormMethod,
    direction: Direction,
    low: float = 0.0,
    high: float = 100.0,
    posts: Goalposts | None = None,
    goal: float | None = None,
    band: ReasonableRange | None = None,
) -> Array:
    """Dispatch on ``method``; order-based methods flip lower-is-better indicators first."""
    flipped = -x if direction is Direction.LOWER else x
    if method is NormMethod.MINMAX:
        return minmax(flipped, g, low, high)
    if method is NormMethod.ZSCORE:
        return zscore(flipped, g)
    if method is NormMethod.RANK:
        return rank(flipped, g)
    if method is NormMethod.PERCENTILE_RANK:
        return percentile_rank(flipped, g, low, high)
    if method is NormMethod.GOALPOSTS:
        assert posts is not None  # checked when the scheme loads
        return goalposts(x, posts, direction, low, high)
    if method is NormMethod.TARGET:
        assert goal is not None
        return target(x, g, goal, direction, low, high)
    assert band is not None
    return reasonable_range(x, band, low, high)
