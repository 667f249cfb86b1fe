"""A document template: which sections in which order, which indicators, titles and marking.

The built-in template is version "builtin-1"; a province's edited template is stored with its
own version number (`models.ReportTemplate`) and named in each document it made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grassroots.engine.periods import Period

BULLETIN_SECTIONS = (
    "summary",
    "lines",
    "distribution",
    "warnings",
    "weak_units",
    "data_quality",
    "league",
    "consultation",
    "next_steps",
    "appendix",
)
# Every product's built-in sections, in order (the province may reorder or leave some out).
PRODUCT_SECTIONS: dict[str, tuple[str, ...]] = {
    "bulletin": BULLETIN_SECTIONS,
    "monthly": ("summary", "lines", "warnings", "data_quality", "next_steps", "appendix"),
    "half_year": (
        "summary",
        "lines",
        "trend",
        "distribution",
        "heatmap",
        "warnings",
        "weak_units",
        "data_quality",
        "league",
        "consultation",
        "next_steps",
        "appendix",
    ),
    "annual": (
        "summary",
        "lines",
        "trend",
        "distribution",
        "heatmap",
        "warnings",
        "weak_units",
        "data_quality",
        "league",
        "consultation",
        "next_steps",
        "appendix",
    ),
    "unit_profile": ("summary", "values", "trend", "warnings", "weak_units"),
    "plan_progress": ("summary", "plans", "measures"),
    "exit_record": ("summary", "items", "decision"),
}
SECTIONS = tuple(dict.fromkeys(s for sections in PRODUCT_SECTIONS.values() for s in sections))
# The period kind a product is for (absent: any kind; "half": the half-year, 2024Q2-YTD).
PRODUCT_PERIODS = {"monthly": "month", "half_year": "half", "annual": "year"}
PRODUCT_TITLES = {
    "monthly": {"month": "月度检察业务数据报告"},
    "half_year": {"half": "半年检察业务数据分析"},
    "annual": {"year": "年度检察业务数据分析研判报告"},
    "unit_profile": {"any": "检察业务画像报告"},
    "plan_progress": {"any": "相对薄弱基层院整改方案进展报告"},
    "exit_record": {"any": "相对薄弱基层院脱薄评价记录"},
}

TITLES = {
    "quarter": "季度检察业务数据通报",
    "month": "月度检察业务数据报告",
    "ytd": "检察业务数据分析",
    "year": "年度检察业务数据分析研判报告",
}


@dataclass(frozen=True)
class Template:
    version: str = "builtin-1"
    scheme: str = "core-business"
    sections: tuple[str, ...] = BULLETIN_SECTIONS
    indicators: frozenset[str] = field(default_factory=frozenset)  # empty: all the scheme's
    titles: dict[str, str] = field(default_factory=dict)
    marking: str | None = None  # None: the province's policy says

    def order(self, *, ranking: bool) -> list[str]:
        return [s for s in self.sections if ranking or s != "league"]

    def title_for(self, period: Period) -> str:
        kind = period.kind
        if kind == "ytd" and period.number == 2:
            return self.titles.get("half", "半年检察业务数据分析")
        if "any" in self.titles:
            return self.titles["any"]
        return self.titles.get(kind, TITLES[kind])

    def number_for(self, period: Period) -> str:
        issue = period.number if period.kind != "year" else 1
        return f"{period.year}年第{issue}期"

    def as_spec(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "sections": list(self.sections),
            "indicators": sorted(self.indicators),
            "titles": dict(sorted(self.titles.items())),
            "marking": self.marking,
        }


BUILTIN = Template()
BUILTINS = {
    product: Template(sections=sections, titles=dict(PRODUCT_TITLES.get(product, {})))
    for product, sections in PRODUCT_SECTIONS.items()
}


def builtin(product: str) -> Template:
    return BUILTINS.get(product, BUILTIN)


def period_fits(product: str, period: Period) -> bool:
    """Whether the product is made for this kind of period (the monthly report for a month)."""
    wanted = PRODUCT_PERIODS.get(product)
    if wanted is None:
        return True
    if wanted == "half":
        return period.kind == "ytd" and period.number == 2
    return period.kind == wanted


def from_spec(spec: dict[str, Any], *, version: str, product: str = "bulletin") -> Template:
    base = builtin(product)
    titles = {**base.titles, **{str(k): str(v) for k, v in (spec.get("titles") or {}).items()}}
    return Template(
        version=version,
        scheme=str(spec.get("scheme") or "core-business"),
        sections=tuple(spec.get("sections") or base.sections),
        indicators=frozenset(spec.get("indicators") or ()),
        titles=titles,
        marking=spec.get("marking"),
    )
