"""Why is a unit above or below its peers? Each indicator's share of the gap to the peer median.

For a unit and an aggregate (aspect or whole) the gap is the unit's score minus the median score
of its peer group. The reference is the peer group's median unit (the mean of the two middle
units when the group is even), so the gap splits exactly into one term per indicator:

    contribution = effective weight × score (unit)  −  the same for the median unit(s)

where an indicator's effective weight is the product of the normalised weights on its path to
the aggregate, among the children with data. With arithmetic aggregation the contributions sum to
the gap exactly; with geometric or harmonic aggregation they are the weighted score differences,
an approximation of how the gap arises.

``element_records`` goes one step further down: the case rows behind one element value.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from grassroots.engine import expressions
from grassroots.engine.cases import CaseTables
from grassroots.engine.catalogue import Catalogue
from grassroots.engine.inputs import ident, quote
from grassroots.engine.periods import Period
from grassroots.engine.scheme import Node, Scheme

Array = npt.NDArray[np.float64]


def explain_gaps(result: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Per unit × aggregate × indicator: ``contribution`` to the unit's ``gap`` to its peer median.

    ``result`` is the output of ``evaluate`` (one or more periods). Columns: ``unit_code, period,
    aspect, indicator, contribution, gap``; units without a score for the aggregate are left out.

    >>> import pandas as pd
    >>> from grassroots.engine.scheme import load_scheme
    >>> from grassroots.engine.scoring import evaluate
    >>> values = pd.DataFrame({"unit_code": list("aabbcc"), "period": "2024",
    ...     "indicator": ["clearance_rate", "disposition_time"] * 3,
    ...     "value": [120.0, 100.0, 100.0, 200.0, 80.0, 150.0]})
    >>> units = pd.DataFrame({"unit_code": list("abc"), "peer_group": "c1"})
    >>> scheme = load_scheme("cepej")
    >>> gaps = explain_gaps(evaluate(values, units, scheme, "2024"), scheme)
    >>> a = gaps[gaps.unit_code == "a"]
    >>> bool(abs(a.contribution.sum() - a.gap.iloc[0]) < 1e-9)
    True
    """
    frames = [
        _explain_period(rows, scheme, period)
        for period, rows in result.groupby(result["period"].astype(str), sort=True)
    ]
    columns = ["unit_code", "period", "aspect", "indicator", "contribution", "gap"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _explain_period(rows: pd.DataFrame, scheme: Scheme, period: str) -> pd.DataFrame:
    scores = rows.pivot(index="unit_code", columns="node", values="score").astype(np.float64)
    if "peer_group" in rows.columns:
        labels = rows.drop_duplicates("unit_code").set_index("unit_code")["peer_group"]
        peers = pd.factorize(labels.reindex(scores.index).fillna("").astype(str))[0]
    else:
        peers = np.zeros(len(scores), dtype=np.int64)
    frames = []
    for node, _ in scheme.nodes():
        if node.is_leaf or node.code not in scores.columns:
            continue
        shares = _effective_weights(node, scores)
        leaves = list(shares)
        weighted = np.column_stack(
            [np.nan_to_num(shares[c] * scores[c].to_numpy(dtype=np.float64)) for c in leaves]
        )
        total = scores[node.code].to_numpy(dtype=np.float64)
        frames.append(_aspect_frame(scores.index, peers, total, weighted, leaves, node, period))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _effective_weights(node: Node, scores: pd.DataFrame) -> dict[str, Array]:
    """Leaf code -> (N,) weight of the leaf in ``node`` for each unit, among children with data."""
    have = {c.code: ~np.isnan(scores[c.code].to_numpy(dtype=np.float64)) for c in node.children}
    total = sum(np.where(have[c.code], c.weight, 0.0) for c in node.children)
    out: dict[str, Array] = {}
    for child in node.children:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(have[child.code] & (total > 0), child.weight / total, 0.0)
        if child.is_leaf:
            out[child.code] = share
        else:
            for leaf, sub in _effective_weights(child, scores).items():
                out[leaf] = share * sub
    return out


def _aspect_frame(
    units: pd.Index,
    peers: npt.NDArray[np.int64],
    total: Array,
    weighted: Array,
    leaves: list[str],
    node: Node,
    period: str,
) -> pd.DataFrame:
    """All peer groups at once: sort by (group, score), pick each group's middle unit(s)."""
    scored = np.flatnonzero(~np.isnan(total))
    order = scored[np.lexsort((total[scored], peers[scored]))]
    groups, start, count = np.unique(peers[order], return_index=True, return_counts=True)
    low = order[start + (count - 1) // 2]
    high = order[start + count // 2]  # the same unit when the group is odd
    reference = (weighted[low] + weighted[high]) / 2  # (groups, leaves)
    median = (total[low] + total[high]) / 2
    slot = np.searchsorted(groups, peers[scored])
    contribution = weighted[scored] - reference[slot]
    k = len(leaves)
    return pd.DataFrame(
        {
            "unit_code": np.repeat(units.to_numpy()[scored], k),
            "period": period,
            "aspect": node.code,
            "indicator": np.tile(leaves, scored.size),
            "contribution": contribution.ravel(),
            "gap": np.repeat(total[scored] - median[slot], k),
        }
    )


# ------------------------------------------------------------------ records behind an element


@dataclass(frozen=True)
class ElementRecords:
    """The case rows one element value of one unit and period was computed from."""

    element: str
    table: str
    rows: pd.DataFrame  # the first ``limit`` rows, every column of the table
    total: int  # all matching rows (the element's value for a count element)


def element_records(
    cases: CaseTables,
    catalogue: Catalogue,
    element: str,
    period: Period | str,
    *,
    unit: str,
    limit: int = 200,
) -> ElementRecords:
    """The rows of the element's table that its rule reads for ``unit`` in ``period``: dated in
    the period and passing its filter (what ``compute_elements`` counts, sums or counts distinct
    values of). ValueError for an element that is reported, not computed from records."""
    rule = catalogue.elements[element].rule
    if rule is None:
        raise ValueError(f"{element} is reported, not computed from case records")
    when = period if isinstance(period, Period) else Period.parse(period)
    if rule.table not in cases.tables:
        return ElementRecords(element, rule.table, pd.DataFrame(), 0)
    where = (
        f"unit_code = {quote(unit)} AND {ident(rule.date)} BETWEEN DATE {quote(when.start.isoformat())} "
        f"AND DATE {quote(when.end.isoformat())} AND ({expressions.to_sql(rule.filter)})"
    )
    with duckdb.connect() as con:
        view = cases.tables[rule.table].register(con)
        source = f"FROM {ident(view)} WHERE {where}"
        total_row = con.execute(f"SELECT count(*) {source}").fetchone()
        rows = con.execute(f"SELECT * {source} ORDER BY {ident(rule.date)} LIMIT {int(limit)}").df()
    return ElementRecords(element, rule.table, rows, int(total_row[0]) if total_row else 0)
