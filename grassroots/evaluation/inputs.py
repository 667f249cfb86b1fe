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

A year-to-date (``2024Q3-YTD``) or year (``2024``) period is read from the quarters it covers
(``span_case_versions``): for each unit, the current version of every covered quarter, recorded
under ``spans``; the run's element values are computed by the engine over the union of those
versions' case rows, so a case spanning quarters counts once (adding quarterly values would
count it in each quarter). A unit's version declared for the long period itself, if any, is
read as before; a unit lacking any covered quarter has no case data for the period. Reported
figures of a long period are the figures reported for that period key: they are not added up
from quarters (a reported figure need not be additive).

Every run's case-element values are computed from the recorded versions' case tables with the
run's recorded catalogue version, so a run, its reproduction and its trace use one catalogue.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from grassroots.engine.catalogue import Catalogue, load_catalogue
from grassroots.engine.periods import Period
from grassroots.engine.pipeline import parse_period, periods_needed
from grassroots.engine.scheme import Scheme
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.models import EvaluationRun
from grassroots.evaluation.schemes import needed_elements, scheme_of
from grassroots.intake import element_sources
from grassroots.intake import selectors as intake
from grassroots.organisations.models import Level, Unit

LONG_KINDS = frozenset({"ytd", "year"})


def quarters_of(period: Period) -> list[str]:
    """The quarters a year-to-date or year period covers, in order (``2024Q3-YTD``: Q1-Q3)."""
    return [f"{period.year}Q{q}" for q in range(1, (period.end.month + 2) // 3 + 1)]


def span_case_versions(
    *,
    units: Collection[str],
    period: str,
    elements: Collection[str] | None,
    provisional: bool = False,
) -> dict[str, list[int]]:
    """Unit code -> the data version of each quarter ``period`` (a YTD or a year) covers,
    oldest first, for the units with a version for every one of those quarters.

    The versions are intake's accepted ones (its current ones for a provisional run), by the
    one rule every read of intake follows."""
    quarters = quarters_of(Period.parse(period))
    read = intake.current_case_versions if provisional else intake.accepted_case_versions
    chosen = read(units=units, periods=quarters, elements=elements)
    return {
        code: [chosen[q][code] for q in quarters]
        for code in sorted(units)
        if all(code in chosen[q] for q in quarters)
    }


def intake_inputs(
    *,
    scheme: Scheme,
    period: str,
    scope: Unit | None,
    catalogue: Catalogue | None = None,
    provisional: bool = False,
) -> dict[str, Any]:
    """What a run from intake will read, as recorded in ``EvaluationRun.data_versions``.

    ``catalogue``: the catalogue version the run computes with (default: the shipped one).
    Only accepted data unless ``provisional``; ``accepted`` records, per period, the units whose
    data was read (so a recomputation reads the same figures), ``unaccepted`` the units in scope
    without accepted data for the period.

    RunError when the scheme scores no catalogue, no unit has accepted data (not provisional),
    or there is no data at all for the period."""
    needed = needed_elements(scheme, catalogue=catalogue)
    catalogue_name = needed.catalogue.name
    case_elements, reported_elements = needed.case_elements, needed.reported_elements
    unknown = sorted(s for s in needed.sourced_elements if s not in element_sources.registered())
    if unknown:
        raise RunError(
            _("The catalogue names element sources that are not installed: %(names)s")
            % {"names": ", ".join(unknown)}
        )
    units = _scope_units(scope)
    if not units:
        raise RunError("no grassroots units in the scope of this run")
    periods = [p.key for p in periods_needed(scheme, parse_period(period))]
    accepted = intake.accepted_units(units=units, periods=periods)
    for key in periods:  # a year-to-date or a year is accepted when every quarter of it is
        if (long := parse_period(key)).kind in LONG_KINDS:
            quarters = quarters_of(long)
            by_quarter = intake.accepted_units(units=units, periods=quarters)
            accepted[key] |= set.intersection(*(by_quarter[q] for q in quarters))
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
    spans: dict[str, dict[str, list[int]]] = {}
    if case_elements:
        for key in periods:
            if parse_period(key).kind in LONG_KINDS:
                rest = [c for c in units if c not in cases[key]]
                spans[key] = span_case_versions(
                    units=rest, period=key, elements=case_elements, provisional=provisional
                )
    chosen = {v for per in cases.values() for v in per.values()}
    chosen |= {v for per in spans.values() for ids in per.values() for v in ids}
    checksums = intake.version_checksums(chosen)
    figures: dict[str, str] = {}
    reported: set[str] = set()
    if reported_elements:
        figures = intake.figure_uploads(catalogue=catalogue_name, periods=periods)
        reported = intake.units_with_figures(
            catalogue=catalogue_name, period=period, units=units, elements=reported_elements
        )
        if not provisional:
            reported &= accepted[period]
    missing: dict[str, list[str]] = {}
    for code in units:
        gaps = []
        if case_elements and code not in cases[period] and code not in spans.get(period, {}):
            gaps.append("cases")
        if reported_elements and code not in reported:
            gaps.append("figures")
        if gaps:
            missing[code] = gaps
    if (case_elements or reported_elements) and len(missing) == len(units):
        raise RunError(
            f"intake holds no data for {period} for the units in scope: upload case records "
            "(or report figures) for the period first"
        )
    sourced: dict[str, Any] = {}
    for name, elements in sorted(needed.sourced_elements.items()):
        # Frozen now, so the run is reproduced from what it read even after the source changed.
        sourced[name] = element_sources.freeze(
            name, units=list(units), period=period, periods=periods, elements=elements
        )
        for code in units:
            if code not in sourced[name]["units"]:
                missing.setdefault(code, []).append(name)
        sourced[name].pop("units")
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
    if any(spans.values()):
        recorded["spans"] = {p: per for p, per in spans.items() if per}
    if sourced:
        recorded["sourced"] = sourced
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


def run_catalogue(run: EvaluationRun) -> Catalogue | None:
    """The catalogue the run computes with: its recorded version (runs recorded before
    catalogues were versioned: the shipped one); None for a scheme that scores none."""
    if run.catalogue_version is not None:
        from grassroots.intake.catalogues.services import catalogue_of

        return catalogue_of(run.catalogue_version)
    name = scheme_of(run.scheme_version).catalogue
    return load_catalogue(name) if name else None


def versions_read(run: EvaluationRun) -> dict[tuple[str, str], list[int]]:
    """(period, unit code) -> the data versions the run read for it: one, or for a unit of a
    year-to-date or year period read from its quarters, those quarters' versions in order."""
    recorded = run.data_versions
    per_period = {run.period: recorded.get("cases", {}), **recorded.get("earlier", {})}
    read = {(p, code): [int(v)] for p, chosen in per_period.items() for code, v in chosen.items()}
    for p, spans in recorded.get("spans", {}).items():
        for code, ids in spans.items():
            read[(p, code)] = [int(v) for v in ids]
    return read


def intake_element_frame(
    run: EvaluationRun, *, units: Collection[str] | None = None
) -> pd.DataFrame:
    """The element values the run read: ``unit_code, period, element, value`` (+ ``source``:
    "version:<id>", "versions:<id>,<id>,..." for a span of quarters, or "figures:<upload id>"),
    computed from its recorded versions with its recorded catalogue, and its recorded figure
    uploads; ``units`` limits it to those unit codes.

    Checks the recorded versions and uploads still exist with the recorded checksums."""
    recorded = run.data_versions
    needed = needed_elements(scheme_of(run.scheme_version), catalogue=run_catalogue(run))
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
    read = {key: ids for key, ids in versions_read(run).items() if key[1] in codes}
    try:
        cases = intake.case_element_values(
            read, catalogue=needed.catalogue, elements=needed.case_elements
        )
    except OSError as exc:  # a version gone, or its files no longer match their SHA-256
        raise RunError(f"run {run.pk}: {exc}") from None
    versions = cases.pop("versions").astype(str)
    cases["source"] = versions.map(lambda v: ("versions:" if "," in v else "version:") + v)
    frames = [cases]
    if needed.reported_elements and uploads:
        figures = intake.figures_of_uploads(
            uploads=[int(u) for u in uploads],
            catalogue=needed.catalogue.name,
            periods=sorted({run.period, *recorded.get("earlier", {}), *recorded.get("spans", {})}),
            units=codes,
            elements=needed.reported_elements,
        )
        figures["source"] = "figures:" + figures.pop("upload").astype(str)
        if "accepted" in recorded:  # only the figures of the units and periods accepted
            taken = {(p, c) for p, accepted in recorded["accepted"].items() for c in accepted}
            keep = [
                (p, c) in taken
                for p, c in zip(figures["period"], figures["unit_code"], strict=True)
            ]
            figures = figures[keep]
        frames.append(figures)
    if recorded.get("sourced"):
        frames.append(_sourced_frame(run, codes))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else cases
    return frame[["unit_code", "period", "element", "value", "source"]]


def _sourced_frame(run: EvaluationRun, codes: Collection[str]) -> pd.DataFrame:
    """The element values the run froze from element sources, ``source`` "<name>:<snapshot>"."""
    recorded = run.data_versions["sourced"]
    try:
        values = element_sources.frozen_values(recorded)
    except element_sources.SnapshotChanged as exc:
        raise RunError(f"run {run.pk}: {exc}") from None
    rows = [
        (v.unit_code, v.period, v.element, v.value, f"{name}:{recorded[name]['snapshot']}")
        for name, per in values.items()
        for v in per
        if v.unit_code in codes
    ]
    return pd.DataFrame(rows, columns=["unit_code", "period", "element", "value", "source"])


def intake_units(run: EvaluationRun) -> pd.DataFrame:
    """The units the run scores: ``unit_code, name, peer_group`` as recorded."""
    return pd.DataFrame(
        [(code, code, peer) for code, peer in run.data_versions.get("units", {}).items()],
        columns=["unit_code", "name", "peer_group"],
    )
