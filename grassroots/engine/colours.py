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

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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
#
# Every reason is a template key and its parameters (``Reason``); the English sentence stored in
# a result's ``why`` is ``english(reason)``. ``parse_why`` turns such a sentence back into its
# reasons, so a reader's language can be chosen when it is shown (the web translates the keys)
# and results stored before reasons existed read the same way. Numbers stay as the engine
# formatted them. Keys and parameters:
#
#   not_coloured                                   not coloured by this scheme
#   no_data        colour                          no data → grey
#   rank_peer      rank count group tier share colour   rank 9 of 10 in peer group 3701: bottom 30% → red
#   rank_all       rank count tier share colour          rank 2 of 150 of all units: top 30% → green
#   band           on x lo hi close colour          value 60 in [60, 80) → yellow
#   outside_legend on x colour                      value 100 outside the legend → grey
#   in_range       on x low high colour             value 30 inside reasonable range 20–40 → green
#   off_range      on x off side low high margin colour  value 45 is 5 above range 20–40 (margin 8) → yellow
#   coverage       share needs                     only 25% of the weight has data (needs 50%)
#   small_peer_group group count min              peer group 3799 has only 2 units (fewer than 5): compared within the province
#
# ``tier`` is top | middle | bottom (``share`` the tier's share, "" for middle); ``side`` is
# below | above; ``colour`` is green | yellow | red | grey | "no colour"; ``on`` is score | value.


@dataclass(frozen=True)
class Reason:
    """One part of a why text: a template key and its (already formatted) parameters."""

    key: str
    params: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "params": dict(self.params)}


_COLOUR = r"(?P<colour>green|yellow|red|grey|no colour)"
_NUM = r"[^\s–\[\]()]+"  # may hold a thousands comma: "12,345"
ENGLISH: dict[str, str] = {
    "not_coloured": "not coloured by this scheme",
    "no_data": "no data → {colour}",
    "rank_peer": "rank {rank} of {count} in peer group {group}: {tier_text} → {colour}",
    "rank_all": "rank {rank} of {count} of all units: {tier_text} → {colour}",
    "band": "{on} {x} in [{lo}, {hi}{close} → {colour}",
    "outside_legend": "{on} {x} outside the legend → {colour}",
    "in_range": "{on} {x} inside reasonable range {low}–{high} → {colour}",
    "off_range": "{on} {x} is {off} {side} range {low}–{high} (margin {margin}) → {colour}",
    "coverage": "only {share} of the weight has data (needs {needs})",
    "small_peer_group": (
        "peer group {group} has only {count} units (fewer than {min}): compared within the province"
    ),
}
_PATTERNS: dict[str, re.Pattern[str]] = {
    "not_coloured": re.compile(r"not coloured by this scheme"),
    "no_data": re.compile(rf"no data → {_COLOUR}"),
    "rank_peer": re.compile(
        rf"rank (?P<rank>\d+) of (?P<count>\d+) in peer group (?P<group>.+): "
        rf"(?P<tier>top|middle|bottom) ?(?P<share>\d+%)? → {_COLOUR}"
    ),
    "rank_all": re.compile(
        rf"rank (?P<rank>\d+) of (?P<count>\d+) of all units: "
        rf"(?P<tier>top|middle|bottom) ?(?P<share>\d+%)? → {_COLOUR}"
    ),
    "band": re.compile(
        rf"(?P<on>score|value) (?P<x>{_NUM}) in \[(?P<lo>{_NUM}), (?P<hi>{_NUM})"
        rf"(?P<close>[\])]) → {_COLOUR}"
    ),
    "outside_legend": re.compile(
        rf"(?P<on>score|value) (?P<x>{_NUM}) outside the legend → {_COLOUR}"
    ),
    "in_range": re.compile(
        rf"(?P<on>score|value) (?P<x>{_NUM}) inside reasonable range (?P<low>{_NUM})–"
        rf"(?P<high>{_NUM}) → {_COLOUR}"
    ),
    "off_range": re.compile(
        rf"(?P<on>score|value) (?P<x>{_NUM}) is (?P<off>{_NUM}) (?P<side>below|above) range "
        rf"(?P<low>{_NUM})–(?P<high>{_NUM}) \(margin (?P<margin>{_NUM})\) → {_COLOUR}"
    ),
    "coverage": re.compile(
        r"only (?P<share>\d+%) of the weight has data \(needs (?P<needs>\d+%)\)"
    ),
    "small_peer_group": re.compile(
        r"peer group (?P<group>.+) has only (?P<count>\d+) units \(fewer than (?P<min>\d+)\): "
        r"compared within the province"
    ),
}
_NOTE_SEPARATOR = "; "


