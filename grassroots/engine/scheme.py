"""Evaluation schemes: a weighted tree of indicators with per-level scoring policies (YAML).

A scheme says *how* indicator values become scores, aggregates, ranks and colours. The language
is documented in ``docs/schemes.md``; the shipped schemes live in ``grassroots/engine/schemes/``.

>>> s = load_scheme("cepej")
>>> [leaf.indicator for leaf in s.leaves()]
['clearance_rate', 'disposition_time', 'case_turnover']
>>> s.policy_for(s.root).aggregation.value
'arithmetic'
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Collection, Iterator, Mapping
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grassroots.engine.errors import InputError, Problem
from grassroots.engine.yaml_models import safe_load

SCHEMES_DIR = Path(__file__).resolve().parent / "schemes"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    RANGE = "range"


class NormMethod(StrEnum):
    MINMAX = "minmax"
    ZSCORE = "zscore"
    RANK = "rank"
    PERCENTILE_RANK = "percentile_rank"
    GOALPOSTS = "goalposts"
    TARGET = "target"
    RANGE = "range"


class AggMethod(StrEnum):
    ARITHMETIC = "arithmetic"
    GEOMETRIC = "geometric"
    HARMONIC = "harmonic"


class Imputation(StrEnum):
    NONE = "none"
    PEER_MEAN = "peer_mean"
    PEER_MEDIAN = "peer_median"
    LAST_PERIOD = "last_period"


class Within(StrEnum):
    PEER = "peer"
    ALL = "all"


class ColourRule(StrEnum):
    RANK_TIERS = "rank_tiers"
    THRESHOLDS = "thresholds"
    RANGE = "range"
    NONE = "none"


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    GREY = "grey"
    NONE = ""


class SchemeKind(StrEnum):
    COMPOSITE = "composite"
    CHECKLIST = "checklist"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


# ---------------------------------------------------------------------------- leaf options


class Goalposts(_Model):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low < self.high:
            raise ValueError(f"goalposts low ({self.low}) must be below high ({self.high})")
        return self


class ReasonableRange(_Model):
    """Full score inside [low, high]; falls linearly to 0 at ``fall_off`` outside it."""

    low: float
    high: float
    fall_off: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low <= self.high:
            raise ValueError(f"range low ({self.low}) must not exceed high ({self.high})")
        return self

    @property
    def distance(self) -> float:
        # Without an explicit fall-off the score reaches 0 one range-width outside the range;
        # a point range (low == high) falls off over one unit.
        return self.fall_off if self.fall_off is not None else max(self.high - self.low, 1.0)


# ---------------------------------------------------------------------------- level policy


class Normalisation(_Model):
    method: NormMethod = NormMethod.MINMAX
    low: float = 0.0  # output scale of minmax / goalposts / target / range / percentile_rank
    high: float = 100.0
    within: Within = Within.PEER

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        return {"method": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _scale(self) -> Self:
        if not self.low < self.high:
            raise ValueError(f"normalisation low ({self.low}) must be below high ({self.high})")
        return self


class Winsorise(_Model):
    """COINr's rule: while |skew| > skew and kurtosis > kurtosis, winsorise one more point."""

    max_points: int = Field(default=0, ge=0)  # 0 switches winsorisation off
    skew: float = Field(default=2.0, gt=0)
    kurtosis: float = 3.5


class Missing(_Model):
    imputation: Imputation = Imputation.NONE
    # Share of the children's weight that must have data, else the aggregate is missing.
    min_coverage: float = Field(default=0.5, ge=0, le=1)


