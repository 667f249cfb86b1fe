"""Weighted aggregation of children scores, vectorised over units and replications.

Scores are (units, R) arrays: R = 1 for a nominal evaluation, R = replications in the
uncertainty analysis. Weights are (R, children).

>>> import numpy as np
>>> kids = [np.array([[10.0], [np.nan]]), np.array([[30.0], [40.0]])]
>>> score, cover = aggregate(kids, np.array([[1.0, 3.0]]), method=AggMethod.ARITHMETIC,
...                          min_coverage=0.5)
>>> score.ravel().tolist(), cover.ravel().tolist()
([25.0, 40.0], [1.0, 0.75])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from grassroots.engine.scheme import AggMethod

Array = npt.NDArray[np.float64]


def aggregate(
    children: Sequence[Array], weights: Array, *, method: AggMethod, min_coverage: float
) -> tuple[Array, Array]:
    """Aggregate ``children`` ((N, R) or (N, 1) each) with ``weights`` (R, k).

    Missing children are left out and the others' weights renormalised; the result is missing
    where the share of weight with data (the coverage, also returned) is below ``min_coverage``.
    A child at or below 0 makes a geometric or harmonic aggregate 0 (its limit).
    """
    total = weights.sum(axis=1)  # (R,)
    num: Array | None = None
    den: Array | None = None
    for j, child in enumerate(children):
        w = weights[:, j]  # (R,)
        have = ~np.isnan(child)
        term = _term(np.where(have, child, 1.0), method)
        part_num = np.where(have, w * term, 0.0)
        part_den = np.where(have, w, 0.0)
        num = part_num if num is None else num + part_num
        den = part_den if den is None else den + part_den
    assert num is not None
    assert den is not None
    coverage = den / total
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = num / den
        if method is AggMethod.GEOMETRIC:
            value = np.exp(mean)
        elif method is AggMethod.HARMONIC:
            value = np.where(np.isinf(mean), 0.0, 1.0 / mean)
        else:
            value = mean
    missing = (den <= 0) | (coverage < min_coverage - 1e-12)
    return np.where(missing, np.nan, value), coverage


def _term(x: Array, method: AggMethod) -> Array:
    if method is AggMethod.ARITHMETIC:
        return x
    clipped = np.maximum(x, 0.0)
    with np.errstate(divide="ignore"):
        if method is AggMethod.GEOMETRIC:
            return np.log(clipped)  # -inf for 0: exp(-inf) = 0
        return 1.0 / clipped  # inf for 0: harmonic mean 0
