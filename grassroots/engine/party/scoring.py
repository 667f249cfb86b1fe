"""Scoring a party scheme: the weight tree, deductions and floors, months into quarters, ranks
and the three colours with their reasons.

Each subject (a unit, a department or a person) is scored month by month from its leaves'
inputs: a ``tasks`` leaf earns ``weight × earned / possible`` of the reviewer's task points; a
``deduction`` leaf keeps ``weight − deducted``, never less than its floor. A tasks leaf with no
task points possible in the month was not assessed: it is left out, and the total is the points
of what was assessed scaled to the scheme's total (so a subject is not marked down for work it
was not given); a subject given no task at all has no total. A quarter is made of its months (the scheme's ``quarter``: mean, sum, last).

>>> s = parse_party_scheme(SAMPLE)
>>> r = score_subject(s, {"business": LeafInput(60, 80), "tasks": LeafInput(4, 4),
...                       "discipline": LeafInput(deducted=12), "affairs": LeafInput(9, 10)})
>>> r.points["business"], r.points["discipline"], r.points["team"], r.total
(56.25, 0.0, 5.0, 70.25)
>>> standings(s.colour, {"a": 90.0, "b": 80.0, "c": None})["b"].colour
'green'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from grassroots.engine.colours import COLOURS, Reason, colour_codes, english_text, why_reasons
from grassroots.engine.party.scheme import SAMPLE, Node, NodeKind, PartyColour, PartyScheme
from grassroots.engine.party.scheme import parse_party_scheme as parse_party_scheme

__all__ = ["SAMPLE", "LeafInput", "Scored", "Standing", "accumulate", "rank_of", "standings"]


@dataclass(frozen=True)
class LeafInput:
    """What a leaf is scored from in one month: task points earned and possible (tasks), or
    the points deducted (deduction)."""

    earned: float = 0.0
    possible: float = 0.0
    deducted: float = 0.0


@dataclass(frozen=True)
class Scored:
    """One subject's points per node code (None: not assessed) and its total."""

    points: dict[str, float | None]
    total: float | None
    assessed_weight: float


def _r(x: float) -> float:
    return round(x + 0.0, 4)


def score_subject(scheme: PartyScheme, inputs: Mapping[str, LeafInput]) -> Scored:
    """The subject's points on every node of the tree and its total."""
    points: dict[str, float | None] = {}
    assessed: dict[str, float] = {}

    def walk(node: Node) -> tuple[float | None, float]:
        kind = node.resolved_kind
        if kind is NodeKind.GROUP:
            parts = [walk(c) for c in node.children]
            got = [p for p, _ in parts if p is not None]
            weight = sum(w for _, w in parts)
            value = _r(sum(got)) if got else None
        elif kind is NodeKind.DEDUCTION:
            given = inputs.get(node.code, LeafInput())
            floor = node.floor if node.floor is not None else 0.0
            value, weight = _r(max(node.weight - given.deducted, floor)), node.weight
        else:
            given = inputs.get(node.code, LeafInput())
            if given.possible <= 0:
                value, weight = None, 0.0
            else:
                share = min(max(given.earned / given.possible, 0.0), 1.0)
                value, weight = _r(node.weight * share), node.weight
        points[node.code] = value
        assessed[node.code] = weight
        return value, weight

    results = [walk(n) for n in scheme.tree]
    weight = sum(w for _, w in results)
    got = sum(p for p, _ in results if p is not None)
    given = any(
        inputs.get(n.code, LeafInput()).possible > 0
        for n in scheme.leaves()
        if n.resolved_kind is NodeKind.TASKS
    )
    # Nothing was asked of the subject: no total (grey), not the full marks of its deductions.
    total = _r(got * scheme.total / weight) if weight > 0 and given else None
    return Scored(points=points, total=total, assessed_weight=weight)


How = Literal["mean", "sum", "last"]


