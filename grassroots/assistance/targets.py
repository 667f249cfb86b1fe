"""Quality-improvement targets checked against stored evaluation runs.

``record_target_checks(run)`` runs when the province publishes an evaluation run (a follow-up
of the run, registered in ``AssistanceConfig.ready()``, see ``evaluation.followups``): every
target of an active designation whose period is the run's, in the province the run is of, is
checked against the run's result and the outcome stored as a TargetCheck (one per target and
run, audited as a system change). A draft, provisional or city-scoped run checks nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from grassroots.assistance.models import Target, TargetCheck, WeakStatus
from grassroots.assistance.selection import target_met
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.scheme import load_scheme
from grassroots.evaluation.models import EvaluationRun, Result, RunStatus
from grassroots.evaluation.selectors import covers_scope, scope_of_path
from grassroots.organisations.audit import tracked

TARGET_SCHEME = "core-business"
INDICATOR_LEVEL = "indicator"


def directions() -> dict[str, str]:
    """Indicator code → "higher" or "lower" (which way is better) in the targets' catalogue."""
    catalogue_name = load_scheme(TARGET_SCHEME).catalogue or "spp-case-quality"
    catalogue = load_catalogue(catalogue_name)
    return {code: ind.direction.value for code, ind in catalogue.indicators.items()}


def indicator_names(*, english: bool) -> dict[str, str]:
    """Indicator code → its name in the page's language (targets keep codes)."""
    catalogue = load_catalogue(load_scheme(TARGET_SCHEME).catalogue or "spp-case-quality")
    return {
        code: (ind.name_en if english else ind.name_zh) or code
        for code, ind in catalogue.indicators.items()
    }


def run_values(run: EvaluationRun, targets: list[Target]) -> dict[tuple[str, str], float]:
    """(unit code, indicator) → the run's value, for the units and indicators of ``targets``."""
    rows = Result.objects.filter(
        run=run,
        level=INDICATOR_LEVEL,
        unit_code__in={t.designation.unit.code for t in targets},
        node__in={t.indicator for t in targets},
    ).values_list("unit_code", "node", "value")
    return {(code, node): value for code, node, value in rows if value is not None}


def evaluate(
    target: Target, run: EvaluationRun, values: dict[tuple[str, str], float], ways: dict[str, str]
) -> tuple[float | None, bool | None]:
    value = values.get((target.designation.unit.code, target.indicator))
    met = target_met(
        direction=ways.get(target.indicator, "higher"), target=target.value, value=value
    )
    return value, met


@transaction.atomic
def record_target_checks(run: EvaluationRun, *, actor: Any = None) -> list[TargetCheck]:
    """Check every active designation's targets for the run's period against a published
    province run; store each outcome."""
    if (
        run.status != RunStatus.DONE
        or run.provisional
        or not run.is_published
        or run.scheme_version.code != TARGET_SCHEME
    ):
        return []
    targets = [
        t
        for t in Target.objects.filter(period=run.period)
        .exclude(designation__status=WeakStatus.EXITED)
        .select_related("designation__unit")
        if covers_scope(run, scope_of_path(t.designation.unit.path))
    ]
    values, ways = run_values(run, targets), directions()
    checks = []
    for target in targets:
        value, met = evaluate(target, run, values, ways)
        check = TargetCheck.objects.filter(target=target, run=run).first() or TargetCheck(
            target=target, run=run
        )
        with tracked(check, actor=actor, reason=f"evaluation run {run.pk} published"):
            check.value, check.met, check.checked_at = value, met, timezone.now()
            check.save()
        checks.append(check)
    return checks
