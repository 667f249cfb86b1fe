"""The last step of the trace: the case records behind one element value of a run from intake.

run → unit profile → element value → its data version → these records. The page reads the
version's stored Parquet files (never changed), so it shows what the run read even after the
version was superseded. Scope: the unit must be in the reader's league scope and the version
one the reader may open in intake; otherwise 404.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grassroots.cells import cell_float
from grassroots.engine.caseformat import TABLES, value_name
from grassroots.engine.cases import union_cases
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.errors import InputError
from grassroots.engine.explain import element_records
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.inputs import intake_element_frame, run_catalogue
from grassroots.evaluation.models import RunStatus
from grassroots.evaluation.provenance import display_name
from grassroots.evaluation.schemes import scheme_of
from grassroots.evaluation.selectors import get_run_for_user, scope_root
from grassroots.i18n import period_label
from grassroots.intake.models import DataVersion
from grassroots.intake.permissions import visible_versions
from grassroots.intake.selectors import version_cases
from grassroots.organisations.scope import get_unit_for_user

RECORDS_SHOWN = 200


@login_required
@require_GET
def element_records_view(request: HttpRequest, pk: int, code: str, element: str) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    if run.status != RunStatus.DONE or not run.from_intake:
        raise Http404("No records for this run")
    root = scope_root(request.user)
    unit = get_unit_for_user(request.user, code)
    if not unit.path.startswith(root.path):
        raise Http404("No such unit")
    versions = _versions_read(request.user, run, unit.code)
    scheme = scheme_of(run.scheme_version)
    catalogue = run_catalogue(run) or load_catalogue(scheme.catalogue or "")
    meta = catalogue.elements.get(element)
    if meta is None or meta.rule is None:
        raise Http404("No such element computed from case records")
    try:
        # A year-to-date or year run read the unit's quarters together: their rows as one set,
        # a case found in several uploads taken once from the newest, as the run counted them.
        cases = (
            version_cases(versions[0])
            if len(versions) == 1
            else union_cases([(version_cases(v), {unit.code}) for v in versions])
        )
        found = element_records(
            cases, catalogue, element, run.period, unit=unit.code, limit=RECORDS_SHOWN
        )
    except (InputError, OSError):
        raise Http404("The version's files cannot be read") from None
    table = TABLES.get(found.table)
    columns = []
    for name in (str(c) for c in found.rows.columns):
        column = table.columns.get(name) if table else None
        label = display_name(column.zh, column.en) if column else name
        columns.append((name, label))
    names = [name for name, _ in columns]
    rows = [
        [_named(n, _cell(v)) for n, v in zip(names, r, strict=True)]
        for r in found.rows.itertuples(index=False)
    ]
    context = {
        "nav": "evaluation",
        "run": run,
        "unit": unit,
        "unit_name": display_name(unit.name_zh, unit.name_en),
        "element": element,
        "element_name": display_name(meta.name_zh, meta.name_en),
        "rule": meta.rule,
        "versions": versions,
        "period_label": period_label(run.period),
        "value": _run_value(run, unit.code, element),
        "found": found,
        "columns": columns,
        "rows": rows,
        "shown": len(rows),
    }
    return render(request, "evaluation/element_records.html", context)


def _versions_read(user: Any, run: Any, code: str) -> list[DataVersion]:
    """The data versions the run read for the unit (one for a quarter or a month, the covered
    quarters' for a year-to-date or year, oldest first); 404 unless the reader may open each."""
    single = run.data_versions.get("cases", {}).get(code)
    ids = (
        [int(single)]
        if single is not None
        else [int(i) for i in run.data_versions.get("spans", {}).get(run.period, {}).get(code, [])]
    )
    if not ids:
        raise Http404("The run read no data version for this unit")
    found = {v.pk: v for v in visible_versions(user).filter(pk__in=ids)}
    if set(ids) - set(found):
        raise Http404("No such data version")
    return [found[i] for i in ids]


def _run_value(run: Any, code: str, element: str) -> float | None:
    """The element's value as the run computed it (with its recorded catalogue, as the profile
    shows it), not the value stored at upload: a catalogue changed between the upload and the
    run gives another value, and the page must show the one the records listed add up to."""
    try:
        frame = intake_element_frame(run, units=[code])
    except RunError:
        return None
    row = frame[(frame["period"] == run.period) & (frame["element"] == element)]
    return cell_float(row["value"].iloc[0]) if len(row) else None


def _named(column: str, text: str) -> tuple[str, str]:
    """(shown, code): a category value by its name in the reader's language, its code kept
    for the cell's title (the records are what the case system exported); others as they are."""
    named = value_name(column, text) if text else None
    return (display_name(*named), text) if named else (text, "")


def _cell(value: Any) -> str:
    """A record's value as text: empty for missing, yes/no in the reader's language for a flag,
    a date without its midnight time."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return _("yes") if value else _("no")
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    return str(value)
