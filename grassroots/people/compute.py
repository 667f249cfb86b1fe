"""Computing an assessment: the engine's per-person scores, stored month by month.

The case records are intake's current data versions of the unit for the year's quarters (read
through ``intake/selectors.py``); the engine gives per-person elements
(``person_elements``, weighted by the province's coefficient table of the year) and the scores
(``score_people``), from January to the end of each month (its ``ytd`` periods: 逐月累计). The
app stores one ``PersonScore`` per person and month and replaces the previous computation in
one transaction, audited as one entry on the assessment. An objection decided earlier stays with
its score row (a row that has objections is updated in place, never deleted).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.engine.cases import read_cases
from grassroots.engine.errors import InputError
from grassroots.engine.individual import parse_coefficients, person_elements, score_people
from grassroots.intake.selectors import current_case_versions, version_folder
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import AuditAction
from grassroots.people.assessment import ensure_coefficients, province_of
from grassroots.people.assessment_selectors import parsed_scheme
from grassroots.people.models import AssessmentPeriod, Person, PersonScore, ReviewerItem
from grassroots.people.permissions import is_committee


class ComputeRefused(Exception):
    """The assessment cannot be computed now; the message says why, in the page's language."""


def roster_frame(people: list[Person]) -> pd.DataFrame:
    """The engine's roster columns for these people."""
    return pd.DataFrame(
        {
            "unit_code": [p.unit.code for p in people],
            "staff_id": [p.staff_number for p in people],
            "department": [p.department.code if p.department else "" for p in people],
            "category": [p.category for p in people],
        },
        dtype="string",
    )


def case_elements(assessment: AssessmentPeriod, coefficients_yaml: str) -> pd.DataFrame:
    """Per-person elements of the unit's year, from each quarter's current data version."""
    code = assessment.unit.code
    table = parse_coefficients(coefficients_yaml)
    frames = []
    quarters = [f"{assessment.year}Q{q}" for q in range(1, 5)]
    chosen = current_case_versions(units=[code], periods=quarters, elements=None)
    for quarter in quarters:
        version = chosen[quarter].get(code)
        if version is None:
            continue
        first = 3 * int(quarter[-1]) - 2
        months = [f"{assessment.year}-{m:02d}" for m in range(first, first + 3)]
        frames.append(
            person_elements(read_cases(version_folder(version)), months=months, coefficients=table)
        )
    if not frames:
        return pd.DataFrame(columns=["unit_code", "staff_id", "month", "element", "value"])
    return pd.concat(frames, ignore_index=True)


def reviewer_frame(assessment: AssessmentPeriod, codes: set[str]) -> pd.DataFrame:
    rows = ReviewerItem.objects.filter(assessment=assessment, person__staff_number__in=codes)
    data = [
        (
            assessment.unit.code,
            r.person.staff_number,
            f"{assessment.year}-{r.month:02d}",
            r.item,
            float(r.points),
        )
        for r in rows.select_related("person")
    ]
    return pd.DataFrame(data, columns=["unit_code", "staff_id", "month", "item", "value"])


def compute_assessment(
    *,
    assessment: AssessmentPeriod,
    actor: Any,
    through: int | None = None,
    clock: Clock = timezone.now,
) -> int:
    """Compute and store the scores to the end of each month up to ``through`` (default: the
    assessment's own month, else the last month with case records, else December); the number
    of score rows stored."""
    if actor is not None and not is_committee(actor, assessment.unit):
        raise ComputeRefused(
            _("only the unit's assessment committee and the province compute scores")
        )
    scheme = parsed_scheme(assessment)
    people = list(
        Person.objects.filter(
            unit=assessment.unit, active=True, category__in=[c.value for c in scheme.categories]
        ).select_related("unit", "department")
    )
    if not people:
        raise ComputeRefused(_("nobody on the roster is in this scheme's staff categories"))
    coefficients = assessment.coefficients or ensure_coefficients(
        province=province_of(assessment.unit), year=assessment.year, clock=clock
    )
    try:
        elements = case_elements(assessment, coefficients.yaml_text)
    except (InputError, OSError) as exc:
        raise ComputeRefused(
            _("the case records could not be read: %(error)s") % {"error": exc}
        ) from None
    last = _through(assessment, elements, through)
    numbers = {p.staff_number for p in people}
    frame = score_people(
        scheme, elements, reviewer_frame(assessment, numbers), roster_frame(people),
        year=assessment.year, through=f"{assessment.year}-{last:02d}", kinds=["ytd"],
    )  # fmt: skip
    return _store(assessment, frame, people, coefficients, last, actor, clock)


