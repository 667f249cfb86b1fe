"""Reads of the intake app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from grassroots.engine.cases import CaseTables, read_cases, read_many_cases, union_cases
from grassroots.engine.catalogue import Catalogue, load_catalogue
from grassroots.engine.compute import compute_elements
from grassroots.engine.periods import Period, recent_quarters, reporting_period
from grassroots.i18n import english
from grassroots.intake.integrity import verify_versions
from grassroots.intake.models import (
    DEFAULT_CATALOGUE,
    DataVersion,
    Deadline,
    ElementValue,
    FigureUpload,
    FindingKind,
    ReportedValue,
    Submission,
    SubmissionStatus,
    ValidationFinding,
    ValueChange,
    versions_dir,
)
from grassroots.intake.validation.outliers import Flag, flag_outliers
from grassroots.intake.validation.rules import Violation, load_rules, run_rules
from grassroots.organisations.models import Unit

VALUE_COLUMNS = ["unit_code", "period", "element", "value"]


def version_folder(version_id: int) -> Path:
    """Where a data version's typed Parquet case tables are stored (never changed once written).

    Other apps read a version's files through this and ``version_cases``, never by building
    the path themselves."""
    return versions_dir() / str(int(version_id))


def version_cases(version: DataVersion) -> CaseTables:
    """A data version's case tables, checked by the engine (InputError, OSError if unreadable)."""
    return read_cases(version_folder(version.pk))


def many_version_cases(versions: Iterable[DataVersion]) -> dict[int, CaseTables]:
    """``version_cases`` of each version by id, read over one engine connection."""
    chosen = list(versions)
    tables = read_many_cases([version_folder(v.pk) for v in chosen])
    return {v.pk: t for v, t in zip(chosen, tables, strict=True)}


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
    findings: Iterable[ValidationFinding], catalogue: str | None = None
) -> list[FindingRow]:
    """The findings as a page shows them, each worded by its catalogue's rules and element
    names: ``catalogue``, or else its run's (read once per catalogue, not once per finding)."""
    worded: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
    rows = []
    for f in findings:
        name = catalogue or (f.run.catalogue if f.run_id else DEFAULT_CATALOGUE)
        if name not in worded:
            worded[name] = ({r.code: r for r in load_rules(name)}, element_labels(name))
        rules, labels = worded[name]
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
            detail = _outlier_detail(f.value, f.median, f.basis, f.references, f.z)
        rows.append(FindingRow(f, unit_label(f.unit), title, detail))
    return rows


def _outlier_detail(
    value: float | None, median: float | None, basis: str, references: int | None, z: float | None
) -> str:
    """An outlier flag's sentence in the page's language."""
    n = references or 0
    against = (
        ngettext(
            "its own earlier periods (%(n)s value)", "its own earlier periods (%(n)s values)", n
        )
        % {"n": references}
        if basis == "history"
        else ngettext("%(n)s peer unit", "%(n)s peer units", n) % {"n": references}
    )
    return _(
        "%(value)s is far from the median %(median)s of %(against)s "
        "(modified z-score %(z)s, flagged beyond ±3.5)"
    ) % {
        "value": _show(value), "median": _show(median), "against": against,
        "z": f"{z or 0:+.1f}",
    }  # fmt: skip


@dataclass(frozen=True)
class FlagRow:
    """An outlier flag of an upload as its page shows it: the element named in the page's
    language, the sentence too (the engine's ``Flag.reason`` is English, for the log)."""

    unit_code: str
    period: str
    title: str
    detail: str


def flag_rows(flags: Iterable[Flag], catalogue: str = DEFAULT_CATALOGUE) -> list[FlagRow]:
    labels = element_names(catalogue)
    return [
        FlagRow(
            f.unit_code,
            f.period,
            labels.get(f.element, f.element),
            _outlier_detail(f.value, f.median, f.basis, f.references, f.z),
        )
        for f in flags
    ]


# ------------------------------------------------------------------ current values (one rule)
#
# Which value of a unit, period and element is "current" in intake:
#
# 1. Computed from case records: for each unit and period, the newest (highest id) data version
#    that is current (not superseded) and holds values for that unit in that period (the unit's
#    own upload, or an upload of a city or the province covering it). All of that one version's
#    values count; values of older versions never mix in.
# 2. Reported by hand: the reported figure (``ReportedValue``, the last change of it).
# 3. A reported figure wins over a computed value of the same element.
#
# Evaluation runs, validation rules and outlier flags all read through these functions.


