"""A gamed case-to-procedure ratio: the ratio improves because the events it counts vanish.

The case-to-procedure ratio (案-件比) counts every extra procedure a case goes through: returns
for supplementary investigation, extensions of the review period, and so on. A unit can improve
it honestly (fewer needless remands) or by no longer recording the remands and extensions it
still makes. The second shows as a sharp improvement against the unit's own history *and* a fall
in the counted events far below both the unit's own norm and what its peers record this period.
A real improvement is gradual and leaves the unit near its peers; a unit that has always been
low is not flagged because its own norm is low too.

Pure: takes indicator values as a long frame, returns one row per suspicious unit with the
numbers that make the case (the evidence).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from grassroots.engine.scheme import WarningRules

RATIO = "case_procedure_ratio"
COUNTED = ("remand_rate", "extension_rate")  # the events the ratio counts, as rates


@dataclass(frozen=True)
class GamingSign:
    """One suspicious unit and period, with its evidence."""

    unit_code: str
    period: str
    ratio: float  # this period
    ratio_norm: float  # median of the unit's previous periods
    events: float  # remand + extension rate this period
    events_norm: float  # the unit's own median of previous periods
    events_peers: float  # the peers' median this period (the unit left out)
    history: tuple[str, ...]  # the periods the norm was taken over

    @property
    def ratio_fall(self) -> float:
        return (self.ratio_norm - self.ratio) / self.ratio_norm

    def evidence(self) -> dict[str, object]:
        return {
            "ratio": round(self.ratio, 3),
            "ratio_norm": round(self.ratio_norm, 3),
            "ratio_fall": round(self.ratio_fall, 3),
            "events": round(self.events, 2),
            "events_norm": round(self.events_norm, 2),
            "events_peers": round(self.events_peers, 2),
            "history": list(self.history),
        }


def gaming_signs(
    values: pd.DataFrame, units: pd.DataFrame, *, period: str, rules: WarningRules
) -> list[GamingSign]:
    """Units whose ratio improved sharply at ``period`` while the events it counts fell far below
    their own norm and their peers'.

    ``values``: ``unit_code, period, indicator, value`` for ``period`` and earlier periods (the
    norm is the median of the ``rules.gaming_history`` periods before ``period``; a unit with
    fewer than two of them is not judged). ``units``: ``unit_code, peer_group``.

    >>> rows = [(u, p, i, v) for u in "abc" for p in ("2024Q1", "2024Q2", "2024Q3")
    ...         for i, v in (("case_procedure_ratio", 1.5), ("remand_rate", 15),
    ...                      ("extension_rate", 15))] + [
    ...     ("a", "2024Q4", "case_procedure_ratio", 1.2), ("a", "2024Q4", "remand_rate", 1),
    ...     ("a", "2024Q4", "extension_rate", 1)] + [
    ...     (u, "2024Q4", i, v) for u in ("b", "c") for i, v in
    ...     (("case_procedure_ratio", 1.5), ("remand_rate", 15), ("extension_rate", 15))]
    >>> values = pd.DataFrame(rows, columns=["unit_code", "period", "indicator", "value"])
    >>> units = pd.DataFrame({"unit_code": ["a", "b", "c"], "peer_group": "x"})
    >>> [s.unit_code for s in gaming_signs(values, units, period="2024Q4", rules=WarningRules())]
    ['a']
    """
    wide = _wide(values)
    if wide.empty or period not in wide.index.get_level_values("period"):
        return []
    periods = sorted(p for p in wide.index.get_level_values("period").unique() if p < period)
    history = tuple(periods[-rules.gaming_history :])
    now = wide.xs(period, level="period")
    past = wide[wide.index.get_level_values("period").isin(history)]
    norm = past.groupby(level="unit_code").median()
    seen = past.groupby(level="unit_code").size()
    peers = dict(zip(units["unit_code"].astype(str), units["peer_group"].astype(str), strict=True))
    found = []
    for code, row in now.iterrows():
        code = str(code)
        if seen.get(code, 0) < 2 or code not in norm.index or code not in peers:
            continue
        mates = [c for c, g in peers.items() if g == peers[code] and c != code and c in now.index]
        events: pd.Series = now["events"].reindex(mates)
        own = norm.loc[code]
        sign = _judge(code, period, row, pd.Series(own), events, history)
        if sign is not None and _flagged(sign, rules):
            found.append(sign)
    return found


def _wide(values: pd.DataFrame) -> pd.DataFrame:
    """``ratio`` and ``events`` (the counted rates summed) per unit and period."""
    wanted = values[values["indicator"].isin((RATIO, *COUNTED))]
    table = wanted.pivot_table(
        index=["unit_code", "period"], columns="indicator", values="value", aggfunc="first"
    )
    if any(c not in table.columns for c in (RATIO, *COUNTED)):
        return pd.DataFrame()
    out = pd.DataFrame(
        {"ratio": table[RATIO], "events": table[list(COUNTED)].sum(axis=1, min_count=2)}
    )
    return out.dropna()


def _judge(
    code: str,
    period: str,
    now: pd.Series,
    norm: pd.Series,
    peers: pd.Series,
    history: Sequence[str],
) -> GamingSign | None:
    if peers.empty or not norm["ratio"] > 0:
        return None
    return GamingSign(
        unit_code=code,
        period=period,
        ratio=float(now["ratio"]),
        ratio_norm=float(norm["ratio"]),
        events=float(now["events"]),
        events_norm=float(norm["events"]),
        events_peers=float(peers.median()),
        history=tuple(history),
    )


def _flagged(sign: GamingSign, rules: WarningRules) -> bool:
    return (
        sign.ratio_fall >= rules.gaming_ratio_fall
        and sign.events <= rules.gaming_events_share * sign.events_norm
        and sign.events <= rules.gaming_peer_share * sign.events_peers
    )
