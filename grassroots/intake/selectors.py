"""Reads of the intake app."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from grassroots.engine.catalogue import load_catalogue
from grassroots.i18n import english
from grassroots.intake.models import (
    DEFAULT_CATALOGUE,
    DataVersion,
    ElementValue,
    FindingKind,
    ValidationFinding,
)
from grassroots.intake.outliers import Flag, flag_outliers
from grassroots.intake.rules import Violation, load_rules, run_rules
from grassroots.organisations.models import Unit


def element_names(catalogue: str = DEFAULT_CATALOGUE) -> dict[str, str]:
    """Element code -> name in the reader's language: English when English is active and the
    catalogue has an English name, else Chinese."""
    return _element_names(catalogue, english=english())


@lru_cache(maxsize=16)
def _element_names(catalogue: str, *, english: bool) -> dict[str, str]:
    # The shipped catalogue does not change while running.
    return {
        code: e.name_en if english and e.name_en else e.name_zh
        for code, e in load_catalogue(catalogue).elements.items()
    }


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


def _chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def element_labels(catalogue: str = DEFAULT_CATALOGUE) -> dict[str, str]:
    """Element code -> its name in the page's language (Chinese, or English when the UI is)."""
    elements = load_catalogue(catalogue).elements
    if _chinese():
        return {code: e.name_zh for code, e in elements.items()}
    return {code: e.name_en or e.name_zh for code, e in elements.items()}


def unit_label(unit: Unit) -> str:
    return unit.name_zh if _chinese() or not unit.name_en else unit.name_en


@dataclass(frozen=True)
class FindingRow:
    """A finding as a page shows it: a title and a sentence in the page's language."""

    finding: ValidationFinding
    unit_name: str
    title: str
    detail: str


def _show(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def finding_rows(
    findings: Iterable[ValidationFinding], catalogue: str = DEFAULT_CATALOGUE
) -> list[FindingRow]:
    rules = {r.code: r for r in load_rules(catalogue)}
    labels = element_labels(catalogue)
    rows = []
    for f in findings:
        if f.kind == FindingKind.RULE:
            rule = rules.get(f.code)
            title = (
                (rule.name_zh if _chinese() else rule.name_en or rule.name_zh) if rule else f.code
            )
            detail = (
                f"{rule.left} = {_show(f.left)} {rule.operator} {rule.right} = {_show(f.right)}"
                if rule
                else f.message
            )
        else:
            title = labels.get(f.code, f.code)
            against = (
                _("its own earlier periods (%(n)s values)") % {"n": f.references}
                if f.basis == "history"
                else _("%(n)s peer units") % {"n": f.references}
            )
            detail = _(
                "%(value)s is far from the median %(median)s of %(against)s "
                "(modified z-score %(z)s, flagged beyond ±3.5)"
            ) % {
                "value": _show(f.value), "median": _show(f.median), "against": against,
                "z": f"{f.z or 0:+.1f}",
            }  # fmt: skip
        rows.append(FindingRow(f, unit_label(f.unit), title, detail))
    return rows
