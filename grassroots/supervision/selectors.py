"""Reads of the supervision app, each starting from the reader's scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from grassroots.i18n import in_language, unit_name
from grassroots.intake.selectors import current_case_files
from grassroots.organisations.scope import membership_of, visible_units
from grassroots.supervision.elements import lead_counts
from grassroots.supervision.models import (
    FILED_OR_LATER,
    Dataset,
    DatasetVersion,
    Lead,
    LeadStep,
    ModelRun,
    ModelVersion,
    Schedule,
    Step,
    SupervisionModel,
)
from grassroots.supervision.permissions import in_subtree, shared_with

TERMINAL = (Step.CLOSED, Step.NOT_A_CASE)


def datasets_for(user: Any) -> QuerySet[Dataset]:
    return Dataset.objects.filter(shared_with(user, "owner")).select_related("owner")


def dataset_version_for(user: Any, pk: int) -> DatasetVersion:
    version = (
        DatasetVersion.objects.filter(dataset__in=datasets_for(user), pk=pk)
        .select_related("dataset__owner", "uploaded_by")
        .first()
    )
    if version is None:
        raise Http404("No such dataset version")
    return version


def registered_tables(user: Any) -> dict[str, DatasetVersion]:
    """Table name -> the current (newest, not deleted) version of each dataset the user may use."""
    current: dict[str, DatasetVersion] = {}
    versions = (
        DatasetVersion.objects.filter(dataset__in=datasets_for(user), deleted_at__isnull=True)
        .select_related("dataset")
        .order_by("dataset__name", "-number")
    )
    for version in versions:
        current.setdefault(version.dataset.name, version)
    return current


CASE_TABLES = ("persons", "events", "matters")


def case_sources(user: Any) -> dict[str, list[Path]]:
    """``case_persons``, ``case_events``, ``case_matters``: the current case records of the
    user's unit and the units under it (intake's data versions), for models to read."""
    codes = list(visible_units(user).values_list("code", flat=True))
    files = current_case_files(units=codes) if codes else {t: [] for t in CASE_TABLES}
    return {f"case_{name}": paths for name, paths in files.items() if paths}


def model_tables(user: Any) -> set[str]:
    """Every table name a model of this user may read: datasets and the own case tables."""
    return set(registered_tables(user)) | {f"case_{name}" for name in CASE_TABLES}


def models_for(user: Any) -> QuerySet[SupervisionModel]:
    return SupervisionModel.objects.filter(shared_with(user, "owner")).select_related("owner")


def model_for(user: Any, pk: int) -> SupervisionModel:
    model = models_for(user).filter(pk=pk).first()
    if model is None:
        raise Http404("No such model")
    return model


def model_by_code(user: Any, code: str) -> SupervisionModel:
    model = models_for(user).filter(code=code).first()
    if model is None:
        raise Http404("No such model")
    return model


def model_code_taken_elsewhere(user: Any, code: str) -> bool:
    """Whether a model of this code exists out of the user's sight."""
    return (
        SupervisionModel.objects.filter(code=code).exists()
        and not models_for(user).filter(code=code).exists()
    )


def model_version_for(user: Any, pk: int) -> ModelVersion:
    version = (
        ModelVersion.objects.filter(model__in=models_for(user), pk=pk)
        .select_related("model__owner", "created_by")
        .first()
    )
    if version is None:
        raise Http404("No such model version")
    return version


def runs_for(user: Any) -> QuerySet[ModelRun]:
    return ModelRun.objects.filter(in_subtree(user, "unit")).select_related(
        "version__model", "unit", "started_by"
    )


