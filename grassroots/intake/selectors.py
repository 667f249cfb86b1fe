"""Reads of the intake app."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from grassroots.engine.catalogue import load_catalogue
from grassroots.intake.models import DataVersion, ElementValue
from grassroots.intake.outliers import Flag, flag_outliers
from grassroots.intake.rules import Violation, load_rules, run_rules
from grassroots.intake.services import DEFAULT_CATALOGUE


@lru_cache(maxsize=8)
def element_names(catalogue: str = DEFAULT_CATALOGUE) -> dict[str, str]:
    """Element code -> Chinese name (the shipped catalogue does not change while running)."""
    return {code: e.name_zh for code, e in load_catalogue(catalogue).elements.items()}


def version_violations(version: DataVersion) -> list[Violation]:
    """The shipped validation rules run over the element values a data version yielded."""
    values = pd.DataFrame(
        list(version.element_values.values_list("unit__code", "period", "element", "value")),
        columns=["unit_code", "period", "element", "value"],
    )
    return run_rules(load_rules(DEFAULT_CATALOGUE), values)


def _frame(rows: object) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["unit_code", "period", "element", "value"])  # type: ignore[call-overload]


def version_flags(version: DataVersion) -> list[Flag]:
    """Outlier flags for a version's values against the units' own earlier periods (current
    versions only) and the same period's values of units in the same peer groups."""
    fields = ("unit__code", "period", "element", "value")
    current = _frame(version.element_values.values_list(*fields))
    if current.empty:
        return []
    live = ElementValue.objects.filter(data_version__superseded_by__isnull=True).exclude(
        data_version=version
    )
    units = version.element_values.values("unit")
    history = _frame(
        live.filter(unit__in=units).exclude(period=version.period).values_list(*fields)
    )
    groups = set(version.element_values.values_list("unit__peer_group", flat=True))
    peers = _frame(
        live.filter(period=version.period, unit__peer_group__in=groups).values_list(*fields)
    )
    return flag_outliers(current, history=history, peers=pd.concat([peers, current]))
