"""After a run is published: each user whose units got warnings is told how many they may see
(the warnings page's own scope and colour/rank visibility), once per run; when a later run's
warnings are recomputed (an earlier period published after it), once more for the new or
changed ones only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection

from django.contrib.auth import get_user_model
from django.urls import reverse

from grassroots.evaluation.models import EarlyWarning, EvaluationRun
from grassroots.notifications import kinds, texts
from grassroots.notifications.recipients import ancestors_paths
from grassroots.notifications.services import both_ref, count_ref, notify, period_ref, units_ref
from grassroots.organisations.models import Role, Unit

TOLD_ROLES = (Role.PROVINCE_ADMIN, Role.CITY_REVIEWER, Role.LEADER, Role.GRASSROOTS_CLERK)


def tell_warnings(run: EvaluationRun, only: Collection[int] | None = None) -> int:
    """Tell each user in scope how many of the run's warnings they may see (``only``: of these
    warnings, new or changed by a recomputation; told once per set of changes)."""
    from grassroots.evaluation.permissions import visibility_for
    from grassroots.evaluation.schemes import scheme_of
    from grassroots.evaluation.selectors import scope_root
    from grassroots.evaluation.warnings import stored_warnings

    if not run.is_published:
        return 0
    rows = EarlyWarning.objects.filter(run=run)
    key = f"run:{run.pk}:warnings"
    if only is not None:
        rows = rows.filter(pk__in=list(only))
        said = sorted(rows.values_list("pk", "kind", "periods", "first_period", "evidence"))
        digest = hashlib.sha256(json.dumps(said, sort_keys=True, default=str).encode())
        key += f":{digest.hexdigest()[:32]}"
    codes = set(rows.values_list("unit_code", flat=True))
    if not codes:
        return 0
    paths: set[str] = set()
    for unit in Unit.objects.filter(code__in=codes):
        paths.update(ancestors_paths(unit))
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            membership__unit__path__in=paths,
            membership__role__in=[str(r) for r in TOLD_ROLES],
        )
        .select_related("membership__unit")
        .order_by("pk")
    )
    scheme = scheme_of(run.scheme_version)
    told = 0
    for user in users:
        seen = stored_warnings(
            run=run, path=scope_root(user).path, visible=visibility_for(user, scheme)
        )
        if only is not None:
            seen = [w for w in seen if w.pk in only]
        if not seen:
            continue
        told += len(
            notify(
                [user],
                kind=kinds.RUN_WARNINGS,
                title=texts.RUN_WARNINGS,
                body=texts.RUN_WARNINGS_BODY,
                params={
                    "count": len(seen),
                    "warnings": count_ref(texts.WARNINGS_ONE, texts.WARNINGS_OTHER, len(seen)),
                    "scheme": both_ref(scheme.title_zh or scheme.name, scheme.title_en),
                    "period": period_ref(run.period),
                    "units": units_ref(w.unit_code for w in seen),
                },
                link=reverse("evaluation:warnings", args=[run.pk]),
                key=key,
            )
        )
    return told