def _through(assessment: AssessmentPeriod, elements: pd.DataFrame, through: int | None) -> int:
    if through is not None:
        return through
    if assessment.through:
        return int(assessment.through[5:7])
    if len(elements):
        return int(max(elements["month"].astype(str))[5:7])
    return 12


@transaction.atomic
def _store(
    assessment: AssessmentPeriod,
    frame: pd.DataFrame,
    people: list[Person],
    coefficients: Any,
    last: int,
    actor: Any,
    clock: Clock,
) -> int:
    now = clock()
    by_number = {p.staff_number: p for p in people}
    existing = {
        (s.person_id, s.month): s
        for s in PersonScore.objects.select_for_update().filter(assessment=assessment)
    }
    kept: set[int] = set()
    stored = 0
    for (staff_id, period), rows in frame.groupby(["staff_id", "period"], sort=True):
        person = by_number.get(str(staff_id))
        if person is None:
            continue
        month = int(str(period)[5:7])
        total = rows[rows["level"] == "total"].iloc[0]
        components = rows[rows["level"] == "component"]
        by_kind = {
            str(c): float(s)
            for c, s in zip(components["component"], components["score"], strict=True)
        }
        kinds = {c.code: c.kind.value for c in parsed_scheme(assessment).components}
        parts = {"performance": 0.0, "common": 0.0, "overall": 0.0}
        for component, score in by_kind.items():
            kind = kinds.get(component, "performance")
            parts[kind if kind in parts else "performance"] += score
        items = rows[rows["level"] == "item"]
        detail = {
            "items": [
                {
                    "component": str(c),
                    "code": str(i),
                    "value": _num(v),
                    "score": _num(s),
                    "max": _num(m),
                }
                for c, i, v, s, m in zip(
                    items["component"],
                    items["code"],
                    items["value"],
                    items["score"],
                    items["max_score"],
                    strict=True,
                )
            ],
            "group_size": _int(total["group_size"]),
        }
        values = {
            "performance": parts["performance"], "common": parts["common"], "overall": parts["overall"],
            "total": float(total["score"]), "grade": str(total["grade"] or ""), "band": _int(total["band"]),
            "rank": _int(total["rank"]), "group_size": _int(total["group_size"]), "detail": detail,
        }  # fmt: skip
        stored_score = existing.get((person.pk, month))
        if stored_score is None:
            stored_score = PersonScore(
                assessment=assessment, person=person, month=month, published=now, **values
            )
            stored_score.save()
        elif any(getattr(stored_score, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(stored_score, key, value)
            stored_score.published = now  # a changed score opens its objection window again
            stored_score.save()
        kept.add(stored_score.pk)
        stored += 1
    for old in existing.values():
        if old.pk not in kept and not old.objections.exists():
            old.delete()
    before = audit.snapshot(assessment)
    assessment.computed = now
    assessment.coefficients = coefficients
    assessment.through = f"{assessment.year}-{last:02d}"
    assessment.save()
    audit.record(
        obj=assessment, action=AuditAction.UPDATE, actor=actor, before=before,
        after=audit.snapshot(assessment), reason=f"scores computed: {stored} rows", at=now,
    )  # fmt: skip
    return stored


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
