"""Scores, aggregates, ranks and colours for one period: ``evaluate``.

The steps, each vectorised over units (loops run over indicators and tree nodes only):
align the long-form values to the units → impute → winsorise → normalise (within the peer group
or across all units) → aggregate up the tree with a coverage threshold → rank (peer group and
all, ties share the lower rank) → colour with a ``why`` text and flags.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd

from grassroots.engine.colours import COLOURS, colour_codes, why_texts
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.periods import Period
from grassroots.engine.scheme import (
    AggMethod,
    Imputation,
    Node,
    NormMethod,
    Scheme,
    SchemeKind,
    Within,
    leaf_method,
)
from grassroots.engine.scoring.aggregate import aggregate
from grassroots.engine.scoring.normalise import normalise
from grassroots.engine.scoring.ranks import rank_desc, ranked_counts
from grassroots.engine.scoring.treat import impute_last, impute_peer, winsorise_groups

Array = npt.NDArray[np.float64]
Groups = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

VALUE_COLUMNS = ("unit_code", "period", "indicator", "value")
COLOUR_NAMES = [c.value for c in COLOURS]


class Flag(StrEnum):
    MISSING = "missing"
    IMPUTED = "imputed"
    WINSORISED = "winsorised"
    LOW_COVERAGE = "low_coverage"  # an aggregate left missing: too little of its weight had data
    PARTIAL = "partial"  # an aggregate computed without some children (coverage above threshold)


@dataclass(frozen=True)
class ScoringOptions:
    """Overrides of the scheme for one run (the uncertainty analysis varies these).

    ``normalisation`` replaces the level method of leaves that do not fix their own (range
    leaves, leaf overrides); ``weights`` maps node codes to replacement weights.
    """

    normalisation: NormMethod | None = None
    aggregation: AggMethod | None = None
    imputation: Imputation | None = None
    weights: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Accept the YAML spellings ("peer_mean") as well as the enums.
        for name, kind in (
            ("normalisation", NormMethod),
            ("aggregation", AggMethod),
            ("imputation", Imputation),
        ):
            given = getattr(self, name)
            if given is not None:
                object.__setattr__(self, name, kind(given))


@dataclass(frozen=True)
class Inputs:
    """One period's indicator values aligned to the units frame."""

    units: npt.NDArray[np.object_]
    peer_labels: npt.NDArray[np.object_]
    peer: Groups
    everyone: Groups
    raw: dict[str, Array]  # indicator -> (N,) values of the period
    earlier: dict[str, Array]  # indicator -> (N,) latest value of an earlier period of that kind
    # Units whose peer group has fewer than the scheme's peer_min_size units: what is done
    # "within the peer group" is done for them among all units (the next level up).
    widened: Mask
    peer_sizes: npt.NDArray[np.int64]  # (N,) units in each unit's peer group

    def comparison(self, within: Within, compute: Callable[[Groups], Array]) -> Array:
        """``compute(groups)`` with each unit's row taken from its comparison group: its peer
        group, all units when ``within`` is ALL, and all units for a unit in a small peer group."""
        if within is Within.ALL:
            return compute(self.everyone)
        by_peer = compute(self.peer)
        if not self.widened.any():
            return by_peer
        by_all = compute(self.everyone)
        rows = self.widened.reshape((-1,) + (1,) * (by_peer.ndim - 1))
        return np.where(rows, by_all, by_peer)


@dataclass(frozen=True)
class LeafScores:
    value: dict[str, Array]  # leaf code -> value used (after imputation, before winsorising)
    score: dict[str, Array]
    imputed: dict[str, Mask]
    winsorised: dict[str, Mask]


# ---------------------------------------------------------------------------- inputs


