"""What a run from intake reads, gathered through intake's selectors, as frames for the engine.

A run from intake reads, for each grassroots unit in scope and each period, only what the
workflow accepted (approved by the city, accepted and locked by the province); a *provisional*
run, which the province may start to look ahead, reads unaccepted data too. Either records the
units in scope whose data for the period was not accepted (``unaccepted``). It reads the element
values of the newest current (not superseded) data version of the period that holds values for that unit (a unit's
own upload, or a city's upload covering it: ``intake.selectors.current_case_versions``), plus the
reported figures of the period. It records the version of each unit, every version's checksum
and the figure uploads it read, so it is recomputed from the same data even after those versions
are superseded: a superseded version is never changed or deleted, and the run keeps pointing at
it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from grassroots.engine.pipeline import parse_period, periods_needed
from grassroots.engine.scheme import Scheme
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.schemes import needed_elements, scheme_of
from grassroots.intake import selectors as intake
from grassroots.organisations.models import Level, Unit


def intake_inputs(
    *, scheme: Scheme, period: str, scope: Unit | None, provisional: bool = False
) -> dict[str, Any]:
    """What a run from intake will read, as recorded in ``EvaluationRun.data_versions``.

    Only accepted data unless ``provisional``; ``accepted`` records, per period, the units whose
    data was read (so a recomputation reads the same figures), ``unaccepted`` the units in scope
    without accepted data for the period.

    RunError when the scheme scores no catalogue, no unit has accepted data (not provisional),
    or there is no data at all for the period."""
    needed = needed_elements(scheme)
    catalogue = needed.catalogue.name
    case_elements, reported_elements = needed.case_elements, needed.reported_elements
    units = _scope_units(scope)
    if not units:
        raise RunError("no grassroots units in the scope of this run")
    periods = [p.key for p in periods_needed(scheme, parse_period(period))]
    accepted = intake.accepted_units(units=units, periods=periods)
    unaccepted = [code for code in units if code not in accepted[period]]
    if not provisional and len(unaccepted) == len(units):
        raise RunError(
            _(
                "No unit under %(scope)s has data for %(period)s that the province accepted: "
                "accept the cities' approved submissions first, or start a provisional run"
            )
            % {
                "scope": scope.code if scope is not None else _("the whole database"),
                "period": period,
            }
        )
    cases: dict[str, dict[str, int]] = {p: {} for p in periods}
    if case_elements:
        current = intake.current_case_versions if provisional else intake.accepted_case_versions
        cases = current(units=units, periods=periods, elements=case_elements)
    chosen = {v for per in cases.values() for v in per.values()}
    checksums = intake.version_checksums(chosen)
    figures: dict[str, str] = {}
    reported: set[str] = set()
    if reported_elements:
        figures = intake.figure_uploads(catalogue=catalogue, periods=periods)
        reported = intake.units_with_figures(
            catalogue=catalogue, period=period, units=units, elements=reported_elements
        )
        if not provisional:
            reported &= accepted[period]
    missing: dict[str, list[str]] = {}
    for code in units:
        gaps = []
        if case_elements and code not in cases[period]:
            gaps.append("cases")
        if reported_elements and code not in reported:
            gaps.append("figures")
        if gaps:
            missing[code] = gaps
    if len(missing) == len(units):
        raise RunError(
            f"intake holds no data for {period} for the units in scope: upload case records "
            "(or report figures) for the period first"
        )
    recorded: dict[str, Any] = {
        "cases": dict(sorted(cases[period].items())),
        "checksums": {str(pk): checksums[pk] for pk in sorted(checksums)},
        "figures": figures,
        "missing": missing,
        "unaccepted": unaccepted,
        "units": units,
    }
    if not provisional:
        recorded["accepted"] = {p: sorted(accepted[p]) for p in periods}
    earlier = {p: dict(sorted(c.items())) for p, c in cases.items() if p != period}
    if earlier:
        recorded["earlier"] = earlier
    return recorded


def _scope_units(scope: Unit | None) -> dict[str, str]:
    """Active grassroots units under ``scope`` (all without one): unit code -> peer group."""
    units = Unit.objects.filter(level=Level.GRASSROOTS, active=True)
    if scope is not None:
        units = units.filter(path__startswith=scope.path)
    return {
        code: peer or parent or code
        for code, peer, parent in units.order_by("code").values_list(
            "code", "peer_group", "parent__code"
        )
    }


def intake_element_frame(
    run: EvaluationRun, *, units: Collection[str] | None = None
) -> pd.DataFrame:
    """The element values the run read: ``unit_code, period, element, value`` (+ ``source``:
    "version:<id>" or "figures:<upload id>"), rebuilt from its recorded versions and uploads;
    ``units`` limits it to those unit codes.

    Checks the recorded versions and uploads still exist with the recorded checksums."""
    recorded = run.data_versions
    needed = needed_elements(scheme_of(run.scheme_version))
    per_period = {run.period: recorded.get("cases", {}), **recorded.get("earlier", {})}
    checksums = {
        str(pk): c
        for pk, c in intake.version_checksums(int(v) for v in recorded.get("checksums", {})).items()
    }
    if checksums != recorded.get("checksums", {}):
        raise RunError(f"run {run.pk}: a data version it read is gone or its checksum changed")
    uploads = intake.figure_uploads(
        catalogue=needed.catalogue.name, ids=[int(v) for v in recorded.get("figures", {})]
    )
    if uploads != recorded.get("figures", {}):
        raise RunError(f"run {run.pk}: a figure upload it read is gone or its checksum changed")
    codes = set(recorded.get("units", {})) if units is None else set(units)
    wanted = {
        (p, code): int(v)
        for p, chosen in per_period.items()
        for code, v in chosen.items()
        if code in codes
    }
    cases = intake.version_element_values(wanted, elements=needed.case_elements)
    cases["source"] = "version:" + cases.pop("version").astype(str)
    frames = [cases]
    if needed.reported_elements and uploads:
        figures = intake.figures_of_uploads(
            uploads=[int(u) for u in uploads],
            catalogue=needed.catalogue.name,
            periods=list(per_period),
            units=codes,
            elements=needed.reported_elements,
        )
        figures["source"] = "figures:" + figures.pop("upload").astype(str)
        if "accepted" in recorded:  # only the figures of the units and periods accepted
            read = {(p, code) for p, codes in recorded["accepted"].items() for code in codes}
            keep = [
                (p, c) in read for p, c in zip(figures["period"], figures["unit_code"], strict=True)
            ]
            figures = figures[keep]
        frames.append(figures)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else cases
    return frame[["unit_code", "period", "element", "value", "source"]]


def intake_units(run: EvaluationRun) -> pd.DataFrame:
    """The units the run scores: ``unit_code, name, peer_group`` as recorded."""
    return pd.DataFrame(
        [(code, code, peer) for code, peer in run.data_versions.get("units", {}).items()],
        columns=["unit_code", "name", "peer_group"],
    )
