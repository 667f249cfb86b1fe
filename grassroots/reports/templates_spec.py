"""A document template: which sections in which order, which indicators, titles and marking.

The built-in template is version "builtin-1"; a province's edited template is stored with its
own version number (`models.ReportTemplate`) and named in each document it made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grassroots.engine.periods import Period

SECTIONS = (
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
    sections: tuple[str, ...] = SECTIONS
    indicators: frozenset[str] = field(default_factory=frozenset)  # empty: all the scheme's
    titles: dict[str, str] = field(default_factory=dict)
    marking: str | None = None  # None: the province's policy says

    def order(self, *, ranking: bool) -> list[str]:
        return [s for s in self.sections if ranking or s != "league"]

    def title_for(self, period: Period) -> str:
        kind = period.kind
        if kind == "ytd" and period.number == 2:
            return self.titles.get("half", "半年检察业务数据分析")
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


def from_spec(spec: dict[str, Any], *, version: str) -> Template:
    return Template(
        version=version,
        scheme=str(spec.get("scheme") or "core-business"),
        sections=tuple(spec.get("sections") or SECTIONS),
        indicators=frozenset(spec.get("indicators") or ()),
        titles={str(k): str(v) for k, v in (spec.get("titles") or {}).items()},
        marking=spec.get("marking"),
    )