def prepare(
    indicator_values: pd.DataFrame, units: pd.DataFrame, scheme: Scheme, period: str
) -> Inputs:
    """Validate and align the long-form values (InputError on bad input)."""
    if scheme.kind is not SchemeKind.COMPOSITE:
        msg = "is a checklist: assess it with assess_checklist, not evaluate"
        raise InputError([Problem(scheme.name, None, None, msg)])
    _check_frames(indicator_values, units, scheme.peer_column)
    target = _parse_period(period)
    codes = units["unit_code"].astype(str).to_numpy(dtype=object)
    # Units without a peer group (province and city offices) share the empty label.
    labels = units[scheme.peer_column].fillna("").astype(str).to_numpy(dtype=object)
    peer = pd.factorize(labels)[0].astype(np.int64)
    sizes = np.bincount(peer)[peer].astype(np.int64) if peer.size else peer
    values = indicator_values.loc[
        indicator_values["indicator"].isin(scheme.indicator_codes()), list(VALUE_COLUMNS)
    ]
    text = {c: str for c in VALUE_COLUMNS[:3] if values[c].dtype != "str"}
    values = values.astype(text) if text else values.copy()
    values["value"] = pd.to_numeric(values["value"], errors="coerce").astype(np.float64)
    here = values[values["period"] == target.key]
    if here.empty and not values.empty:
        msg = f"no values of the scheme's indicators for period {target.key}"
        raise InputError([Problem("indicator values", None, "period", msg)])
    raw = _aligned(here, codes, scheme)
    earlier = _aligned(_latest_earlier(values, target), codes, scheme)
    everyone = np.zeros(codes.size, dtype=np.int64)
    widened = sizes < scheme.peer_min_size
    return Inputs(codes, labels, peer, everyone, raw, earlier, widened, sizes)


def _parse_period(period: str) -> Period:
    try:
        return Period.parse(period)
    except ValueError as exc:
        raise InputError([Problem("period", None, None, f"{period!r}: {exc}")]) from None


def _check_frames(values: pd.DataFrame, units: pd.DataFrame, peer_column: str) -> None:
    problems = [
        Problem("indicator values", None, col, "missing column")
        for col in VALUE_COLUMNS
        if col not in values.columns
    ]
    problems += [
        Problem("units", None, col, "missing column")
        for col in ("unit_code", peer_column)
        if col not in units.columns
    ]
    if problems:
        raise InputError(problems)
    # Row numbers as in the CSV the frames came from: header row 1, first data row 2.
    codes = units["unit_code"].astype(str).tolist()
    problems += [
        Problem("units", int(i) + 2, "unit_code", f"duplicate unit code {codes[i]!r}")
        for i in np.flatnonzero(units["unit_code"].astype(str).duplicated().to_numpy())
    ]
    keys = values[["unit_code", "period", "indicator"]].astype(str)
    twice = np.flatnonzero(keys.duplicated().to_numpy())
    rows = keys.iloc[twice].to_numpy().tolist()
    problems += [
        Problem("indicator values", int(i) + 2, None, f"duplicate value for {tuple(row)}")
        for i, row in zip(twice, rows, strict=True)
    ]
    given = values["value"]
    if given.dtype.kind not in "fiub":  # numbers need no check
        bad = np.flatnonzero(
            (pd.to_numeric(given, errors="coerce").isna() & given.notna()).to_numpy()
        )
        raw = given.iloc[bad].tolist()
        problems += [
            Problem("indicator values", int(i) + 2, "value", f"{r!r} is not a number")
            for i, r in zip(bad, raw, strict=True)
        ]
    if problems:
        raise InputError(problems)


def _latest_earlier(values: pd.DataFrame, target: Period) -> pd.DataFrame:
    """Each unit's latest value from an earlier period of the same kind (for last-period fill)."""
    periods = values["period"].drop_duplicates()
    same_kind = [p for p in periods if _kind(p) == target.kind and p < target.key]
    if not same_kind:
        return values.iloc[0:0]
    earlier = values[values["period"].isin(same_kind) & values["value"].notna()]
    return earlier.sort_values("period").drop_duplicates(["unit_code", "indicator"], keep="last")


def _kind(key: str) -> str | None:
    try:
        return Period.parse(key).kind
    except ValueError:
        return None


