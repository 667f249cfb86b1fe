"""Individual assessment schemes (检察人员考核方案): YAML, one per staff category.

The 2021 guideline's three components: 业绩 (``performance``, at least 60% of the full score,
from case-based indicators and reviewer-entered items), 共性 (``common``) and 综合评价
(``overall``). Each component has a weight (its share of the full score) and items that earn
points; grades are given by shares (e.g. 优秀 ≤ 20%) and a score floor (不合格 below 60); ranks
are hidden unless the visibility rules say otherwise. The language is in
``docs/people-engine.md``; the shipped schemes live in ``grassroots/engine/schemes/individual/``.

>>> s = load_individual_scheme("prosecutor-2021")
>>> [(c.code, c.weight) for c in s.components]
[('performance', 60.0), ('common', 30.0), ('overall', 10.0)]
>>> s.performance_share
0.6
>>> parse_individual_scheme(SAMPLE.replace("weight: 60", "weight: 50"))
Traceback (most recent call last):
...
grassroots.engine.errors.InputError: <scheme>: components: 业绩权重须不低于总分的60%，现为55.56% / the performance weight must be at least 60% of the full score, not 55.56%
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grassroots.engine.errors import InputError, Problem
from grassroots.engine.individual.elements import INDICATORS
from grassroots.engine.roster import StaffCategory
from grassroots.engine.yaml_models import SAFE_LOADER, parse_checked

INDIVIDUAL_SCHEMES_DIR = Path(__file__).resolve().parents[1] / "schemes" / "individual"
_LOADER = SAFE_LOADER
MIN_PERFORMANCE_SHARE = 0.6  # 《检察人员考核工作指引》第5条: 业绩指标 ≥ 60% of the full score

Code = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")


class ComponentKind(StrEnum):
    PERFORMANCE = "performance"  # 业绩
    COMMON = "common"  # 共性
    OVERALL = "overall"  # 综合评价


class Source(StrEnum):
    CASES = "cases"  # an indicator computed from the case records (person_elements)
    REVIEWER = "reviewer"  # a score the reviewer enters per month, 0..points (mean over months)
    BASE = "base"  # fixed points (辅助人员的基础分)
    ADJUSTMENT = "adjustment"  # additions (+) and deductions (-) entered per month, summed


class Method(StrEnum):
    RELATIVE = "relative"  # value / the best value in the group (higher is better)
    BAND = "band"  # full points at ``full``, none at ``zero``, linear between


class Viewer(StrEnum):
    SELF = "self"
    DEPARTMENT_HEAD = "department_head"
    COMMITTEE = "committee"  # 考评委员会
    PROVINCE = "province"


ALL_VIEWERS = [Viewer.SELF, Viewer.DEPARTMENT_HEAD, Viewer.COMMITTEE, Viewer.PROVINCE]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Model):
    code: str = Code
    name_zh: str
    name_en: str = ""
    source: Source
    points: float = Field(gt=0)
    indicator: str | None = None  # cases: an indicator of grassroots.engine.individual.elements
    method: Method | None = None  # cases
    full: float | None = None  # band
    zero: float | None = None  # band
    within: Literal["department", "unit"] = "department"  # relative: whose best
    missing: Literal["full", "zero"] = "full"  # no value (no cases, nothing entered)
    floor: float | None = None  # adjustment: the most that can be deducted (default -points)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.source is Source.CASES:
            if not self.indicator or self.method is None:
                raise ValueError("a cases item needs an indicator and a method")
            if self.method is Method.BAND and (
                self.full is None or self.zero is None or self.full == self.zero
            ):
                raise ValueError("a band item needs different full and zero values")
        elif self.indicator or self.method:
            raise ValueError("only a cases item has an indicator and a method")
        if self.floor is not None and self.source is not Source.ADJUSTMENT:
            raise ValueError("only an adjustment item has a floor")
        return self

    @property
    def lowest(self) -> float:
        """The fewest points the item can earn."""
        if self.source is Source.ADJUSTMENT:
            return self.floor if self.floor is not None else -self.points
        return 0.0


class Component(_Model):
    code: str = Code
    kind: ComponentKind
    name_zh: str
    name_en: str = ""
    weight: float = Field(gt=0)
    normalise: Literal["none", "department_best", "unit_best"] = "none"
    items: list[Item] = Field(min_length=1)


class Grade(_Model):
    code: str = Code
    name_zh: str
    name_en: str = ""
    share: float | None = Field(default=None, gt=0, le=1)  # at most this share of the group
    below: float | None = None  # every total below this (the last grade only)


class Band(_Model):
    """A standing band (位次段) by rank: the top ``upto`` share of the group."""

    upto: float = Field(gt=0, le=1)
    name_zh: str
    name_en: str = ""


class Visibility(_Model):
    """Who may see what (the app enforces it). Ranks are hidden by default."""

    scores: list[Viewer] = Field(default_factory=lambda: list(ALL_VIEWERS))
    band: list[Viewer] = Field(default_factory=lambda: list(ALL_VIEWERS))
    grade: list[Viewer] = Field(default_factory=lambda: list(ALL_VIEWERS))
    rank: list[Viewer] = Field(default_factory=list)

    def allows(
        self, what: Literal["scores", "band", "grade", "rank"], viewer: Viewer | str
    ) -> bool:
        """Whether ``viewer`` may see ``what``.

        >>> Visibility().allows("rank", "committee"), Visibility().allows("band", "self")
        (False, True)
        """
        return Viewer(viewer) in getattr(self, what)


class IndividualScheme(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    title_zh: str
    title_en: str = ""
    categories: list[StaffCategory] = Field(min_length=1)
    coefficients: str = "example-2021"  # the default coefficient table (a registered name)
    group: Literal["unit", "department"] = "unit"  # who is graded and ranked together
    components: list[Component] = Field(min_length=1)
    grades: list[Grade] = Field(min_length=1)
    bands: list[Band] = Field(default_factory=list)
    visibility: Visibility = Field(default_factory=Visibility)

    @property
    def full_score(self) -> float:
        return float(sum(c.weight for c in self.components))

    @property
    def performance_share(self) -> float:
        performance = sum(c.weight for c in self.components if c.kind is ComponentKind.PERFORMANCE)
        return round(performance / self.full_score, 10)

    def items(self) -> list[tuple[Component, Item]]:
        return [(c, i) for c in self.components for i in c.items]


SAMPLE = """
name: sample
title_zh: 示例方案
categories: [prosecutor]
components:
  - {code: performance, kind: performance, name_zh: 业绩, weight: 60, items: [
      {code: workload, name_zh: 办案数量, source: cases, indicator: workload, method: relative,
       points: 60}]}
  - {code: common, kind: common, name_zh: 共性, weight: 30, items: [
      {code: conduct, name_zh: 共性任务, source: reviewer, points: 30}]}
  - {code: overall, kind: overall, name_zh: 综合评价, weight: 10, items: [
      {code: overall, name_zh: 综合评价, source: reviewer, points: 10}]}
