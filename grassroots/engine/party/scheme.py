"""Party-building and business integration schemes (党建业务融合考核方案): YAML, province-edited.

A scheme is a weight tree (业务 75 / 队伍建设 15 / 政务 10, each with sub-weights) whose leaves are
either ``tasks`` items (their share of the task points the reviewer gave, times the weight) or
``deduction`` items (the weight less the points deducted, never below the item's ``floor``). It
scores units, departments and people alike, month by month; a quarter is made of its months
(``quarter``: mean, sum or last). Its ``colour`` says how a standing becomes green, yellow or red:
by rank bands (``rank_bands``: ranks 1–4, 5–8, 9 and after) or by score thresholds
(``thresholds``, the engine's legend of ``grassroots.engine.scheme.ColourSpec``). Its
``visibility`` names the roles that see ranks and colours (the province's ranking policy).

The checks reject weights that do not add up (children to their parent, the top level to
``total``) and deduction items without a floor, with messages in Chinese and English.

>>> s = load_party_scheme("integration-2024")
>>> [(n.code, n.weight) for n in s.tree]
[('business', 75.0), ('team', 15.0), ('affairs', 10.0)]
>>> bad = SAMPLE.replace("weight: 5", "weight: 7")
>>> parse_party_scheme(bad)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
grassroots.engine.errors.InputError: <scheme>: tree.team: 下级权重之和（17）不等于本项权重（15） / ...
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grassroots.engine.errors import InputError, Problem
from grassroots.engine.scheme import Band, Colour, ColourRule, ColourSpec, Visibility
from grassroots.engine.yaml_models import message, parse_checked

PARTY_SCHEMES_DIR = Path(__file__).resolve().parents[1] / "schemes" / "party"
TOLERANCE = 1e-6

Code = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")


class NodeKind(StrEnum):
    GROUP = "group"  # has children: its points are theirs added up
    TASKS = "tasks"  # a leaf: the share of task points earned, times the weight
    DEDUCTION = "deduction"  # a leaf: the weight less the deductions, not below the floor


class Subject(StrEnum):
    UNIT = "unit"
    DEPARTMENT = "department"
    PERSON = "person"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(_Model):
    code: str = Code
    name: str  # Chinese
    name_en: str = ""
    weight: float = Field(gt=0)
    kind: NodeKind | None = None  # None: group when it has children, else tasks
    floor: float | None = Field(default=None, ge=0)  # deduction: the fewest points it keeps
    children: tuple[Node, ...] = ()

    @property
    def resolved_kind(self) -> NodeKind:
        if self.kind is not None:
            return self.kind
        return NodeKind.GROUP if self.children else NodeKind.TASKS

    @property
    def is_leaf(self) -> bool:
        return not self.children


class RankBand(_Model):
    """Ranks up to ``upto`` (inclusive) take ``colour``; the last band has no ``upto``."""

    upto: int | None = Field(default=None, ge=1)
    colour: Colour


class PartyColour(_Model):
    rule: Literal["rank_bands", "thresholds"] = "rank_bands"
    bands: tuple[RankBand, ...] = ()  # rank_bands
    thresholds: tuple[Band, ...] = ()  # thresholds: the engine's legend bands on the score

    def spec(self) -> ColourSpec:
        """The engine's threshold legend (thresholds only)."""
        return ColourSpec(rule=ColourRule.THRESHOLDS, on="score", bands=self.thresholds)


class PartyScheme(_Model):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    name_en: str = ""
    total: float = Field(default=100, gt=0)
    subjects: tuple[Subject, ...] = (Subject.UNIT, Subject.DEPARTMENT, Subject.PERSON)
    quarter: Literal["mean", "sum", "last"] = "mean"
    tree: tuple[Node, ...] = Field(min_length=1)
    colour: PartyColour = PartyColour(
        bands=(RankBand(upto=4, colour=Colour.GREEN), RankBand(upto=8, colour=Colour.YELLOW),
               RankBand(colour=Colour.RED))
    )  # fmt: skip
    visibility: Visibility = Visibility()

    @model_validator(mode="after")
    def _codes(self) -> Self:
        codes = [n.code for n in self.nodes()]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"编码重复 / duplicate codes: {', '.join(dup)}")
        return self

    def nodes(self) -> Iterator[Node]:
        """Every node, parents before their children."""
        stack = list(reversed(self.tree))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def leaves(self) -> list[Node]:
        return [n for n in self.nodes() if n.is_leaf]

    def node(self, code: str) -> Node | None:
        return next((n for n in self.nodes() if n.code == code), None)