def english(reason: Reason) -> str:
    """The English sentence of one reason (what ``why`` columns hold)."""
    params = dict(reason.params)
    if reason.key in ("rank_peer", "rank_all"):
        share = params.get("share", "")
        params["tier_text"] = f"{params['tier']} {share}" if share else params["tier"]
    return ENGLISH[reason.key].format(**params)


def english_text(reasons: Sequence[Reason]) -> str:
    return _NOTE_SEPARATOR.join(english(r) for r in reasons)


def parse_why(text: str) -> list[Reason] | None:
    """The reasons an engine-written why text says, or None when it is not one (then show the
    text as it is).

    >>> [(r.key, dict(r.params)) for r in parse_why("rank 9 of 10 of all units: bottom 30% → red")]
    [('rank_all', {'rank': '9', 'count': '10', 'tier': 'bottom', 'share': '30%', 'colour': 'red'})]
    >>> parse_why("low remand rate") is None
    True
    """
    parts = text.split(_NOTE_SEPARATOR) if text else []
    reasons = []
    for part in parts:
        reason = _parse_one(part)
        if reason is None:
            return None
        reasons.append(reason)
    return reasons or None


def _parse_one(part: str) -> Reason | None:
    for key, pattern in _PATTERNS.items():
        match = pattern.fullmatch(part)
        if match:
            params = {k: v for k, v in match.groupdict().items() if v is not None}
            if key in ("rank_peer", "rank_all"):
                params.setdefault("share", "")
            return Reason(key, params)
    return None


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
    small: Sequence[int | None] | None = None,
    min_size: int = 0,
) -> list[str]:
    """One short English sentence per cell (1-D arrays) saying why it got its colour.

    ``small`` holds, per cell, the size of a peer group too small to compare within (fewer than
    ``min_size`` units; None otherwise): such a unit was compared among all units, and its
    reason says so first.
    """
    small = small if small is not None else [None] * len(groups)
    if spec.rule is ColourRule.RANK_TIERS:
        # The same few (rank, count, group, colour) cells recur across nodes and periods: their
        # sentences come from a cache instead of a Reason and a format per cell.
        cells = _tier_cells(spec, codes, rank, count, groups, [n is not None for n in small])
        return [
            _tier_english(*cell)
            if n is None or cell[1] < 0
            else _tier_english_widened(cell, g, n, min_size)
            for cell, g, n in zip(cells, groups, small, strict=True)
        ]
    reasons = why_reasons(
        spec,
        codes,
        score=score,
        value=value,
        rank=rank,
        count=count,
        groups=groups,
        band=band,
        small=small,
    )
    return [
        english(r)
        if n is None or r.key in _UNCOMPARED
        else english_text([small_note(g, n, min_size), r])
        for r, g, n in zip(reasons, groups, small, strict=True)
    ]


_UNCOMPARED = ("no_data", "not_coloured")


def small_note(group: str, count: int, min_size: int) -> Reason:
    """The note before the reason of a unit whose peer group was too small to compare within."""
    return Reason("small_peer_group", {"group": group, "count": str(count), "min": str(min_size)})


def why_reasons(
    spec: ColourSpec,
    codes: Codes,
    *,
    score: Array,
    value: Array,
    rank: Array,
    count: Array,
    groups: Sequence[str],
    band: ReasonableRange | None = None,
    small: Sequence[int | None] | None = None,
) -> list[Reason]:
    """One reason per cell (1-D arrays) saying why it got its colour; a cell with a ``small``
    peer group size was ranked among all units."""
    labels = [c.value or "no colour" for c in COLOURS]
    names = [labels[c] for c in codes.tolist()]
    if spec.rule is ColourRule.NONE:
        return [Reason("not_coloured")] * len(names)
    if spec.rule is ColourRule.RANK_TIERS:
        widened = [n is not None for n in small] if small is not None else [False] * len(names)
        return _why_tiers(spec, names, rank, count, groups, widened)
    x = value if spec.on == "value" else score
    if spec.rule is ColourRule.THRESHOLDS:
        return [_why_band(spec, v, n) for v, n in zip(x.tolist(), names, strict=True)]
    low, high, margin = range_bounds(spec, band)
    return [
        _why_range(spec.on, v, n, low, high, margin) for v, n in zip(x.tolist(), names, strict=True)
    ]