class Band(_Model):
    """One band of a legend: ``from`` inclusive, ``to`` exclusive (None = unbounded)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: float | None = Field(default=None, alias="from")
    end: float | None = Field(default=None, alias="to")
    colour: Colour


class ColourSpec(_Model):
    rule: ColourRule = ColourRule.RANK_TIERS
    top: float = Field(default=0.3, ge=0, le=1)  # rank tiers: share coloured green
    bottom: float = Field(default=0.3, ge=0, le=1)  # rank tiers: share coloured red
    within: Within = Within.PEER
    on: str = Field(default="score", pattern="^(score|value)$")  # thresholds / range
    bands: tuple[Band, ...] = ()
    low: float | None = None  # range rule; None takes the leaf's range
    high: float | None = None
    margin: float | None = Field(default=None, ge=0)  # range rule: yellow band outside the range
    no_data: Colour = Colour.GREY

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        return {"rule": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.rule is ColourRule.RANK_TIERS and self.top + self.bottom > 1:
            raise ValueError(f"top ({self.top}) + bottom ({self.bottom}) exceed 1")
        if self.rule is ColourRule.THRESHOLDS:
            _check_bands(self.bands)
        if self.no_data not in (Colour.GREY, Colour.RED, Colour.NONE):
            raise ValueError("no_data must be grey, red or ''")
        return self


def _check_bands(bands: tuple[Band, ...]) -> None:
    if not bands:
        raise ValueError("thresholds need at least one band")
    for i, band in enumerate(bands):
        if band.start is not None and band.end is not None and not band.start < band.end:
            raise ValueError(f"band {i}: from ({band.start}) must be below to ({band.end})")
        if i > 0 and band.start is None:
            raise ValueError(f"band {i}: only the first band may be open below")
        if i < len(bands) - 1 and band.end is None:
            raise ValueError(f"band {i}: only the last band may be open above")
        if i > 0 and band.start != bands[i - 1].end:
            # A gap leaves values uncoloured; an overlap colours them twice: both are errors.
            kind = "overlap" if band.start < (bands[i - 1].end or 0) else "gap"  # type: ignore[operator]
            raise ValueError(
                f"bands {i - 1} and {i} are not contiguous ({kind}: "
                f"to {bands[i - 1].end} then from {band.start})"
            )


class LevelPolicy(_Model):
    """All optional: a level entry overrides only what it names."""

    normalisation: Normalisation | None = None
    aggregation: AggMethod | None = None
    missing: Missing | None = None
    winsorise: Winsorise | None = None
    colour: ColourSpec | None = None


class Policy(_Model):
    """The resolved policy of one node: defaults, then its level name's entry, then its depth's."""

    normalisation: Normalisation = Normalisation()
    aggregation: AggMethod = AggMethod.ARITHMETIC
    missing: Missing = Missing()
    winsorise: Winsorise = Winsorise()
    colour: ColourSpec = ColourSpec()

    def merged(self, over: LevelPolicy | None) -> Policy:
        """This policy with the keys ``over`` names replaced, key by key inside each part
        (``missing: {min_coverage: 0.7}`` keeps the imputation already in force)."""
        if over is None:
            return self
        changes: dict[str, Any] = {}
        for name in over.model_fields_set:
            given = getattr(over, name)
            base = getattr(self, name)
            if isinstance(given, BaseModel) and isinstance(base, BaseModel):
                named = given.model_dump(include=given.model_fields_set, by_alias=True)
                # Validate the combination: a merge can break a rule neither part breaks alone.
                given = type(base).model_validate({**base.model_dump(by_alias=True), **named})
            changes[name] = given
        return self.model_copy(update=changes)


# ---------------------------------------------------------------------------- the tree


class Node(_Model):
    """A node of the scheme tree: an indicator leaf (``indicator`` set) or an aggregate."""

    code: str = Field(default="", pattern=r"^[A-Za-z0-9_.\-]*$")
    name_zh: str = ""
    name_en: str = ""
    weight: float = 1.0
    level: str = ""  # level name; defaults: whole (root), indicator (leaves), aspect (others)
    children: tuple[Node, ...] = ()
    indicator: str | None = None
    direction: Direction | None = None
    goalposts: Goalposts | None = None
    target: float | None = None
    range: ReasonableRange | None = None
    normalisation: NormMethod | None = None  # leaf override of its level's method

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.weight < 0:
            raise ValueError(f"weight must not be negative (got {self.weight})")
        if self.indicator is not None and self.children:
            raise ValueError("a node is either an indicator leaf or has children, not both")
        if self.indicator is None and not self.children:
            raise ValueError("a node needs `indicator` (a leaf) or `children`")
        if self.children and sum(c.weight for c in self.children) <= 0:
            raise ValueError("the children's weights sum to zero")
        if self.indicator is None:
            leaf_only = ("direction", "goalposts", "target", "range", "normalisation")
            given = [f for f in leaf_only if getattr(self, f) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} only apply to indicator leaves")
        return self

    @property
    def is_leaf(self) -> bool:
        return self.indicator is not None

    @property
    def level_name(self) -> str:
        return self.level

    @property
    def leaf_direction(self) -> Direction:
        if self.direction is not None:
            return self.direction
        return Direction.RANGE if self.range is not None else Direction.HIGHER

    def walk(self, depth: int = 0) -> Iterator[tuple[Node, int]]:
        """Pre-order (node, depth)."""
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)


def _fill_defaults(raw: Mapping[str, Any], *, is_root: bool) -> dict[str, Any]:
    """Leaf code = its indicator; level names whole / aspect / indicator unless given."""
    node = dict(raw)
    is_leaf = "indicator" in node
    if is_leaf and not node.get("code"):
        node["code"] = node["indicator"]
    if not node.get("level"):
        node["level"] = "whole" if is_root else "indicator" if is_leaf else "aspect"
    children = node.get("children")
    if isinstance(children, list):
        node["children"] = [
            _fill_defaults(c, is_root=False) if isinstance(c, Mapping) else c for c in children
        ]
    return node


# ---------------------------------------------------------------------------- checklists


class ItemKind(StrEnum):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


class Measure(StrEnum):
    SCORE = "score"
    VALUE = "value"
    RANK_PEER = "rank_peer"
    RANK_ALL = "rank_all"
    # (rank_peer - 1) / units ranked in the peer group: 0 for the top unit, 2/3 or more for the
    # bottom third ("not in the bottom third" is `peer_position lt 2/3`).
    PEER_POSITION = "peer_position"
    COLOUR = "colour"


class Op(StrEnum):
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    EQ = "eq"
    NE = "ne"


class Require(StrEnum):
    ALL = "all"
    ANY = "any"


class Condition(_Model):
    """``measure op value`` on one node's result, over the last ``periods`` periods."""

    node: str
    measure: Measure
    op: Op
    value: float | str
    periods: int = Field(default=1, ge=1)
    require: Require = Require.ALL

    @model_validator(mode="before")
    @classmethod
    def _fraction(cls, data: Any) -> Any:
        # "2/3" is exact where 0.6667 is not: the bottom third of 6 units starts at 4/6.
        numeric = isinstance(data, Mapping) and data.get("measure") != Measure.COLOUR.value
        if numeric and isinstance(data.get("value"), str):
            with contextlib.suppress(ValueError, ZeroDivisionError):
                data = {**data, "value": float(Fraction(data["value"]))}
        return data

    @model_validator(mode="after")
    def _typed(self) -> Self:
        if self.measure is Measure.COLOUR:
            if self.op not in (Op.EQ, Op.NE):
                raise ValueError("a colour condition takes op eq or ne")
            Colour(str(self.value))
        elif not isinstance(self.value, int | float):
            raise ValueError(f"{self.measure.value} is compared with a number, not {self.value!r}")
        return self