SAMPLE = """\
code: sample
name: 示例
tree:
  - code: business
    name: 业务
    weight: 75
  - code: team
    name: 队伍建设
    weight: 15
    children:
      - code: tasks
        name: 党建任务
        weight: 5
      - code: discipline
        name: 纪律作风
        weight: 10
        kind: deduction
        floor: 0
  - code: affairs
    name: 政务
    weight: 10
"""


def list_party_schemes() -> list[str]:
    return sorted(p.stem for p in PARTY_SCHEMES_DIR.glob("*.yaml"))


def load_party_scheme(name: str) -> PartyScheme:
    """A shipped scheme by registered name (never a path)."""
    known = list_party_schemes()
    if name not in known:
        message = f"no such party scheme; registered schemes: {', '.join(known)}"
        raise InputError([Problem("--scheme", None, None, message)])
    return parse_party_scheme(shipped_text(name), source=f"{name}.yaml")


def shipped_text(name: str) -> str:
    return (PARTY_SCHEMES_DIR / f"{name}.yaml").read_text(encoding="utf-8")


def parse_party_scheme(text: str, *, source: str = "<scheme>") -> PartyScheme:
    """A scheme from its YAML text; InputError lists every problem (Chinese / English)."""
    return parse_checked(text, PartyScheme, source=source, rules=scheme_problems)


def _n(x: float) -> str:
    return f"{x:g}"


def scheme_problems(scheme: PartyScheme, source: str = "<scheme>") -> list[Problem]:
    """What is wrong with a parsed scheme: weights, deduction floors, colour bands."""
    problems: list[Problem] = []

    def add(where: str, zh: str, en: str) -> None:
        problems.append(Problem(f"{source}: {where}", None, None, f"{zh} / {en}"))

    top = sum(n.weight for n in scheme.tree)
    if abs(top - scheme.total) > TOLERANCE:
        add("tree", f"一级权重之和（{_n(top)}）不等于总分（{_n(scheme.total)}）",
            f"the top-level weights add up to {_n(top)}, not the total {_n(scheme.total)}")  # fmt: skip

    def walk(node: Node, where: str) -> None:
        kind = node.resolved_kind
        if node.children:
            if kind is not NodeKind.GROUP:
                add(where, "有下级的项不能是计分项或扣分项",
                    "an item with children cannot be a tasks or deduction item")  # fmt: skip
            below = sum(c.weight for c in node.children)
            if abs(below - node.weight) > TOLERANCE:
                add(where, f"下级权重之和（{_n(below)}）不等于本项权重（{_n(node.weight)}）",
                    f"the children's weights add up to {_n(below)}, not this item's "
                    f"weight {_n(node.weight)}")  # fmt: skip
            for child in node.children:
                walk(child, f"{where}.{child.code}")
        elif kind is NodeKind.GROUP:
            add(where, "分组项须有下级", "a group item needs children")
        if kind is NodeKind.DEDUCTION:
            if node.floor is None:
                add(where, "扣分项须设最低分（floor）",
                    "a deduction item needs a floor (the fewest points it keeps)")  # fmt: skip
            elif node.floor > node.weight:
                add(where, f"最低分（{_n(node.floor)}）高于本项权重（{_n(node.weight)}）",
                    f"the floor {_n(node.floor)} is above the item's weight {_n(node.weight)}")  # fmt: skip
        elif node.floor is not None:
            add(where, "只有扣分项可设最低分", "only a deduction item has a floor")

    for node in scheme.tree:
        walk(node, f"tree.{node.code}")
    problems += _colour_problems(scheme.colour, add)
    return problems


def _colour_problems(colour: PartyColour, add: Any) -> list[Problem]:
    if colour.rule == "rank_bands":
        bands = colour.bands
        if not bands:
            add("colour.bands", "名次段不能为空", "rank bands need at least one band")
            return []
        uptos = [b.upto for b in bands[:-1]]
        if any(u is None for u in uptos) or bands[-1].upto is not None:
            add("colour.bands", "只有最后一个名次段不设上限（upto）",
                "only the last rank band is open (has no upto)")  # fmt: skip
        elif uptos != sorted(set(uptos)):  # type: ignore[type-var]
            add("colour.bands", "名次段上限须递增", "rank band limits must rise")
    else:
        try:
            colour.spec()
        except ValidationError as exc:
            for err in exc.errors():
                add("colour.thresholds", "分数段有误", message(err))
    return []