def _aligned(
    values: pd.DataFrame, codes: npt.NDArray[np.object_], scheme: Scheme
) -> dict[str, Array]:
    # (unit, indicator) pairs are unique (checked); values of other units are left out.
    indicators = scheme.indicator_codes()
    row = pd.Index(codes).get_indexer(pd.Index(values["unit_code"]))
    col = pd.Index(indicators).get_indexer(pd.Index(values["indicator"]))
    keep = (row >= 0) & (col >= 0)
    wide = np.full((len(indicators), codes.size), np.nan)
    wide[col[keep], row[keep]] = values["value"].to_numpy(dtype=np.float64)[keep]
    return dict(zip(indicators, wide, strict=True))


# ---------------------------------------------------------------------------- leaves


def score_leaves(inputs: Inputs, scheme: Scheme, options: ScoringOptions) -> LeafScores:
    """Impute, winsorise and normalise every leaf column.

    Imputation draws on the peer group, winsorisation and normalisation on the level's scope;
    a unit of a small peer group gets each from all units instead (``Inputs.comparison``).
    """
    out = LeafScores({}, {}, {}, {})
    for leaf in scheme.leaves():
        assert leaf.indicator is not None
        policy = scheme.policy_for(leaf)
        raw = inputs.raw[leaf.indicator]
        how = options.imputation or policy.missing.imputation
        earlier = inputs.earlier[leaf.indicator]
        value = inputs.comparison(Within.PEER, partial(_impute, raw, earlier=earlier, how=how))
        method = leaf_method(scheme, leaf, options.normalisation or policy.normalisation.method)
        treat = partial(_treat, value, leaf=leaf, scheme=scheme, method=method)
        # Columns: score, winsorised (0/1); each unit's row from its comparison group.
        score, hit = inputs.comparison(policy.normalisation.within, treat).T
        out.score[leaf.code] = score
        out.value[leaf.code] = value
        out.imputed[leaf.code] = np.isnan(raw) & ~np.isnan(value)
        out.winsorised[leaf.code] = hit > 0
    return out


def _treat(
    value: Array, groups: Groups, *, leaf: Node, scheme: Scheme, method: NormMethod
) -> Array:
    """Winsorise and normalise one leaf within ``groups``: (N, 2) score and winsorised (0/1)."""
    policy = scheme.policy_for(leaf)
    norm, win = policy.normalisation, policy.winsorise
    treated, hit = winsorise_groups(
        value, groups, max_points=win.max_points, skew_limit=win.skew, kurt_limit=win.kurtosis
    )
    score = normalise(
        treated,
        groups,
        method=method,
        direction=leaf.leaf_direction,
        low=norm.low,
        high=norm.high,
        posts=leaf.goalposts,
        goal=leaf.target,
        band=leaf.range,
    )
    return np.column_stack([score, hit.astype(np.float64)])


def _impute(raw: Array, groups: Groups, *, earlier: Array, how: Imputation) -> Array:
    if how is Imputation.PEER_MEAN:
        return impute_peer(raw, groups, median=False)
    if how is Imputation.PEER_MEDIAN:
        return impute_peer(raw, groups, median=True)
    if how is Imputation.LAST_PERIOD:
        return impute_last(raw, earlier)
    return raw


# ---------------------------------------------------------------------------- the tree


def child_weights(scheme: Scheme, options: ScoringOptions) -> dict[str, Array]:
    """Aggregate code -> its children's weights (k,), with the options' overrides."""
    return {
        node.code: np.array(
            [options.weights.get(c.code, c.weight) for c in node.children], dtype=np.float64
        )
        for node, _ in scheme.nodes()
        if not node.is_leaf
    }