def _why_tiers(
    spec: ColourSpec,
    names: list[str],
    rank: Array,
    count: Array,
    groups: Sequence[str],
    widened: Sequence[bool],
) -> list[Reason]:
    return [_tier_reason(*cell) for cell in _tier_cells(spec, names, rank, count, groups, widened)]


_TierCell = tuple[bool, int, int, str, str, str, str]  # peer, rank (-1: none), count, tier, ...


def _tier_cells(
    spec: ColourSpec,
    names: list[str] | Codes,
    rank: Array,
    count: Array,
    groups: Sequence[str],
    widened: Sequence[bool],
) -> list[_TierCell]:
    """The parameters of each cell's rank-tier reason, hashable (``names``: colour names, or
    colour codes)."""
    if not isinstance(names, list):
        labels = [c.value or "no colour" for c in COLOURS]
        names = [labels[c] for c in names.tolist()]
    green, red = tier_sizes(spec, count)
    tiers = np.where(rank <= green, "top", "middle")
    tiers = np.where(rank > count - red, "bottom", tiers)
    shares = {"top": f"{spec.top:.0%}", "middle": "", "bottom": f"{spec.bottom:.0%}"}
    peer = spec.within is Within.PEER
    ranks = np.where(np.isnan(rank), -1, rank).astype(np.int64).tolist()
    counts = np.where(np.isnan(count), 0, count).astype(np.int64).tolist()
    return [
        (peer and not w, r, k, t, shares[t], str(g), n)
        for r, k, t, g, n, w in zip(
            ranks, counts, tiers.tolist(), groups, names, widened, strict=True
        )
    ]


@functools.lru_cache(maxsize=2**16)
def _tier_reason(
    in_peer: bool, rank: int, count: int, tier: str, share: str, group: str, colour: str
) -> Reason:
    if rank < 0:
        return Reason("no_data", {"colour": colour})
    params = {"rank": str(rank), "count": str(count), "tier": tier, "share": share}
    if in_peer:
        return Reason("rank_peer", {**params, "group": group, "colour": colour})
    return Reason("rank_all", {**params, "colour": colour})


@functools.lru_cache(maxsize=2**16)
def _tier_english_widened(cell: _TierCell, group: str, size: int, min_size: int) -> str:
    return english_text([small_note(group, size, min_size), _tier_reason(*cell)])


@functools.lru_cache(maxsize=2**16)
def _tier_english(
    in_peer: bool, rank: int, count: int, tier: str, share: str, group: str, colour: str
) -> str:
    return english(_tier_reason(in_peer, rank, count, tier, share, group, colour))


def _why_band(spec: ColourSpec, x: float, name: str) -> Reason:
    if math.isnan(x):
        return Reason("no_data", {"colour": name})
    last = len(spec.bands) - 1
    for i, b in enumerate(spec.bands):
        above = b.start is None or x >= b.start
        below = b.end is None or x < b.end or (i == last and x <= b.end)
        if above and below:
            lo = "-∞" if b.start is None else _num(b.start)
            hi = "∞" if b.end is None else _num(b.end)
            close = "]" if i == last else ")"
            params = {"on": spec.on, "x": _num(x), "lo": lo, "hi": hi, "close": close}
            return Reason("band", {**params, "colour": name})
    return Reason("outside_legend", {"on": spec.on, "x": _num(x), "colour": name})


def _why_range(on: str, x: float, name: str, low: float, high: float, margin: float) -> Reason:
    if math.isnan(x):
        return Reason("no_data", {"colour": name})
    bounds = {"on": on, "x": _num(x), "low": _num(low), "high": _num(high)}
    if low <= x <= high:
        return Reason("in_range", {**bounds, "colour": name})
    off, side = (low - x, "below") if x < low else (x - high, "above")
    return Reason(
        "off_range",
        {**bounds, "off": _num(off), "side": side, "margin": _num(margin), "colour": name},
    )


def coverage_note(share: float, needs: float) -> Reason:
    """The note added to an aggregate's reason when too little of its weight has data."""
    return Reason("coverage", {"share": f"{share:.0%}", "needs": f"{needs:.0%}"})