grades:
  - {code: excellent, name_zh: 优秀, share: 0.2}
  - {code: pass, name_zh: 合格}
"""


def list_individual_schemes() -> list[str]:
    """Names of the shipped individual schemes."""
    return sorted(p.stem for p in INDIVIDUAL_SCHEMES_DIR.glob("*.yaml"))


def load_individual_scheme(name: str) -> IndividualScheme:
    """A shipped scheme by registered name, never a path; InputError listing the names otherwise.

    >>> load_individual_scheme("assistant-2021").categories
    [<StaffCategory.ASSISTANT: 'assistant'>, <StaffCategory.CLERK: 'clerk'>]
    """
    known = list_individual_schemes()
    if not (isinstance(name, str) and name in known):
        message = f"no such individual scheme; registered schemes: {', '.join(known)}"
        raise InputError([Problem("--scheme", None, None, message)])
    path = INDIVIDUAL_SCHEMES_DIR / f"{name}.yaml"
    return parse_individual_scheme(path.read_text(encoding="utf-8"), source=path.name)


def parse_individual_scheme(text: str, *, source: str = "<scheme>") -> IndividualScheme:
    """A scheme from its YAML text; InputError lists every problem (Chinese / English)."""
    return parse_checked(text, IndividualScheme, source=source, rules=_rules)


def _pct(share: float) -> str:
    return f"{share * 100:.4g}%"


def _rules(scheme: IndividualScheme, source: str) -> list[Problem]:
    problems: list[Problem] = []

    def add(where: str, zh: str, en: str) -> None:
        problems.append(Problem(f"{source}: {where}", None, None, f"{zh} / {en}"))

    share = scheme.performance_share
    if share < MIN_PERFORMANCE_SHARE:
        add(
            "components",
            f"业绩权重须不低于总分的60%，现为{_pct(share)}",
            f"the performance weight must be at least 60% of the full score, not {_pct(share)}",
        )
    for codes in ([c.code for c in scheme.components], [i.code for _, i in scheme.items()]):
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            add("components", f"编码 {code} 重复", f"duplicate code {code!r}")
    for component in scheme.components:
        for item in component.items:
            where = f"components.{component.code}.items.{item.code}"
            if item.indicator and item.indicator not in INDICATORS:
                add(where, f"未知指标 {item.indicator}", f"unknown indicator {item.indicator!r}; "
                    f"known: {', '.join(INDICATORS)}")  # fmt: skip
            if item.source is Source.CASES and component.kind is not ComponentKind.PERFORMANCE:
                add(where, "案件指标只能用于业绩", "case-based items belong to performance")
    problems += _grade_problems(scheme, add)
    return problems


def _grade_problems(scheme: IndividualScheme, add: Any) -> list[Problem]:
    grades = scheme.grades
    total = sum(g.share or 0 for g in grades)
    if total > 1 + 1e-9:
        add("grades", f"各等次比例之和超过100%（{_pct(total)}）",
            f"the grade shares add up to more than 100% ({_pct(total)})")  # fmt: skip
    open_ = [g for g in grades if g.share is None and g.below is None]
    if len(open_) != 1:
        add("grades", "须有且只有一个不设比例的等次（其余人员）",
            "exactly one grade must have neither share nor below (everyone else)")  # fmt: skip
    for g in grades[:-1]:
        if g.below is not None:
            add(f"grades.{g.code}", "只有最后一个等次可设分数线（below）",
                "only the last grade may have a score floor (below)")  # fmt: skip
    if any(g.share is not None and g.below is not None for g in grades):
        add("grades", "等次不能同时设比例和分数线", "a grade has a share or a floor, not both")
    seen_open = False
    for g in grades:
        if g.share is not None and seen_open:
            add(f"grades.{g.code}", "设比例的等次须排在其余人员等次之前",
                "grades with shares come before the everyone-else grade")  # fmt: skip
        seen_open = seen_open or (g.share is None and g.below is None)
    uptos = [b.upto for b in scheme.bands]
    if uptos and (uptos != sorted(uptos) or uptos[-1] != 1):
        add("bands", "位次段须递增且最后一段为100%",
            "bands must rise and the last must reach 1 (100%)")  # fmt: skip
    return []