def current_case_versions(
    *, units: Collection[str], periods: Collection[str], elements: Collection[str] | None
) -> dict[str, dict[str, int]]:
    """Period -> unit code -> the data version whose case-record values are current (rule 1).

    ``elements`` limits the values a version must hold for the unit (None: any element)."""
    chosen: dict[str, dict[str, int]] = {p: {} for p in periods}
    rows = ElementValue.objects.filter(
        period__in=list(periods),
        data_version__period__in=list(periods),
        data_version__superseded_by__isnull=True,
        unit__code__in=list(units),
    )
    if elements is not None:
        rows = rows.filter(element__in=list(elements))
    pairs = rows.values_list("period", "unit__code", "data_version_id").order_by().distinct()
    for period, code, version in pairs:
        chosen[period][code] = max(version, chosen[period].get(code, 0))  # newest version wins
    return chosen


def accepted_units(*, units: Collection[str], periods: Collection[str]) -> dict[str, set[str]]:
    """Period -> the codes among ``units`` whose data for it the workflow accepted: approved by
    the city, then accepted and locked by the province (``workflow.accept_city``)."""
    accepted: dict[str, set[str]] = {p: set() for p in periods}
    rows = Submission.objects.filter(
        unit__code__in=list(units), period__in=list(periods), status=SubmissionStatus.ACCEPTED
    ).values_list("period", "unit__code")
    for period, code in rows:
        accepted[period].add(code)
    return accepted


def accepted_case_versions(
    *, units: Collection[str], periods: Collection[str], elements: Collection[str] | None
) -> dict[str, dict[str, int]]:
    """``current_case_versions`` of only the units and periods the workflow accepted: a unit
    cannot upload over an accepted (locked) period, so these stay what the province accepted."""
    accepted = accepted_units(units=units, periods=periods)
    current = current_case_versions(units=units, periods=periods, elements=elements)
    return {
        p: {code: v for code, v in chosen.items() if code in accepted[p]}
        for p, chosen in current.items()
    }


def version_element_values(
    chosen: Mapping[tuple[str, str], int], *, elements: Collection[str] | None
) -> pd.DataFrame:
    """``unit_code, period, element, value, version`` of each (period, unit code)'s chosen
    data version, ordered by unit, period and element."""
    # Only the versions in the query: the row filter below keeps each (period, unit)'s own
    # version (a second IN list of thousands of unit codes made the national query crawl).
    values = ElementValue.objects.filter(data_version_id__in=set(chosen.values()))
    if elements is not None:
        values = values.filter(element__in=list(elements))
    rows = [
        (code, p, element, value, version)
        for p, code, element, value, version in values.order_by(
            "unit__code", "period", "element"
        ).values_list("period", "unit__code", "element", "value", "data_version_id")
        if chosen.get((p, code)) == version
    ]
    return pd.DataFrame(rows, columns=[*VALUE_COLUMNS, "version"])


def case_element_values(
    read: Mapping[tuple[str, str], Sequence[int]],
    *,
    catalogue: Catalogue,
    elements: Collection[str] | None,
) -> pd.DataFrame:
    """``unit_code, period, element, value, versions`` computed by the engine from the stored
    case tables of the data versions ``read`` names for each (period, unit code), with
    ``catalogue`` (the version a run records), not from the values stored at upload.

    One version per quarter or month; for a year-to-date or a year, the versions of the quarters
    it covers, oldest first: their rows are taken as one set, a case row found in several
    uploads counted once from the newest (``engine.cases.union_cases``), so a case spanning
    quarters is one case of the long period. ``versions`` is the ids read, comma-separated.
    """
    groups: dict[tuple[str, tuple[int, ...]], list[str]] = {}
    for (period, code), ids in read.items():
        groups.setdefault((period, tuple(int(i) for i in ids)), []).append(code)
    stored = {
        v.pk: v for v in DataVersion.objects.filter(pk__in={i for _, ids in groups for i in ids})
    }
    missing = sorted({i for _, ids in groups for i in ids} - set(stored))
    if missing:
        raise OSError(f"data version(s) {missing} are gone")
    # Every version read is hashed again: a replaced file stops the run (issue 19.6).
    verify_versions(stored.values())
    frames = []
    # One engine pass per period over every unit read from a single version (a province's
    # quarter is one version per unit: one pass, not one per unit); a span is its own pass.
    # Versions are batched only with versions of the same tables and columns, so a column one
    # upload lacks never removes an element from another unit.
    singles: dict[tuple[str, Hashable], list[tuple[int, list[str], CaseTables]]] = {}
    read_tables = many_version_cases(stored[i] for i in sorted(stored))
    for (period, ids), codes in sorted(groups.items()):
        if len(ids) == 1:
            tables = read_tables[ids[0]]
            shape = frozenset((n, t.present) for n, t in tables.tables.items())
            singles.setdefault((period, shape), []).append((ids[0], codes, tables))
            continue
        cases = union_cases([(read_tables[i], set(codes)) for i in ids])
        frames.append(_elements_of(cases, catalogue, period, elements, codes, ids))
    for (period, _shape), parts in singles.items():
        if len(parts) == 1:
            cases = parts[0][2]  # the other units' rows are dropped below
        else:
            cases = union_cases([(tables, set(codes)) for _, codes, tables in parts])
        codes = [c for _, cs, _ in parts for c in cs]
        frame = _elements_of(cases, catalogue, period, elements, codes, ())
        version_of = {c: str(pk) for pk, cs, _ in parts for c in cs}
        frame["versions"] = frame["unit_code"].map(version_of)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*VALUE_COLUMNS, "versions"])
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(["unit_code", "period", "element"]).reset_index(drop=True)