def aggregate_tree(
    scheme: Scheme,
    leaf_scores: Mapping[str, Array],
    weights: Mapping[str, Array],
    *,
    method: AggMethod | None = None,
) -> tuple[dict[str, Array], dict[str, Array]]:
    """Scores (N, R) of every node and coverage of every aggregate, bottom-up.

    ``leaf_scores`` are (N, R) or (N, 1); ``weights`` hold (R, k) or (k,) per aggregate.
    """
    scores: dict[str, Array] = dict(leaf_scores)
    coverage: dict[str, Array] = {}
    for node, depth in reversed(scheme.nodes()):
        if node.is_leaf:
            continue
        policy = scheme.policy_for(node, depth)
        w = np.atleast_2d(weights[node.code])
        scores[node.code], coverage[node.code] = aggregate(
            [scores[c.code] for c in node.children],
            w,
            method=method or policy.aggregation,
            min_coverage=policy.missing.min_coverage,
        )
    return scores, coverage


# ---------------------------------------------------------------------------- evaluate


def evaluate(
    indicator_values: pd.DataFrame,
    units: pd.DataFrame,
    scheme: Scheme,
    period: str,
    *,
    options: ScoringOptions | None = None,
) -> pd.DataFrame:
    """Score, aggregate, rank and colour every unit for ``period``: one row per unit × node.

    >>> import pandas as pd
    >>> from grassroots.engine.scheme import load_scheme
    >>> values = pd.DataFrame({"unit_code": ["a", "b", "a", "b"], "period": "2024",
    ...     "indicator": ["clearance_rate", "clearance_rate", "disposition_time",
    ...     "disposition_time"], "value": [90.0, 110.0, 300.0, 200.0]})
    >>> units = pd.DataFrame({"unit_code": ["a", "b"], "peer_group": "c1"})
    >>> r = evaluate(values, units, load_scheme("cepej"), "2024")
    >>> r[r.node == "cepej"][["unit_code", "rank_peer", "colour"]].values.tolist()
    [['a', 2, 'red'], ['b', 1, 'green']]
    """
    options = options or ScoringOptions()
    inputs = prepare(indicator_values, units, scheme, period)
    leaves = score_leaves(inputs, scheme, options)
    leaf_cols = {code: s[:, None] for code, s in leaves.score.items()}
    scores, coverage = aggregate_tree(
        scheme, leaf_cols, child_weights(scheme, options), method=options.aggregation
    )
    return _assemble(scheme, inputs, leaves, scores, coverage, period)


@dataclass(frozen=True)
class _Table:
    """Units × nodes matrices of one evaluation, columns in tree order."""

    score: Array
    value: Array
    rank_peer: Array
    rank_all: Array
    n_peer: Array
    n_all: Array


def _assemble(
    scheme: Scheme,
    inputs: Inputs,
    leaves: LeafScores,
    scores: Mapping[str, Array],
    coverage: Mapping[str, Array],
    period: str,
) -> pd.DataFrame:
    nodes = scheme.nodes()
    score = np.column_stack([scores[n.code][:, 0] for n, _ in nodes])
    value = np.column_stack(
        [leaves.value.get(n.code, score[:, i]) for i, (n, _) in enumerate(nodes)]
    )
    table = _Table(
        score=score,
        value=value,
        rank_peer=inputs.comparison(Within.PEER, lambda g: rank_desc(score, g)),
        rank_all=rank_desc(score, inputs.everyone),
        n_peer=inputs.comparison(Within.PEER, lambda g: ranked_counts(score, g)),
        n_all=ranked_counts(score, inputs.everyone),
    )
    n, m = score.shape
    colour: list[str] = []
    flags: list[str] = []
    why: list[str] = []
    for i, (node, depth) in enumerate(nodes):
        codes, texts = _node_colours(scheme, node, depth, i, table, inputs, coverage)
        colour += [COLOUR_NAMES[c] for c in codes.tolist()]
        flags += _flags(node, leaves, coverage, score[:, i])
        why += texts
    # One frame for all nodes, node by node in tree order (units in their order within each).
    return pd.DataFrame(
        {
            "unit_code": np.tile(inputs.units, m),
            "period": np.full(n * m, period, dtype=object),
            "node": np.repeat(np.array([node.code for node, _ in nodes], dtype=object), n),
            "level": np.repeat(np.array([node.level for node, _ in nodes], dtype=object), n),
            "value": value.T.ravel(),
            "score": score.T.ravel(),
            "rank_peer": int_ranks(table.rank_peer.T.ravel()),
            "rank_all": int_ranks(table.rank_all.T.ravel()),
            "colour": colour,
            "flags": flags,
            "why": why,
            "peer_group": np.tile(inputs.peer_labels, m),
            "depth": np.repeat(np.array([depth for _, depth in nodes], dtype=np.int64), n),
        }
    )


