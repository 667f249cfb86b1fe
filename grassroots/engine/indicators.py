"""Indicator values from data element values: ``numerator / denominator * factor``.

Numerators and denominators are the catalogue's arithmetic expressions over element codes
(derived codes such as 案 ``cases`` expanded). A missing element or a zero denominator gives
NaN, never 0.

Inconsistent element values are input errors, raised as one InputError listing all of them:
a value below its element's minimum (a negative count) or above its maximum, and a numerator
larger than its denominator for an indicator marked ``subset: true`` (e.g. more persons not
arrested than arrest decisions). Pass ``validate=False`` to compute anyway.

>>> from grassroots.engine.catalogue import load_catalogue
>>> elements = pd.DataFrame({"unit_code": ["hr"] * 3, "period": ["2020"] * 3,
...     "element": ["incoming", "resolved", "pending_end"], "value": [24924.0, 31306.0, 24423.0]})
>>> out = compute_indicators(elements, load_catalogue("cepej"), codes=["clearance_rate"])
>>> round(float(out.value.iloc[0]), 2)
125.61
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from grassroots.engine import expressions
from grassroots.engine.catalogue import Catalogue
from grassroots.engine.errors import InputError, Problem, raise_if_any

COLUMNS = ["unit_code", "period", "indicator", "value", "numerator", "denominator"]
KEY = ["unit_code", "period"]


def compute_indicators(
    elements: pd.DataFrame,
    catalogue: Catalogue,
    *,
    codes: Sequence[str] | None = None,
    validate: bool = True,
) -> pd.DataFrame:
    """Indicator values ``unit_code, period, indicator, value, numerator, denominator``."""
    chosen = list(codes) if codes is not None else list(catalogue.indicators)
    unknown = [c for c in chosen if c not in catalogue.indicators]
    if unknown:
        raise InputError(
            Problem(
                "indicators",
                None,
                None,
                f"unknown indicator '{c}'{expressions.did_you_mean(c, catalogue.indicators)}",
            )
            for c in unknown
        )
    source = str(elements.attrs.get("source", "element values"))
    wide = _wide(elements, source)
    if validate:
        raise_if_any(_element_problems(wide, catalogue, source))
    frames = [_one(wide, catalogue, code) for code in chosen]
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    if validate:
        raise_if_any(_subset_problems(result, catalogue, source))
    return result[COLUMNS]


def _wide(elements: pd.DataFrame, source: str) -> pd.DataFrame:
    dupes = elements[elements.duplicated(["unit_code", "period", "element"], keep="first")]
    if len(dupes):
        raise InputError(
            Problem(
                source,
                None,
                "element",
                f"unit {r.unit_code} period {r.period}: element {r.element} appears twice",
            )
            for r in dupes.itertuples()
        )
    values = elements.assign(
        value=pd.to_numeric(elements["value"], errors="coerce").astype("float64")
    )
    return values.pivot(index=KEY, columns="element", values="value")


def _element_problems(wide: pd.DataFrame, catalogue: Catalogue, source: str) -> list[Problem]:
    problems = []
    for code, element in catalogue.elements.items():
        if code not in wide.columns:
            continue
        column = wide[code]
        if element.lowest is not None:
            bad = column[column < element.lowest]
            problems += _listed(bad, source, code, f"is below the minimum {element.lowest:g}")
        if element.max is not None:
            bad = column[column > element.max]
            problems += _listed(bad, source, code, f"is above the maximum {element.max:g}")
    return problems


def _listed(bad: pd.Series[float], source: str, code: str, text: str) -> list[Problem]:
    units = bad.index.get_level_values("unit_code")
    periods = bad.index.get_level_values("period")
    return [
        Problem(source, None, code, f"unit {unit} period {period}: {value:g} {text}")
        for unit, period, value in zip(units, periods, bad.to_numpy(), strict=True)
    ]


def _one(wide: pd.DataFrame, catalogue: Catalogue, code: str) -> pd.DataFrame:
    indicator = catalogue.indicators[code]
    numerator_sql, denominator_sql = catalogue.expanded(code)
    nan = np.full(len(wide), np.nan)
    arrays = {
        name: wide[name].to_numpy(dtype="float64") if name in wide.columns else nan
        for name in catalogue.elements_of(code)
    }
    numerator = expressions.evaluate(numerator_sql, arrays)
    denominator = expressions.evaluate(denominator_sql, arrays)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(denominator == 0, np.nan, numerator / denominator * indicator.factor)
    frame = wide.index.to_frame(index=False)
    return frame.assign(indicator=code, value=value, numerator=numerator, denominator=denominator)


def _subset_problems(result: pd.DataFrame, catalogue: Catalogue, source: str) -> list[Problem]:
    subset = [code for code, ind in catalogue.indicators.items() if ind.subset]
    bad = result[result["indicator"].isin(subset) & (result["numerator"] > result["denominator"])]
    return [
        Problem(
            source,
            None,
            str(r.indicator),
            f"unit {r.unit_code} period {r.period}: numerator {r.numerator:g} is larger than "
            f"denominator {r.denominator:g}, but {r.indicator} counts a subset of its denominator",
        )
        for r in bad.itertuples()
    ]
