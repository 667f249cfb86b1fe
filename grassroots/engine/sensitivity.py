"""Rank uncertainty (COINr's uncertainty analysis, vectorised): how stable is each unit's rank?

Each of ``n`` Monte-Carlo replications perturbs every weight by a uniform factor in
[1 - a, 1 + a] (a = the scheme's ``uncertainty.weight_noise``; weights are renormalised by the
aggregation) and picks one of the configured alternative normalisation, aggregation and
imputation methods. Leaf scores are computed once per (imputation, normalisation) pair and
replications sharing a method combination are aggregated together as (units × replications)
arrays, so the cost grows with the number of combinations, not of replications.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import numpy.typing as npt
import pandas as pd

from grassroots.engine.colours import colour_codes
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.scheme import AggMethod, Imputation, Node, NormMethod, Scheme, Within
from grassroots.engine.scoring.core import (
    Inputs,
    ScoringOptions,
    aggregate_tree,
    child_weights,
    int_ranks,
    prepare,
    score_leaves,
)
from grassroots.engine.scoring.ranks import rank_desc, ranked_counts

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Draws:
    norm: npt.NDArray[np.int64]
    agg: npt.NDArray[np.int64]
    imp: npt.NDArray[np.int64]
    weights: dict[str, Array]  # aggregate code -> (R, k)


def rank_intervals(
    indicator_values: pd.DataFrame,
    units: pd.DataFrame,
    scheme: Scheme,
    period: str,
    *,
    n: int,
    seed: int,
    within: Within = Within.PEER,
) -> pd.DataFrame:
    """Per unit × aggregate node: nominal rank, 5th / 50th / 95th percentile rank over ``n``
    replications, and the share of replications keeping the nominal colour.

    Ranks are within the peer group (``within=Within.ALL``: among all units).

    >>> import pandas as pd
    >>> from grassroots.engine.scheme import load_scheme
    >>> values = pd.DataFrame({"unit_code": list("aabb"), "period": "2024",
    ...     "indicator": ["clearance_rate", "disposition_time"] * 2,
    ...     "value": [120.0, 100.0, 90.0, 300.0]})
    >>> units = pd.DataFrame({"unit_code": ["a", "b"], "peer_group": "c1"})
    >>> r = rank_intervals(values, units, load_scheme("cepej"), "2024", n=50, seed=1)
    >>> r[["unit_code", "rank_q05", "rank_q95", "colour_share"]].values.tolist()
    [['a', 1.0, 1.0, 1.0], ['b', 2.0, 2.0, 1.0]]
    """
    if n < 1:
        raise InputError(
            [Problem("--sensitivity", None, None, f"needs at least 1 replication, got {n}")]
        )
    within = Within(within)
    inputs = prepare(indicator_values, units, scheme, period)
    nominal = _scores(
        inputs, scheme, ScoringOptions(), child_weights(scheme, ScoringOptions()), None
    )
    draws = _draw(scheme, n, np.random.default_rng(seed))
    replicated = _replicate(inputs, scheme, draws, n)
    # A unit without a nominal score (no data) is not ranked in any replication either: an
    # alternative imputation must not give it an interval, nor let it take others' places.
    for code, scores in replicated.items():
        scores[np.isnan(nominal[code].reshape(len(scores), -1)[:, 0]), :] = np.nan
    frames = [
        _intervals(scheme, node, depth, inputs, nominal[node.code], replicated[node.code], within)
        for node, depth in scheme.nodes()
        if not node.is_leaf
    ]
    return pd.concat(frames, ignore_index=True)


def _alternatives(
    scheme: Scheme,
) -> tuple[list[NormMethod | None], list[AggMethod | None], list[Imputation | None]]:
    u = scheme.uncertainty
    norms: list[NormMethod | None] = list(u.normalisation) or [None]
    aggs: list[AggMethod | None] = list(u.aggregation) or [None]
    imps: list[Imputation | None] = list(u.imputation) or [None]
    return norms, aggs, imps


def _draw(scheme: Scheme, n: int, rng: np.random.Generator) -> _Draws:
    norms, aggs, imps = _alternatives(scheme)
    a = scheme.uncertainty.weight_noise
    weights = {
        code: w[None, :] * rng.uniform(1 - a, 1 + a, size=(n, w.size))
        for code, w in child_weights(scheme, ScoringOptions()).items()
    }
    norm = rng.integers(len(norms), size=n)
    agg = rng.integers(len(aggs), size=n)
    imp = rng.integers(len(imps), size=n)
    # Replications are exchangeable: grouping those with the same methods side by side lets
    # each group be written as one contiguous block of columns.
    order = np.lexsort((imp, agg, norm))
    return _Draws(
        norm=norm[order],
        agg=agg[order],
        imp=imp[order],
        weights={code: w[order] for code, w in weights.items()},
    )


def _scores(
    inputs: Inputs,
    scheme: Scheme,
    options: ScoringOptions,
    weights: dict[str, Array],
    leaf_cache: dict[tuple[object, object], dict[str, Array]] | None,
) -> dict[str, Array]:
    key = (options.imputation, options.normalisation)
    if leaf_cache is not None and key in leaf_cache:
        leaves = leaf_cache[key]
    else:
        leaves = {c: s[:, None] for c, s in score_leaves(inputs, scheme, options).score.items()}
        if leaf_cache is not None:
            leaf_cache[key] = leaves
    scores, _ = aggregate_tree(scheme, leaves, weights, method=options.aggregation)
    return scores


def _replicate(inputs: Inputs, scheme: Scheme, draws: _Draws, n: int) -> dict[str, Array]:
    """Scores (N, n) of every aggregate node, one column per replication."""
    norms, aggs, imps = _alternatives(scheme)
    aggregates = [node.code for node, _ in scheme.nodes() if not node.is_leaf]
    out = {code: np.empty((inputs.units.size, n), dtype=np.float64) for code in aggregates}
    cache: dict[tuple[object, object], dict[str, Array]] = {}
    for i, j, k in product(range(len(norms)), range(len(aggs)), range(len(imps))):
        hits = np.flatnonzero((draws.norm == i) & (draws.agg == j) & (draws.imp == k))
        if hits.size == 0:
            continue
        cols = slice(int(hits[0]), int(hits[-1]) + 1)  # contiguous: see _draw
        options = ScoringOptions(normalisation=norms[i], aggregation=aggs[j], imputation=imps[k])
        weights = {code: w[cols] for code, w in draws.weights.items()}
        scores = _scores(inputs, scheme, options, weights, cache)
        for code in aggregates:
            out[code][:, cols] = scores[code]
    return out


def _intervals(
    scheme: Scheme,
    node: Node,
    depth: int,
    inputs: Inputs,
    nominal: Array,
    replicated: Array,
    within: Within,
) -> pd.DataFrame:
    rank_nominal = inputs.comparison(within, lambda g: rank_desc(nominal, g))[:, 0]
    ranks = inputs.comparison(within, lambda g: rank_desc(replicated, g))
    quantiles = _quantiles(ranks)
    share = _colour_share(scheme, node, depth, inputs, nominal, replicated, ranks, within)
    share[np.isnan(nominal.reshape(len(share), -1)[:, 0])] = np.nan  # no score, no colour
    return pd.DataFrame(
        {
            "unit_code": inputs.units,
            "node": node.code,
            "rank_nominal": int_ranks(rank_nominal).to_numpy(),
            "rank_q05": quantiles[0],
            "rank_median": quantiles[1],
            "rank_q95": quantiles[2],
            "colour_share": share,
        }
    )


def _quantiles(ranks: Array, probs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> Array:
    """Quantiles of each row ignoring NaN, R's default type 7 (numpy's "linear"), vectorised."""
    ordered = np.sort(ranks, axis=1)  # NaN last
    valid = (~np.isnan(ranks)).sum(axis=1)
    out = np.full((len(probs), ranks.shape[0]), np.nan)
    have = valid > 0
    rows = np.flatnonzero(have)
    for i, p in enumerate(probs):
        h = (valid[have] - 1) * p
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, valid[have] - 1)
        a, b = ordered[rows, lo], ordered[rows, hi]
        out[i, rows] = a + (h - lo) * (b - a)
    return out


def _colour_share(
    scheme: Scheme,
    node: Node,
    depth: int,
    inputs: Inputs,
    nominal: Array,
    replicated: Array,
    ranks: Array,
    within: Within,
) -> Array:
    spec = scheme.policy_for(node, depth).colour

    def colours(scores: Array, rank: Array | None) -> npt.NDArray[np.int8]:
        if rank is None:
            rank = inputs.comparison(spec.within, lambda g: rank_desc(scores, g))
        count = inputs.comparison(spec.within, lambda g: ranked_counts(scores, g))
        return colour_codes(
            spec, score=scores, value=scores, rank=rank, count=count, band=node.range
        )

    same_scope = spec.within is within
    base = colours(nominal, None)
    again = colours(replicated, ranks if same_scope else None)
    return np.asarray((again == base).mean(axis=1), dtype=np.float64)