class ChecklistItem(_Model):
    code: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    heading: str
    name_zh: str
    name_en: str
    kind: ItemKind
    condition: Condition | None = None
    evidence: str = ""  # what a reviewer looks at (qualitative items)

    @model_validator(mode="after")
    def _kind(self) -> Self:
        if self.kind is ItemKind.QUANTITATIVE and self.condition is None:
            raise ValueError("a quantitative item needs a condition")
        if self.kind is ItemKind.QUALITATIVE and self.condition is not None:
            raise ValueError("a qualitative item has no condition (a reviewer decides)")
        return self


class Heading(_Model):
    code: str
    name_zh: str
    name_en: str


# ---------------------------------------------------------------------------- the scheme


class Visibility(_Model):
    """Who may see ranks and colours; the web app enforces it (roles are its names)."""

    show_ranks_to: tuple[str, ...] = ()
    show_colours_to: tuple[str, ...] = ()


class Uncertainty(_Model):
    """Alternatives the rank-uncertainty analysis switches between (see sensitivity.py)."""

    weight_noise: float = Field(default=0.25, ge=0, lt=1)
    # How many replications a run computes rank intervals from when it is not told (0: none).
    replications: int = Field(default=0, ge=0, le=1000)
    normalisation: tuple[NormMethod, ...] = ()
    aggregation: tuple[AggMethod, ...] = ()
    imputation: tuple[Imputation, ...] = ()


