"""Where a run's numbers came from: the data versions, figure uploads and element values it read.

The run page lists the versions a run from intake used (for the units in the reader's scope),
with the units that had no data; a unit's profile lists, per indicator, the element values
behind it and the version or figure upload each came from. Everything is read from what the
run recorded, so a version superseded after the run still shows as the one it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext

from grassroots.cells import cell_float
from grassroots.engine.catalogue import Catalogue, load_catalogue
from grassroots.engine.scheme import Scheme
from grassroots.evaluation.models import EvaluationRun
from grassroots.i18n import in_language
from grassroots.intake import element_sources
from grassroots.intake.models import DataVersion, FigureUpload
from grassroots.intake.permissions import visible_versions
from grassroots.organisations.models import Unit


@dataclass
class VersionUse:
    version: DataVersion
    units: list[str]  # the units in scope whose values the run took from this version
    unit_name: str  # the name of the unit the version was uploaded for
    visible: bool  # the reader may open the version's page
    superseded_by: int | None  # the version that replaced it since, if any


@dataclass
class MissingUnit:
    code: str
    name: str
    gaps: list[str]  # "cases", "figures", or an element source's name ("roster")

    @property
    def gap_labels(self) -> list[str]:
        return [gap_label(g) for g in self.gaps]


def gap_label(gap: str) -> str:
    """What a unit lacked, in the page language."""
    if gap == "cases":
        return gettext("no case-record version")
    if gap == "figures":
        return gettext("no reported figures")
    try:
        label = element_sources.get(gap).label
    except element_sources.UnknownSource:
        label = gap
    return gettext("no values from the %(source)s") % {"source": label}


@dataclass
class RunInputs:
    versions: list[VersionUse] = field(default_factory=list)
    figures: list[FigureUpload] = field(default_factory=list)
    missing: list[MissingUnit] = field(default_factory=list)
    units_with_data: int = 0
    # Units in scope whose data for the period the province had not accepted.
    unaccepted: list[MissingUnit] = field(default_factory=list)


def display_name(zh: str, en: str) -> str:
    return in_language(zh, en)


def run_inputs(run: EvaluationRun, *, path: str, user: Any) -> RunInputs | None:
    """The intake inputs of the run for the units under ``path``; None for a folder run."""
    if not run.from_intake:
        return None
    recorded = run.data_versions
    names = {
        code: display_name(zh, en)
        for code, zh, en in Unit.objects.filter(
            path__startswith=path, code__in=list(recorded.get("units", {}))
        ).values_list("code", "name_zh", "name_en")
    }
    in_scope = set(names)
    by_version: dict[int, list[str]] = {}
    for code, version in recorded.get("cases", {}).items():
        if code in in_scope:
            by_version.setdefault(int(version), []).append(code)
    # A year-to-date or year run read each unit's quarters' versions (``spans``).
    for code, ids in recorded.get("spans", {}).get(run.period, {}).items():
        for version in ids:
            if code in in_scope:
                by_version.setdefault(int(version), []).append(code)
    seen = set(visible_versions(user).filter(pk__in=by_version).values_list("pk", flat=True))
    versions = DataVersion.objects.filter(pk__in=by_version).select_related("unit")
    replaced = dict(
        DataVersion.objects.filter(supersedes__in=list(by_version)).values_list(
            "supersedes_id", "pk"
        )
    )
    uses = [
        VersionUse(
            v,
            sorted(by_version[v.pk]),
            display_name(v.unit.name_zh, v.unit.name_en),
            v.pk in seen,
            replaced.get(v.pk),
        )
        for v in versions.order_by("pk")
    ]
    figures = list(
        FigureUpload.objects.filter(pk__in=[int(u) for u in recorded.get("figures", {})])
    )
    missing = [
        MissingUnit(code, names.get(code, code), list(gaps))
        for code, gaps in sorted(recorded.get("missing", {}).items())
        if code in in_scope
    ]
    with_data = sum(1 for c in in_scope if c not in recorded.get("missing", {}))
    unaccepted = [
        MissingUnit(code, names.get(code, code), [])
        for code in sorted(recorded.get("unaccepted", []))
        if code in in_scope
    ]
    return RunInputs(uses, figures, missing, with_data, unaccepted)


# ------------------------------------------------------------------------ profile trace


@dataclass
class ElementUse:
    code: str
    name: str
    value: float | None
    source: str  # "version" | "figures" | "" (no value)
    source_id: int | None
    visible: bool  # the reader may open the source's page
    computed: bool  # computed from case records (its records can be listed)
    # An element source's (roster, library, ...) name in the page language and its records page
    source_label: str = ""
    records_url: str | None = None
    # A year-to-date or year value: the covered quarters' versions, oldest first.
    source_ids: list[int] = field(default_factory=list)


@dataclass
class IndicatorTrace:
    code: str
    name: str
    elements: list[ElementUse]


@lru_cache(maxsize=8)
def _catalogue(name: str) -> Catalogue:
    return load_catalogue(name)


def unit_trace(
    run: EvaluationRun, *, scheme: Scheme, unit: Unit, user: Any
) -> list[IndicatorTrace] | None:
    """Per indicator of the scheme, the element values of ``unit`` the run read and where each
    came from; None for a folder run (its element values are not stored)."""
    if not run.from_intake or scheme.catalogue is None:
        return None
    from grassroots.evaluation.errors import RunError
    from grassroots.evaluation.inputs import intake_element_frame, run_catalogue

    catalogue = run_catalogue(run) or _catalogue(scheme.catalogue)
    try:
        frame = intake_element_frame(run, units=[unit.code])
    except RunError:
        return []  # a recorded version or upload no longer matches: nothing to vouch for
    frame = frame[frame["period"] == run.period]
    values = {
        str(r.element): (cell_float(r.value), str(r.source))
        for r in frame.itertuples(index=False)  # a few dozen rows
    }
    spans = {
        source: [int(i) for i in source.partition(":")[2].split(",") if i]
        for _, source in values.values()
        if source.startswith("versions:")
    }
    version_ids = {int(s.split(":")[1]) for _, s in values.values() if s.startswith("version:")}
    version_ids.update(i for ids in spans.values() for i in ids)
    seen = set(visible_versions(user).filter(pk__in=version_ids).values_list("pk", flat=True))
    traces = []
    for code in scheme.indicator_codes():
        if code not in catalogue.indicators:
            continue
        indicator = catalogue.indicators[code]
        uses = []
        for element in sorted(catalogue.elements_of(code)):
            meta = catalogue.elements.get(element)
            name = display_name(meta.name_zh, meta.name_en) if meta else element
            value, source = values.get(element, (None, ""))
            kind, _, ident = source.partition(":")
            # "versions:<id>,<id>": a unit's quarters taken together (no one version to open).
            source_id = int(ident) if ident and kind != "versions" else None
            span = spans.get(source, [])
            visible = (kind == "version" and source_id in seen) or (
                kind == "versions" and bool(span) and set(span) <= seen
            )
            computed = meta is not None and meta.rule is not None
            label, url = "", None
            if kind and kind not in element_sources.RESERVED:
                try:
                    registered = element_sources.get(kind)
                except element_sources.UnknownSource:
                    label = kind
                else:
                    label = str(registered.label)
                    url = registered.records_url(unit.code) if registered.records_url else None
            uses.append(
                ElementUse(
                    element, name, value, kind, source_id, visible, computed, label, url, span
                )
            )
        traces.append(
            IndicatorTrace(code, display_name(indicator.name_zh, indicator.name_en), uses)
        )
    return traces
