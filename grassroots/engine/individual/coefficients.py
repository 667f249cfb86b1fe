"""Case-type coefficient tables (案件类型系数表): how much one piece of work weighs.

A province edits its table per year; the engine takes the parsed table. Work types are the
things the case records can count for a handling prosecutor (:data:`WORK_TYPES`): a concluded
arrest review or prosecution review (per case), each procedural event by type, each supervision
matter by kind. A work type the table does not list weighs 0.

The shipped ``example-2021`` is the example of PRACTICE-2 §1.5 (an unnamed court's 附件9),
marked ``example: true``: a starting point, not an SPP standard.

>>> t = load_coefficients("example-2021")
>>> t.example, t.coefficient("protest"), t.coefficient("remand_first")
(True, Fraction(4, 3), Fraction(0, 1))
>>> parse_coefficients("name: x\\nyear: 2025\\ncoefficients: {arrest_review: 2/3}").coefficient("arrest_review")
Fraction(2, 3)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from grassroots.engine.caseformat import EVENT_TYPE_NAMES_ZH, EVENT_TYPES, MATTER_KINDS
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.yaml_models import safe_load

COEFFICIENTS_DIR = Path(__file__).resolve().parents[1] / "schemes" / "individual" / "coefficients"

MATTER_KIND_NAMES_ZH = {
    "criminal_protest": "刑事抗诉",
    "civil_recommendation": "民事检察建议",
    "admin_recommendation": "行政检察建议",
    "pre_litigation_recommendation": "诉前检察建议",
}

# code -> 中文. Cases count once per case in the month it concluded; events and matters per row.
WORK_TYPES: dict[str, str] = {
    "arrest_review": "审查逮捕案件（按审查逮捕决定日期）",
    "prosecution_review": "审查起诉案件（按审结日期）",
    **{t: f"程序事件：{EVENT_TYPE_NAMES_ZH[t]}" for t in EVENT_TYPES},
    **{k: f"监督事项：{MATTER_KIND_NAMES_ZH[k]}（按提出日期）" for k in MATTER_KINDS},
}


@dataclass(frozen=True)
class CoefficientTable:
    """A parsed coefficient table: ``coefficients`` by work type, with the source row names."""

    name: str
    year: int | None
    coefficients: dict[str, Fraction]
    example: bool = False
    title_zh: str = ""
    sources: dict[str, str] = field(default_factory=dict)  # work type -> the table row it is

    def coefficient(self, work_type: str) -> Fraction:
        return self.coefficients.get(work_type, Fraction(0))


def list_coefficients() -> list[str]:
    """Names of the shipped coefficient tables."""
    return sorted(p.stem for p in COEFFICIENTS_DIR.glob("*.yaml"))


def load_coefficients(name: str) -> CoefficientTable:
    """A shipped table by registered name, never a path; InputError otherwise."""
    known = list_coefficients()
    if not (isinstance(name, str) and name in known):
        message = f"no such coefficient table; registered tables: {', '.join(known)}"
        raise InputError([Problem("coefficients", None, None, message)])
    path = COEFFICIENTS_DIR / f"{name}.yaml"
    return parse_coefficients(path.read_text(encoding="utf-8"), source=path.name)


def _fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(value).limit_denominator(1000) if value >= 0 else None
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?(\s*/\s*[1-9]\d*)?\s*", value):
        return Fraction(value.replace(" ", ""))
    return None


def parse_coefficients(text: str, *, source: str = "<coefficients>") -> CoefficientTable:
    """A table from YAML: ``name``, ``year``, ``example``, ``title_zh`` and ``coefficients``,
    a mapping of work type to a number or fraction (``4/3``), or to ``{value:, source_zh:}``."""
    try:
        raw = safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError([Problem(source, None, None, f"not valid YAML: {exc}")]) from None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("coefficients"), Mapping):
        msg = "系数表须有 coefficients 映射 / a coefficient table needs a coefficients mapping"
        raise InputError([Problem(source, None, None, msg)])
    problems: list[Problem] = []
    values: dict[str, Fraction] = {}
    sources: dict[str, str] = {}
    for code, entry in raw["coefficients"].items():
        where = f"{source}: coefficients.{code}"
        value = entry.get("value") if isinstance(entry, Mapping) else entry
        if code not in WORK_TYPES:
            msg = f"未知的工作类型 / unknown work type; known: {', '.join(WORK_TYPES)}"
            problems.append(Problem(where, None, None, msg))
            continue
        number = _fraction(value)
        if number is None:
            msg = f"系数须为非负数或分数（如 4/3）/ not a number or fraction like 4/3: {value!r}"
            problems.append(Problem(where, None, None, msg))
            continue
        values[str(code)] = number
        if isinstance(entry, Mapping) and entry.get("source_zh"):
            sources[str(code)] = str(entry["source_zh"])
    year = raw.get("year")
    if year is not None and not isinstance(year, int):
        problems.append(
            Problem(f"{source}: year", None, None, "年份须为整数 / year must be a whole number")
        )
    if problems:
        raise InputError(problems)
    return CoefficientTable(
        name=str(raw.get("name") or source),
        year=year,
        coefficients=values,
        example=bool(raw.get("example", False)),
        title_zh=str(raw.get("title_zh") or ""),
        sources=sources,
    )