def _elements_of(
    cases: CaseTables,
    catalogue: Catalogue,
    period: str,
    elements: Collection[str] | None,
    codes: Collection[str],
    ids: Sequence[int],
) -> pd.DataFrame:
    frame = compute_elements(cases, catalogue, [period], codes=elements)
    frame = frame[frame["unit_code"].isin(set(codes))].copy()
    frame["versions"] = ",".join(str(i) for i in ids)
    return frame


def current_values(
    *,
    units: Collection[Unit] | None,
    periods: Collection[str] | None,
    catalogue: str,
    elements: Collection[str] | None = None,
    instead: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Intake's current values ``unit_code, period, element, value`` by the rule above.

    ``None`` means all units / periods / the catalogue's elements. ``instead``: case-record
    values of some (unit, period) pairs that are about to be stored as their newest versions'
    (a bulk import checks them while its files are still being written): they replace the
    stored case values of those pairs, and the reported figures still win over them."""
    known = list(load_catalogue(catalogue).elements) if elements is None else list(elements)
    computed = ElementValue.objects.filter(
        data_version__superseded_by__isnull=True, element__in=known
    )
    reported = ReportedValue.objects.filter(catalogue=catalogue, element__in=known)
    if units is not None:
        computed = computed.filter(unit__in=units)
        reported = reported.filter(unit__in=units)
    if periods is not None:
        computed = computed.filter(period__in=periods)
        reported = reported.filter(period__in=periods)
    codes = set(computed.values_list("unit__code", flat=True).distinct())
    keys = set(computed.values_list("period", flat=True).distinct())
    chosen = current_case_versions(units=codes, periods=keys, elements=known)
    cases = version_element_values(
        {(p, c): v for p, per in chosen.items() for c, v in per.items()}, elements=known
    ).drop(columns="version")
    if instead is not None and not instead.empty:
        fresh = instead[VALUE_COLUMNS].astype({"unit_code": str, "period": str, "element": str})
        if units is not None:
            fresh = fresh[fresh["unit_code"].isin({u.code for u in units})]
        if periods is not None:
            fresh = fresh[fresh["period"].isin(set(periods))]
        # Every pair the new values cover is replaced, whichever elements they hold.
        pairs = pd.MultiIndex.from_frame(fresh[["unit_code", "period"]].drop_duplicates())
        stale = pd.MultiIndex.from_frame(cases[["unit_code", "period"]]).isin(pairs)
        fresh = fresh[fresh["element"].isin(known)]
        cases = pd.concat([cases[~stale], fresh], ignore_index=True).sort_values(
            ["unit_code", "period", "element"], kind="stable", ignore_index=True
        )  # in the order the stored values are read
    figures = pd.DataFrame(
        list(reported.values_list("unit__code", "period", "element", "value")),
        columns=VALUE_COLUMNS,
    )
    frame = pd.concat([cases, figures], ignore_index=True)
    return frame.drop_duplicates(["unit_code", "period", "element"], keep="last").reset_index(
        drop=True
    )


def version_checksums(ids: Iterable[int]) -> dict[int, str]:
    """Data version id -> the checksum of its stored files (versions that exist)."""
    return dict(DataVersion.objects.filter(pk__in=list(ids)).values_list("pk", "checksum"))


def figure_uploads(
    *, catalogue: str, periods: Collection[str] | None = None, ids: Iterable[int] | None = None
) -> dict[str, str]:
    """Figure upload id (text) -> its checksum: the catalogue's uploads for ``periods``, or the
    uploads ``ids`` that still exist."""
    uploads = FigureUpload.objects.all()
    if ids is not None:
        uploads = uploads.filter(pk__in=list(ids))
    else:
        uploads = uploads.filter(catalogue=catalogue, period__in=list(periods or ()))
    return {str(pk): c for pk, c in uploads.values_list("pk", "checksum").order_by("pk")}


def units_with_figures(
    *, catalogue: str, period: str, units: Collection[str], elements: Collection[str]
) -> set[str]:
    """Unit codes with at least one reported figure among ``elements`` for ``period``."""
    return set(
        ReportedValue.objects.filter(
            catalogue=catalogue,
            period=period,
            unit__code__in=list(units),
            element__in=list(elements),
        ).values_list("unit__code", flat=True)
    )


def figures_of_uploads(
    *,
    uploads: Iterable[int],
    catalogue: str,
    periods: Collection[str],
    units: Collection[str],
    elements: Collection[str],
) -> pd.DataFrame:
    """``unit_code, period, element, value, upload``: each figure as the last of ``uploads``
    set it (a run recomputed later reads what it read, not later changes)."""
    latest: dict[tuple[str, str, str], tuple[float, int]] = {}
    changes = ValueChange.objects.filter(
        upload_id__in=list(uploads),
        reported__catalogue=catalogue,
        reported__period__in=list(periods),
        reported__unit__code__in=list(units),
        reported__element__in=list(elements),
    ).values_list(
        "reported__unit__code", "reported__period", "reported__element", "new", "upload_id"
    )
    for code, p, element, new, upload in changes.order_by("id"):
        latest[(code, p, element)] = (new, upload)  # the last change wins
    rows = [(c, p, e, v, u) for (c, p, e), (v, u) in sorted(latest.items())]
    return pd.DataFrame(rows, columns=[*VALUE_COLUMNS, "upload"])


def current_period(*, today: dt.date | None = None, known: list[str] | None = None) -> str:
    """The period a period control offers first (issue 18.3), one rule for every page.

    The period whose reporting deadline is the next one still to come; failing that, the newest
    period that has a deadline, a submission or a data version (an office catching up on an older
    period, or a demo of 2024 data); failing that, the last quarter that has ended.
    ``known``: `known_periods()`, when the caller has read it already.
    """
    today = today or timezone.localdate()
    upcoming = Deadline.objects.filter(due__gte=today).order_by("due").first()
    if upcoming is not None:
        return upcoming.period
    known = known_periods() if known is None else known
    return known[0] if known else reporting_period(today).key


def known_periods() -> list[str]:
    """Periods that have a deadline, a submission or a data version, newest first."""
    keys = (
        set(Deadline.objects.values_list("period", flat=True).distinct())
        | set(Submission.objects.values_list("period", flat=True).distinct())
        | set(DataVersion.objects.values_list("period", flat=True).distinct())
    )
    parsed = []
    for key in keys:
        try:
            parsed.append(Period.parse(key))
        except ValueError:
            continue
    return [p.key for p in sorted(parsed, key=lambda p: (p.end, p.start), reverse=True)]


def period_choices(*, today: dt.date | None = None, count: int = 8) -> list[str]:
    """What a period control lists: the known periods and recent quarters, newest first."""
    known = known_periods()  # read once: every page with a period control renders this
    current = Period.parse(current_period(today=today, known=known))
    keys = dict.fromkeys([*known, *(p.key for p in recent_quarters(current, count))])
    periods = sorted((Period.parse(k) for k in keys), key=lambda p: (p.end, p.start), reverse=True)
    return [p.key for p in periods]


@dataclass
class SubmissionRow:
    unit: Unit
    status: str
    status_label: str
    comment: str


@dataclass
class SubmissionCounts:
    """Where the units' submissions for a period stand (a workbench's figures)."""

    rows: list[SubmissionRow]
    by_status: dict[str, int]
    versions: int  # data versions uploaded for the period by these units
    cities_ready: int  # cities whose every unit is approved (ready to accept and lock)


def submission_counts(*, units: Iterable[Unit], period: str) -> SubmissionCounts:
    """The status of each of ``units`` for ``period`` (draft when it has no submission)."""
    units = list(units)
    found = {s.unit_id: s for s in Submission.objects.filter(unit__in=units, period=period)}
    rows = []
    for unit in units:
        s = found.get(unit.pk)
        status = SubmissionStatus(s.status) if s else SubmissionStatus.DRAFT
        rows.append(SubmissionRow(unit, str(status), str(status.label), s.comment if s else ""))
    by_status: dict[str, int] = {}
    per_city: dict[int | None, list[str]] = {}
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
        per_city.setdefault(row.unit.parent_id, []).append(row.status)
    ready = sum(
        1
        for statuses in per_city.values()
        if statuses and all(s == SubmissionStatus.APPROVED for s in statuses)
    )
    versions = DataVersion.objects.filter(unit__in=units, period=period).count()
    return SubmissionCounts(rows, by_status, versions, ready)


def current_case_files(*, units: Collection[str]) -> dict[str, list[Path]]:
    """Case table (persons, events, matters) -> the Parquet files of every current (not
    superseded) case-record version of ``units``, for another app's read-only queries."""
    files: dict[str, list[Path]] = {"persons": [], "events": [], "matters": []}
    versions = DataVersion.objects.filter(
        unit__code__in=list(units), superseded_by__isnull=True
    ).order_by("pk")
    for pk in versions.values_list("pk", flat=True):
        folder = version_folder(pk)
        for name, found in files.items():
            path = folder / f"{name}.parquet"
            if path.exists():
                found.append(path)
    return files