class WarningRules(_Model):
    """When a run's results become warnings (the province edits these with its scheme).

    Colour warnings fire on a change of colour, and a streak of red is one warning that counts
    its periods. Under a ``rank_tiers`` colour rule the bottom third of every node is red by
    construction, so colour warnings come only from nodes at most ``rank_tier_depth`` deep
    (0 = the whole scheme, 1 = its aspects); nodes coloured by thresholds or ranges (an absolute
    standard) warn at every depth. The gaming check compares a unit with its own history and
    its peers (see ``engine.gaming``).
    """

    rank_drop_places: int = Field(default=20, ge=1)  # places in the province table, per period
    red_streak_from: int = Field(default=2, ge=2)  # red this many periods running: one warning
    rank_tier_depth: int = Field(default=1, ge=0)
    gaming_history: int = Field(default=4, ge=2)  # earlier periods forming the unit's norm
    # The case-to-procedure ratio fell by at least this share of the unit's own median ...
    gaming_ratio_fall: float = Field(default=0.08, gt=0, lt=1)
    # ... while the events it counts (remand + extension rates) fell below this share of the
    # unit's own median and of its peers' median this period.
    # Defaults from four generated Shandongs (tests/engine/test_gaming.py): 15 of 16 planted
    # gaming units caught in their first gaming quarter, about 0.6% of honest unit-quarters
    # flagged (about one unit a quarter in a province).
    gaming_events_share: float = Field(default=0.4, gt=0, lt=1)
    gaming_peer_share: float = Field(default=0.6, gt=0, le=1)