def accumulate(months: Sequence[Mapping[str, float | None]], how: How) -> dict[str, float | None]:
    """A quarter (or any span) from its months, key by key, months in order; a month without a
    value for a key is left out of that key.

    >>> accumulate([{"t": 80.0}, {"t": None}, {"t": 90.0}], "mean")
    {'t': 85.0}
    >>> accumulate([{"t": 80.0}, {"t": 70.0}, {"t": None}], "last")
    {'t': 70.0}
    """
    keys: list[str] = []
    for month in months:
        keys += [k for k in month if k not in keys]
    out: dict[str, float | None] = {}
    for key in keys:
        values = [m[key] for m in months if m.get(key) is not None]
        if not values:
            out[key] = None
        elif how == "sum":
            out[key] = _r(sum(values))  # type: ignore[arg-type]
        elif how == "last":
            out[key] = values[-1]
        else:
            out[key] = _r(sum(values) / len(values))  # type: ignore[arg-type]
    return out


def rank_of(totals: Mapping[str, float | None]) -> dict[str, int | None]:
    """Ranks by total, highest first; equal totals (to 2 decimals) share the better rank.

    >>> rank_of({"a": 90.0, "b": 95.0, "c": 90.004, "d": None})
    {'a': 2, 'b': 1, 'c': 2, 'd': None}
    """
    scored = {k: round(v, 2) for k, v in totals.items() if v is not None}
    values = sorted(scored.values(), reverse=True)
    return {k: (values.index(scored[k]) + 1 if k in scored else None) for k in totals}


@dataclass(frozen=True)
class Standing:
    rank: int | None
    count: int
    colour: str  # green | yellow | red | grey
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def why(self) -> str:
        """The English sentence of the reasons (what is stored beside the colour)."""
        return "; ".join(
            rank_band_english(r) if r.key == "rank_band" else english_text([r])
            for r in self.reasons
        )


RANK_BAND_ENGLISH = "rank {rank} of {count}: ranks {lo}–{hi} → {colour}"
RANK_BAND_OPEN_ENGLISH = "rank {rank} of {count}: ranks {lo} and after → {colour}"


def rank_band_english(reason: Reason) -> str:
    p = reason.params
    text = RANK_BAND_OPEN_ENGLISH if not p.get("hi") else RANK_BAND_ENGLISH
    return text.format(**p)


def standings(colour: PartyColour, totals: Mapping[str, float | None]) -> dict[str, Standing]:
    """Each subject's rank among ``totals`` and its colour by the scheme's rule, with why.

    Rank bands: the first band whose ``upto`` holds the rank; thresholds: the engine's legend
    (``grassroots.engine.colours``). No total: grey, no rank.
    """
    ranks = rank_of(totals)
    count = sum(1 for v in totals.values() if v is not None)
    if colour.rule == "rank_bands":
        return {k: _by_rank(colour, ranks[k], count) for k in totals}
    keys = list(totals)
    x = np.array([[math.nan if totals[k] is None else totals[k]] for k in keys], dtype=np.float64)
    spec = colour.spec()
    codes = colour_codes(spec, score=x, value=x, rank=x, count=x)
    reasons = why_reasons(
        spec, codes.ravel(), score=x.ravel(), value=x.ravel(), rank=x.ravel(),
        count=x.ravel(), groups=[""] * len(keys),
    )  # fmt: skip
    return {
        k: Standing(ranks[k], count, COLOURS[c].value or "grey", (reason,))
        for k, c, reason in zip(keys, codes.ravel().tolist(), reasons, strict=True)
    }


def _by_rank(colour: PartyColour, rank: int | None, count: int) -> Standing:
    if rank is None:
        return Standing(None, count, "grey", (Reason("no_data", {"colour": "grey"}),))
    lo = 1
    for band in colour.bands:
        if band.upto is None or rank <= band.upto:
            params = {
                "rank": str(rank),
                "count": str(count),
                "lo": str(lo),
                "hi": "" if band.upto is None else str(band.upto),
                "colour": band.colour.value,
            }
            return Standing(rank, count, band.colour.value, (Reason("rank_band", params),))
        lo = band.upto + 1
    return Standing(rank, count, "grey", (Reason("no_data", {"colour": "grey"}),))
