"""Three-colour rules: rank tiers, threshold legends and reasonable ranges, with a `why` text.

Colours are computed as small integer codes over (units, R) arrays so the uncertainty analysis
can colour every replication at once; ``COLOURS[code]`` is the Colour.

>>> import numpy as np
>>> from grassroots.engine.scheme import ColourSpec
>>> spec = ColourSpec(rule="rank_tiers", top=0.3, bottom=0.3)
>>> ranks = np.array([[1.0], [5.0], [9.0], [np.nan]])
>>> codes = colour_codes(spec, score=ranks, value=ranks, rank=ranks, count=np.full((4, 1), 10.0))
>>> [COLOURS[c].value for c in codes.ravel()]
['green', 'yellow', 'red', 'grey']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from grassroots.engine.scheme import Colour, ColourRule, ColourSpec, ReasonableRange, Within

Array = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int8]

COLOURS: tuple[Colour, ...] = (Colour.NONE, Colour.GREEN, Colour.YELLOW, Colour.RED, Colour.GREY)
CODE = {colour: np.int8(i) for i, colour in enumerate(COLOURS)}


def tier_sizes(spec: ColourSpec, count: Array) -> tuple[Array, Array]:
    """How many ranks are green and red out of ``count`` ranked units (rounded up, green first)."""
    green = np.ceil(spec.top * count - 1e-9)
    red = np.minimum(np.ceil(spec.bottom * count - 1e-9), count - green)
    return green, red


def colour_codes(
    spec: ColourSpec,
    *,
    score: Array,
    value: Array,
    rank: Array,
    count: Array,
    band: ReasonableRange | None = None,
) -> Codes:
    """Colour codes for every cell; ``rank``/``count`` are the rank and ranked units in the
    spec's ``within`` scope (peer group or all)."""
    if spec.rule is ColourRule.NONE:
        return np.zeros(score.shape, dtype=np.int8)
    if spec.rule is ColourRule.RANK_TIERS:
        green, red = tier_sizes(spec, count)
        out = np.where(rank <= green, CODE[Colour.GREEN], CODE[Colour.YELLOW])
        out = np.where(rank > count - red, CODE[Colour.RED], out)
        missing = np.isnan(rank)
    else:
        x = value if spec.on == "value" else score
        out = _legend(spec, x) if spec.rule is ColourRule.THRESHOLDS else _range(spec, x, band)
        missing = np.isnan(x)
    return np.where(missing, CODE[spec.no_data], out).astype(np.int8)


def _legend(spec: ColourSpec, x: Array) -> Codes:
    # Bands are contiguous (checked at load): the edges between them split the line.
    edges = np.array([b.end for b in spec.bands[:-1]], dtype=np.float64)
    colours = np.array([CODE[b.colour] for b in spec.bands], dtype=np.int8)
    idx = np.searchsorted(edges, x, side="right")
    out = colours[np.minimum(idx, len(colours) - 1)]
    first, last = spec.bands[0].start, spec.bands[-1].end
    outside = np.zeros(x.shape, dtype=np.bool_)
    if first is not None:
        outside |= x < first
    if last is not None:
        outside |= x > last  # the last band includes its upper end
    return np.where(outside, CODE[Colour.GREY], out).astype(np.int8)


def range_bounds(spec: ColourSpec, band: ReasonableRange | None) -> tuple[float, float, float]:
    low = spec.low if spec.low is not None else band.low if band else None
    high = spec.high if spec.high is not None else band.high if band else None
    if low is None or high is None:
        raise ValueError("a range colour rule needs low/high (or a leaf range)")
    margin = spec.margin if spec.margin is not None else band.distance if band else high - low
    return low, high, margin


def _range(spec: ColourSpec, x: Array, band: ReasonableRange | None) -> Codes:
    low, high, margin = range_bounds(spec, band)
    outside = np.maximum(low - x, x - high)
    out = np.where(outside <= 0, CODE[Colour.GREEN], CODE[Colour.YELLOW])
    return np.where(outside > margin, CODE[Colour.RED], out).astype(np.int8)


# ---------------------------------------------------------------------------- why texts


def _num(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def why_texts(
    spec: ColourSpec,
    codes: Codes,
    *,
    score: Array,
    value: Array,
    rank: Array,
    count: Array,
    groups: Sequence[str],
    band: ReasonableRange | None = None,
) -> list[str]:
    """One short English sentence per cell (1-D arrays) saying why it got its colour."""
    labels = [c.value or "no colour" for c in COLOURS]
    names = [labels[c] for c in codes.tolist()]
    if spec.rule is ColourRule.NONE:
        return ["not coloured by this scheme"] * len(names)
    if spec.rule is ColourRule.RANK_TIERS:
        return _why_tiers(spec, names, rank, count, groups)
    x = value if spec.on == "value" else score
    if spec.rule is ColourRule.THRESHOLDS:
        return [_why_band(spec, v, n) for v, n in zip(x.tolist(), names, strict=True)]
    low, high, margin = range_bounds(spec, band)
    return [
        _why_range(spec.on, v, n, low, high, margin) for v, n in zip(x.tolist(), names, strict=True)
    ]


def _why_tiers(
    spec: ColourSpec, names: list[str], rank: Array, count: Array, groups: Sequence[str]
) -> list[str]:
    green, red = tier_sizes(spec, count)
    tiers = np.where(rank <= green, f"top {spec.top:.0%}", "middle")
    tiers = np.where(rank > count - red, f"bottom {spec.bottom:.0%}", tiers)
    peer = spec.within is Within.PEER
    out = []
    for r, k, t, g, n in zip(
        rank.tolist(), count.tolist(), tiers.tolist(), groups, names, strict=True
    ):
        if math.isnan(r):
            out.append(f"no data → {n}")
        else:
            where = f"in peer group {g}" if peer else "of all units"
            out.append(f"rank {int(r)} of {int(k)} {where}: {t} → {n}")
    return out


def _why_band(spec: ColourSpec, x: float, name: str) -> str:
    if math.isnan(x):
        return f"no data → {name}"
    last = len(spec.bands) - 1
    for i, b in enumerate(spec.bands):
        above = b.start is None or x >= b.start
        below = b.end is None or x < b.end or (i == last and x <= b.end)
        if above and below:
            lo = "-∞" if b.start is None else _num(b.start)
            hi = "∞" if b.end is None else _num(b.end)
            close = "]" if i == last else ")"
            return f"{spec.on} {_num(x)} in [{lo}, {hi}{close} → {name}"
    return f"{spec.on} {_num(x)} outside the legend → {name}"


def _why_range(on: str, x: float, name: str, low: float, high: float, margin: float) -> str:
    if math.isnan(x):
        return f"no data → {name}"
    span = f"{_num(low)}–{_num(high)}"
    if low <= x <= high:
        return f"{on} {_num(x)} inside reasonable range {span} → {name}"
    off, side = (low - x, "below") if x < low else (x - high, "above")
    return f"{on} {_num(x)} is {_num(off)} {side} range {span} (margin {_num(margin)}) → {name}"