def _node_colours(
    scheme: Scheme,
    node: Node,
    depth: int,
    i: int,
    table: _Table,
    inputs: Inputs,
    coverage: Mapping[str, Array],
) -> tuple[npt.NDArray[np.int8], list[str]]:
    """Colour codes and why texts of one node's column."""
    policy = scheme.policy_for(node, depth)
    spec = policy.colour
    peer_scope = spec.within is Within.PEER
    rank = (table.rank_peer if peer_scope else table.rank_all)[:, i]
    count = (table.n_peer if peer_scope else table.n_all)[:, i]
    score, value = table.score[:, i], table.value[:, i]
    codes = colour_codes(spec, score=score, value=value, rank=rank, count=count, band=node.range)
    why = why_texts(
        spec,
        codes,
        score=score,
        value=value,
        rank=rank,
        count=count,
        groups=inputs.peer_labels.tolist(),
        band=node.range,
        small=_small_groups(inputs, peer_scope or policy.normalisation.within is Within.PEER),
        min_size=scheme.peer_min_size,
    )
    if not node.is_leaf:
        why = _coverage_note(why, coverage[node.code][:, 0], policy.missing.min_coverage)
    return codes, why


def _small_groups(inputs: Inputs, peer_scoped: bool) -> list[int | None]:
    """Per unit, the size of its peer group when it was too small to compare within (None when
    the unit was compared within its own peer group, or nothing here is peer-scoped)."""
    if not peer_scoped:
        return [None] * inputs.units.size
    return [
        int(n) if w else None
        for n, w in zip(inputs.peer_sizes.tolist(), inputs.widened.tolist(), strict=True)
    ]


def int_ranks(ranks: Array) -> pd.Series:
    """Ranks as nullable integers (a missing score has no rank)."""
    return pd.Series(ranks, dtype="Float64").astype("Int64")


def _flags(
    node: Node, leaves: LeafScores, coverage: Mapping[str, Array], score: Array
) -> list[str]:
    missing = np.isnan(score)
    if node.is_leaf:
        marks = [
            (missing, Flag.MISSING),
            (leaves.imputed[node.code], Flag.IMPUTED),
            (leaves.winsorised[node.code], Flag.WINSORISED),
        ]
    else:
        cover = coverage[node.code][:, 0]
        imputed = np.zeros(score.size, dtype=np.bool_)
        for leaf, _ in node.walk():
            if leaf.is_leaf:
                imputed |= leaves.imputed[leaf.code]
        marks = [
            (missing, Flag.MISSING),
            (missing & (cover > 0), Flag.LOW_COVERAGE),
            (~missing & (cover < 1 - 1e-12), Flag.PARTIAL),
            (imputed & ~missing, Flag.IMPUTED),
        ]
    # Each cell's set of marks as a bit pattern, its text looked up (marks in the order above).
    pattern = np.zeros(score.size, dtype=np.int64)
    for bit, (mask, _) in enumerate(marks):
        pattern |= mask.astype(np.int64) << bit
    texts = [
        ",".join(flag.value for bit, (_, flag) in enumerate(marks) if combo >> bit & 1)
        for combo in range(1 << len(marks))
    ]
    out: list[str] = np.array(texts, dtype=object)[pattern].tolist()
    return out


def _coverage_note(why: list[str], cover: Array, minimum: float) -> list[str]:
    return [
        f"{w}; only {c:.0%} of the weight has data (needs {minimum:.0%})"
        if c < minimum - 1e-12 and c > 0
        else w
        for w, c in zip(why, cover, strict=True)
    ]