class Scheme(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    title_zh: str = ""
    title_en: str = ""
    version: int = 1
    kind: SchemeKind = SchemeKind.COMPOSITE
    catalogue: str | None = None
    based_on: str | None = None  # checklist: the composite scheme whose results it reads
    peer_column: str = "peer_group"
    # A peer group with fewer units than this is too small to rank in: two units would be green
    # and red on any gap. Its units are normalised, ranked and coloured among all the units of
    # the evaluation (the province) instead, and their "why" says so.
    peer_min_size: int = Field(default=5, ge=1)
    visibility: Visibility = Visibility()
    defaults: Policy = Policy()
    levels: dict[str | int, LevelPolicy] = Field(default_factory=dict)
    uncertainty: Uncertainty = Uncertainty()
    warnings: WarningRules = WarningRules()
    tree: Node | None = None
    headings: tuple[Heading, ...] = ()
    items: tuple[ChecklistItem, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_names(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("tree"), Mapping):
            data = {**data, "tree": _fill_defaults(data["tree"], is_root=True)}
        return data

    @model_validator(mode="after")
    def _kind(self) -> Self:
        if self.kind is SchemeKind.COMPOSITE and self.tree is None:
            raise ValueError("a composite scheme needs a `tree`")
        if self.kind is SchemeKind.CHECKLIST and not self.items:
            raise ValueError("a checklist scheme needs `items`")
        return self

    @property
    def root(self) -> Node:
        if self.tree is None:
            raise InputError([Problem(self.name, None, None, "a checklist scheme has no tree")])
        return self.tree

    def nodes(self) -> list[tuple[Node, int]]:
        return list(self.root.walk()) if self.tree is not None else []

    def leaves(self) -> list[Node]:
        return [n for n, _ in self.nodes() if n.is_leaf]

    def indicator_codes(self) -> list[str]:
        """The indicator codes the scheme scores, in tree order, without repeats."""
        return list(dict.fromkeys(leaf.indicator for leaf in self.leaves() if leaf.indicator))

    def depth_of(self, code: str) -> int:
        return next(d for n, d in self.nodes() if n.code == code)

    def policy_for(self, node: Node, depth: int | None = None) -> Policy:
        depth = self.depth_of(node.code) if depth is None else depth
        return self.defaults.merged(self.levels.get(node.level)).merged(self.levels.get(depth))

    @property
    def uses_last_period(self) -> bool:
        """True when scoring reads earlier periods (last-period imputation)."""
        wanted = Imputation.LAST_PERIOD
        if wanted in self.uncertainty.imputation:
            return True
        return any(self.policy_for(n, d).missing.imputation is wanted for n, d in self.nodes())


# ---------------------------------------------------------------------------- loading


def list_schemes() -> list[str]:
    """Names of the shipped schemes."""
    return sorted(p.stem for p in SCHEMES_DIR.glob("*.yaml"))


def load_scheme(name: str, *, indicator_codes: Collection[str] | None = None) -> Scheme:
    """Load a registered (shipped) scheme by name, never a path; InputError lists every problem.

    ``indicator_codes``, when given, are the known indicators: a leaf naming another is an error.

    >>> load_scheme("core-business").catalogue
    'spp-case-quality'
    """
    known = list_schemes()
    if not (isinstance(name, str) and name in known):
        shaped = isinstance(name, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", name)
        hint = _did_you_mean(str(name), known) if shaped else ""
        message = f"no such scheme{hint}; registered schemes: {', '.join(known)}"
        raise InputError([Problem("--scheme", None, None, message)])
    path = SCHEMES_DIR / f"{name}.yaml"
    return parse_scheme(
        path.read_text(encoding="utf-8"), source=path.name, indicator_codes=indicator_codes
    )


def read_scheme_file(path: Path, *, indicator_codes: Collection[str] | None = None) -> Scheme:
    """Load a scheme YAML file the operator names on the command line."""
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, "no such scheme file")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError([Problem(path.name, None, None, "cannot read as UTF-8 text")]) from None
    return parse_scheme(text, source=path.name, indicator_codes=indicator_codes)


def parse_scheme(
    text: str, *, source: str = "<scheme>", indicator_codes: Collection[str] | None = None
) -> Scheme:
    """A scheme from its YAML text (a file or a stored version)."""
    try:
        raw = safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError([Problem(source, None, None, f"not valid YAML: {exc}")]) from None
    return scheme_from_dict(raw, source=source, indicator_codes=indicator_codes)


def scheme_from_dict(
    raw: Any, *, source: str = "<scheme>", indicator_codes: Collection[str] | None = None
) -> Scheme:
    """Validate a parsed scheme document (see load_scheme)."""
    if not isinstance(raw, Mapping):
        raise InputError([Problem(source, None, None, "a scheme is a YAML mapping")])
    try:
        scheme = Scheme.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(f"{source}: {_yaml_path(raw, err['loc'])}", None, None, _message(err))
            for err in exc.errors()
        ]
        raise InputError(problems) from None
    problems = _tree_problems(scheme, source, indicator_codes)
    if problems:
        raise InputError(problems)
    return scheme


def _message(err: Any) -> str:
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return "unknown key"
    return msg


def _yaml_path(raw: Any, loc: tuple[Any, ...]) -> str:
    """pydantic's loc as a readable YAML path, naming tree nodes by code: tree.quality.remand_rate."""
    parts: list[str] = []
    here: Any = raw
    for key in loc:
        if isinstance(key, int) and isinstance(here, list) and 0 <= key < len(here):
            here = here[key]
            label = here.get("code") or here.get("indicator") if isinstance(here, dict) else None
            parts.append(f"[{label}]" if label else f"[{key}]")
            continue
        if isinstance(key, str) and key in ("function-after", "function-before", "function-wrap"):
            continue
        here = here.get(key) if isinstance(here, dict) else None
        parts.append(f".{key}")
    return "".join(parts).lstrip(".") or "(top level)"


def _tree_problems(
    scheme: Scheme, source: str, indicator_codes: Collection[str] | None
) -> list[Problem]:
    if scheme.tree is None:
        return _checklist_problems(scheme, source)
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for node, path in _walk_paths(scheme.tree, "tree"):
        code = node.code or node.indicator or ""
        if not code:
            problems.append(Problem(f"{source}: {path}", None, None, "an aggregate needs a code"))
        elif code in seen:
            msg = f"duplicate node code {code!r} (also at {seen[code]})"
            problems.append(Problem(f"{source}: {path}", None, None, msg))
        else:
            seen[code] = path
        if node.is_leaf:
            problems.extend(_leaf_problems(scheme, node, f"{source}: {path}", indicator_codes))
        problems.extend(_policy_problems(scheme, node, f"{source}: {path}"))
    return problems


def _policy_problems(scheme: Scheme, node: Node, where: str) -> list[Problem]:
    try:
        policy = scheme.policy_for(node)
    except ValidationError as exc:
        return [
            Problem(where, None, None, f"level policies combine badly: {_message(e)}")
            for e in exc.errors()
        ]
    problems: list[Problem] = []
    spec = policy.colour
    unbounded = spec.low is None or spec.high is None
    if spec.rule is ColourRule.RANGE and unbounded and node.range is None:
        msg = "the range colour rule needs low/high here (only leaves with a range supply one)"
        problems.append(Problem(where, None, None, msg))
    if not node.is_leaf and policy.aggregation is not AggMethod.ARITHMETIC:
        # Geometric and harmonic means need positive scores; z-scores are half negative.
        for leaf, _ in node.walk():
            if leaf.is_leaf and leaf_method(scheme, leaf) is NormMethod.ZSCORE:
                msg = f"{policy.aggregation.value} aggregation needs positive scores, {leaf.code} uses zscore"
                problems.append(Problem(where, None, None, msg))
                break
    return problems


def _walk_paths(node: Node, path: str) -> Iterator[tuple[Node, str]]:
    yield node, path
    for child in node.children:
        yield from _walk_paths(child, f"{path}.{child.code or child.indicator}")


def _leaf_problems(
    scheme: Scheme, leaf: Node, where: str, indicator_codes: Collection[str] | None
) -> list[Problem]:
    problems: list[Problem] = []
    assert leaf.indicator is not None
    if indicator_codes is not None and leaf.indicator not in indicator_codes:
        hint = _did_you_mean(leaf.indicator, indicator_codes)
        problems.append(Problem(where, None, None, f"unknown indicator {leaf.indicator!r}{hint}"))
    method = leaf_method(scheme, leaf)
    needs = {NormMethod.GOALPOSTS: "goalposts", NormMethod.TARGET: "target"}
    if method in needs and getattr(leaf, needs[method]) is None:
        problems.append(Problem(where, None, None, f"{method.value} needs `{needs[method]}`"))
    if method is NormMethod.RANGE and leaf.range is None:
        problems.append(
            Problem(where, None, None, "range normalisation needs `range: {low, high}`")
        )
    if leaf.leaf_direction is Direction.RANGE and method is not NormMethod.RANGE:
        msg = f"direction range has no order for {method.value}; use normalisation: range"
        problems.append(Problem(where, None, None, msg))
    return problems


def _checklist_problems(scheme: Scheme, source: str) -> list[Problem]:
    problems: list[Problem] = []
    headings = {h.code for h in scheme.headings}
    nodes = _based_on_nodes(scheme)
    seen: set[str] = set()
    for i, item in enumerate(scheme.items):
        where = f"{source}: items[{item.code or i}]"
        if item.code in seen:
            problems.append(Problem(where, None, None, f"duplicate item code {item.code!r}"))
        seen.add(item.code)
        if item.heading not in headings:
            hint = _did_you_mean(item.heading, headings)
            problems.append(Problem(where, None, None, f"unknown heading {item.heading!r}{hint}"))
        if item.condition is not None and nodes is not None and item.condition.node not in nodes:
            hint = _did_you_mean(item.condition.node, nodes)
            msg = f"unknown node {item.condition.node!r} of {scheme.based_on}{hint}"
            problems.append(Problem(f"{where}.condition.node", None, None, msg))
    return problems


def _based_on_nodes(scheme: Scheme) -> list[str] | None:
    if scheme.based_on is None:
        return None
    base = load_scheme(scheme.based_on)
    return [n.code for n, _ in base.nodes()]


def leaf_method(scheme: Scheme, leaf: Node, default: NormMethod | None = None) -> NormMethod:
    """The normalisation a leaf uses: its own override, range for range leaves, else its level's."""
    if leaf.normalisation is not None:
        return leaf.normalisation
    if leaf.leaf_direction is Direction.RANGE:
        return NormMethod.RANGE
    return default if default is not None else scheme.policy_for(leaf).normalisation.method


def _did_you_mean(word: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
