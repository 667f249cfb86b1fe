"""Missing data and outliers: imputation within peer groups, COINr-style winsorisation.

>>> import numpy as np
>>> x = np.array([1.0, np.nan, 3.0, 10.0])
>>> impute_peer(x, np.array([0, 0, 0, 1]), median=False).tolist()
[1.0, 2.0, 3.0, 10.0]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[np.float64]
Groups = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


def impute_peer(x: Array, g: Groups, *, median: bool) -> Array:
    """Fill gaps with the peer group's mean or median; a group without data stays missing."""
    fill = pd.Series(x).groupby(g, sort=False).transform("median" if median else "mean")
    return np.where(np.isnan(x), np.asarray(fill, dtype=np.float64), x)


def impute_last(x: Array, earlier: Array) -> Array:
    """Fill gaps with the unit's own latest earlier value of the same kind of period."""
    return np.where(np.isnan(x), earlier, x)


def skew(x: Array) -> float:
    """Sample skewness, type 2 (Excel, e1071, COINr's skew)."""
    n = x.size
    d = x - x.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0:
        return 0.0
    return float(np.sqrt(n) * np.sum(d**3) / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: Array) -> float:
    """Sample excess kurtosis, type 2 (Excel, e1071, COINr's kurt)."""
    n = x.size
    d = x - x.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0:
        return 0.0
    r = n * float(np.sum(d**4)) / m2**2
    return ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))


def winsorise(
    x: Array, *, max_points: int, skew_limit: float = 2.0, kurt_limit: float = 3.5
) -> tuple[Array, Mask]:
    """COINr's rule: while |skew| > skew_limit and kurtosis > kurt_limit, replace the extreme
    value on the skewed side by the next one in, one step at a time, up to ``max_points``.

    Returns the treated values and a mask of the points changed (NaN stays NaN).
    """
    out = x.copy()
    changed = np.zeros(x.size, dtype=np.bool_)
    ok = ~np.isnan(out)
    if max_points <= 0 or ok.sum() < 4:
        return out, changed
    while changed.sum() < max_points:
        vals = out[ok]
        sk = skew(vals)
        if not (abs(sk) > skew_limit and kurtosis(vals) > kurt_limit):
            break
        extreme = vals.max() if sk >= 0 else vals.min()
        hit = ok & (out == extreme)
        rest = out[ok & ~hit]
        if rest.size == 0:
            break
        out[hit] = rest.max() if sk >= 0 else rest.min()
        changed |= hit
    return out, changed


def winsorise_groups(
    x: Array, g: Groups, *, max_points: int, skew_limit: float, kurt_limit: float
) -> tuple[Array, Mask]:
    """Winsorise each group on its own (one group when normalising across all units)."""
    out = x.copy()
    changed = np.zeros(x.size, dtype=np.bool_)
    if max_points <= 0:
        return out, changed
    for code in np.unique(g):
        idx = np.flatnonzero(g == code)
        treated, hit = winsorise(
            x[idx], max_points=max_points, skew_limit=skew_limit, kurt_limit=kurt_limit
        )
        out[idx], changed[idx] = treated, hit
    return out, changed