def run_for(user: Any, pk: int) -> ModelRun:
    run = runs_for(user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such run")
    return run


def schedules_for(user: Any) -> QuerySet[Schedule]:
    return Schedule.objects.filter(in_subtree(user, "unit")).select_related("unit", "run_as")


def leads_for(user: Any) -> QuerySet[Lead]:
    return Lead.objects.filter(in_subtree(user, "unit")).select_related("model", "unit")


def lead_for(user: Any, pk: int) -> Lead:
    lead = leads_for(user).filter(pk=pk).first()
    if lead is None:
        raise Http404("No such lead")
    return lead


def due_date(lead: Lead) -> dt.date | None:
    days = settings.GRASSROOTS_LEAD_STEP_DAYS.get(str(lead.step))
    if days is None or lead.step in TERMINAL:
        return None
    return lead.step_since + dt.timedelta(days=int(days))


def is_overdue(lead: Lead, today: dt.date) -> bool:
    due = due_date(lead)
    return due is not None and due < today


def overdue_leads(user: Any, today: dt.date) -> list[Lead]:
    return [lead for lead in leads_for(user).exclude(step__in=TERMINAL) if is_overdue(lead, today)]


@dataclass
class Measure:
    model_code: str
    model_name: str
    unit_code: str
    unit_name: str
    leads: int = 0
    filed: int = 0
    adopted: int = 0
    recovered: Decimal = Decimal(0)
    closed: int = 0

    @property
    def rate(self) -> float | None:
        """成案率: leads that became cases, of the leads."""
        return self.filed / self.leads if self.leads else None


def _measures(leads: QuerySet[Lead]) -> list[Measure]:
    filed_step = LeadStep.objects.filter(lead=OuterRef("pk"), step__in=FILED_OR_LATER)
    rows: dict[tuple[str, str], Measure] = {}
    for lead in leads.annotate(was_filed=Exists(filed_step)).select_related("model", "unit"):
        key = (lead.model.code, lead.unit.code)
        m = rows.get(key)
        if m is None:
            m = rows[key] = Measure(
                lead.model.code,
                in_language(lead.model.name_zh, lead.model.name_en or None),
                lead.unit.code,
                unit_name(lead.unit),
            )
        m.leads += 1
        m.filed += 1 if lead.was_filed else 0
        m.adopted += 1 if lead.adopted else 0
        m.recovered += lead.recovered
        m.closed += 1 if lead.step == Step.CLOSED else 0
    return [rows[k] for k in sorted(rows)]


def measures_for(user: Any) -> list[Measure]:
    """Per model and unit, over the leads of the user's subtree."""
    return _measures(leads_for(user))


def model_feedback(user: Any, model: SupervisionModel) -> list[Measure]:
    """Every unit's measures for a model: the model's owner unit (and above) sees them all;
    others see their subtree's."""
    membership = membership_of(user)
    if membership is not None and model.owner.path.startswith(membership.unit.path):
        return _measures(Lead.objects.filter(model=model))
    return _measures(leads_for(user).filter(model=model))


def totals(measures: list[Measure]) -> dict[str, Any]:
    grouped: dict[str, Any] = defaultdict(int)
    for m in measures:
        grouped["leads"] += m.leads
        grouped["filed"] += m.filed
        grouped["adopted"] += m.adopted
        grouped["recovered"] += m.recovered
    grouped["rate"] = grouped["filed"] / grouped["leads"] if grouped["leads"] else None
    return dict(grouped)


ELEMENTS = (
    "supervision_leads",
    "supervision_cases_filed",
    "supervision_conversion_rate",
    "supervision_recommendations_adopted",
    "supervision_money_recovered",
)


def element_values(user: Any, *, start: dt.date, end: dt.date) -> list[tuple[str, str, float]]:
    """(unit code, element, value) for the leads first found between ``start`` and ``end``
    (inclusive) in the user's scope, all models together: the data elements a scheme can read
    (leads, cases filed, 成案率, recommendations adopted, money recovered)."""
    leads = leads_for(user).filter(created_at__date__gte=start, created_at__date__lte=end)
    rows: list[tuple[str, str, float]] = []
    for code, counts in sorted(lead_counts(leads).items()):
        values: dict[str, float | None] = {e: value for e, (value, _refs) in counts.items()}
        found, filed = values["supervision_leads"] or 0, values["supervision_cases_filed"] or 0
        values["supervision_conversion_rate"] = filed / found if found else None  # 成案率
        rows += [(code, e, float(v)) for e in ELEMENTS if (v := values[e]) is not None]
    return rows
