"""Validation rules in DHIS2's model: ``left <operator> right`` over data element values.

Each side is an arithmetic expression over element codes (checked and evaluated by the engine's
expression module, so the maths is the engine's). Operators: ``== != < <= > >=`` compare the
sides; ``compulsory_pair`` requires both sides present or both absent; ``exclusive_pair``
forbids both present. The missing-value strategy decides what an absent element means:
``skip_if_any_missing`` (default) skips the check, ``skip_if_all_missing`` treats the missing
ones as 0 unless all are missing, ``never_skip`` treats them as 0.
"""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.errors import Problem, raise_if_any
from grassroots.engine.expressions import check_arithmetic, columns_of, evaluate, parse

RULES_DIR = Path(__file__).parent.parent / "rules"


class Operator(enum.StrEnum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    COMPULSORY_PAIR = "compulsory_pair"
    EXCLUSIVE_PAIR = "exclusive_pair"


class Importance(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Missing(enum.StrEnum):
    SKIP_IF_ANY_MISSING = "skip_if_any_missing"
    SKIP_IF_ALL_MISSING = "skip_if_all_missing"
    NEVER_SKIP = "never_skip"


_COMPARE: dict[Operator, Callable[[float, float], bool]] = {
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
    Operator.LT: operator.lt,
    Operator.LE: operator.le,
    Operator.GT: operator.gt,
    Operator.GE: operator.ge,
}


@dataclass(frozen=True)
class Rule:
    code: str
    name_zh: str
    left: str
    operator: Operator
    right: str
    importance: Importance = Importance.MEDIUM
    missing: Missing = Missing.SKIP_IF_ANY_MISSING
    name_en: str = ""

    def elements(self, side: str) -> set[str]:
        return columns_of(parse(side, source=self.code))


@dataclass(frozen=True)
class Violation:
    rule: Rule
    unit_code: str
    period: str
    left: float | None
    right: float | None

    @property
    def message(self) -> str:
        def show(v: float | None) -> str:
            return "—" if v is None else f"{v:g}"

        return f"{self.rule.left} = {show(self.left)} {self.rule.operator} {self.rule.right} = {show(self.right)}"


def list_rule_sets() -> list[str]:
    return sorted(p.stem for p in RULES_DIR.glob("*.yaml"))


@lru_cache(maxsize=8)
def load_rules(name: str) -> tuple[Rule, ...]:
    """The shipped rules for catalogue ``name`` (none when no rule file exists)."""
    path = RULES_DIR / f"{name}.yaml"
    if not path.exists():
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    known = set(load_catalogue(data["catalogue"]).elements)
    rules, problems = [], []
    for i, raw in enumerate(data.get("rules", [])):
        source = f"{path.name}: rules[{i}]"
        try:
            rule = Rule(
                code=raw["code"], name_zh=raw["name_zh"], left=raw["left"],
                operator=Operator(raw["operator"]), right=raw["right"],
                importance=Importance(raw.get("importance", "medium")),
                missing=Missing(raw.get("missing", "skip_if_any_missing")),
                name_en=raw.get("name_en", ""),
            )  # fmt: skip
        except (KeyError, ValueError) as exc:
            problems.append(Problem(source, None, None, f"bad rule: {exc}"))
            continue
        problems += check_arithmetic(rule.left, known, source=f"{source}.left")
        problems += check_arithmetic(rule.right, known, source=f"{source}.right")
        rules.append(rule)
    raise_if_any(problems)
    return tuple(rules)


def run_rules(rules: Iterable[Rule], values: pd.DataFrame) -> list[Violation]:
    """Violations in ``values`` (columns unit_code, period, element, value), unit by period."""
    if values.empty:
        return []
    wide = values.pivot_table(
        index=["unit_code", "period"], columns="element", values="value", aggfunc="first"
    )
    found: list[Violation] = []
    for rule in rules:
        left = _side(rule, rule.left, wide)
        right = _side(rule, rule.right, wide)
        for (unit_code, period), lv, rv in zip(wide.index, left, right, strict=True):
            if _violated(rule, lv, rv):
                found.append(Violation(rule, str(unit_code), str(period), _num(lv), _num(rv)))
    return found


def _side(rule: Rule, text: str, wide: pd.DataFrame) -> list[float | None]:
    """The side's value per row, or None where the missing-value strategy says to skip."""
    codes = rule.elements(text)
    columns = {
        c: wide[c].to_numpy(dtype=np.float64) if c in wide else np.full(len(wide), math.nan)
        for c in codes
    }
    missing_any = np.zeros(len(wide), dtype=bool)
    missing_all = np.ones(len(wide), dtype=bool)
    for array in columns.values():
        missing_any |= np.isnan(array)
        missing_all &= np.isnan(array)
    filled = {c: np.nan_to_num(a, nan=0.0) for c, a in columns.items()}
    result = evaluate(text, filled) if filled else evaluate(text, {"_": np.zeros(len(wide))})
    skip = {
        Missing.SKIP_IF_ANY_MISSING: missing_any,
        Missing.SKIP_IF_ALL_MISSING: missing_all,
        Missing.NEVER_SKIP: np.zeros(len(wide), dtype=bool),
    }[rule.missing]
    if rule.operator in (Operator.COMPULSORY_PAIR, Operator.EXCLUSIVE_PAIR):
        # For pairs "present" is what matters: a side is absent when all its elements are.
        return [None if gone else float(v) for gone, v in zip(missing_all, result, strict=True)]
    return [None if s else float(v) for s, v in zip(skip, result, strict=True)]


def _violated(rule: Rule, left: float | None, right: float | None) -> bool:
    if rule.operator == Operator.COMPULSORY_PAIR:
        return (left is None) != (right is None)
    if rule.operator == Operator.EXCLUSIVE_PAIR:
        return left is not None and right is not None
    if left is None or right is None or math.isnan(left) or math.isnan(right):
        return False
    return not _COMPARE[rule.operator](left, right)


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value
