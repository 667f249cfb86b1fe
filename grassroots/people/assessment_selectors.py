"""Reads of the individual assessment: what a viewer may see of the stored scores.

The scores are the engine's, stored by ``assessment.py``; these functions only filter them by
``permissions.py`` (own scores, a department head's department, the committee's and the
province's whole unit) and hide ranks unless the assessment shows them or the viewer is the
committee or the province.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from grassroots.organisations.models import Unit
from grassroots.organisations.scope import membership_of, visible_units
from grassroots.people.models import (
    AssessmentPeriod,
    Objection,
    ObjectionStatus,
    Person,
    PersonScore,
)
from grassroots.people.permissions import is_committee, person_of, score_people, sees_ranks

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class ScoreRow:
    score: PersonScore
    rank: int | None  # None when hidden from this viewer
    objection_deadline: dt.datetime
    may_object: bool
    objections: list[Objection]


def objection_deadline(score: PersonScore) -> dt.datetime:
    return score.published + dt.timedelta(days=score.assessment.objection_days)


def may_object(score: PersonScore, *, now: dt.datetime) -> bool:
    """Within the scheme's days after the score was published, and no objection open."""
    if now > objection_deadline(score):
        return False
    return not score.objections.filter(status=ObjectionStatus.OPEN).exists()


def assessments_for(user: Any) -> list[AssessmentPeriod]:
    """Assessments whose scores the user may see some of."""
    own = person_of(user)
    membership = membership_of(user)
    found = AssessmentPeriod.objects.none()
    if membership is not None:
        units = [u for u in visible_units(user) if is_committee(user, u)]
        found = AssessmentPeriod.objects.filter(unit__in=units)
    if own is not None and own.heads_department:
        found = found | AssessmentPeriod.objects.filter(unit_id=own.unit_id)
    return list(found.select_related("unit").distinct().order_by("-year", "unit__path")[:200])


def can_see_assessment(user: Any, assessment: AssessmentPeriod) -> bool:
    return score_people(user, assessment.unit).exists() and (
        is_committee(user, assessment.unit)
        or (person_of(user) is not None and bool(getattr(person_of(user), "heads_department", False)))
    )


def month_table(
    user: Any, assessment: AssessmentPeriod, month: int
) -> tuple[list[tuple[PersonScore, int | None]], bool]:
    """The scores of ``month`` the user may see, best first, and whether ranks are shown."""
    people = score_people(user, assessment.unit)
    rows = (
        PersonScore.objects.filter(assessment=assessment, month=month, person__in=people)
        .select_related("person", "person__department")
        .order_by("-total", "person__staff_number")
    )
    show = sees_ranks(user, assessment.unit, assessment.show_ranks)
    return [(r, r.rank if show else None) for r in rows], show


def person_context(user: Any, person: Person, *, clock: Clock = timezone.now) -> dict[str, Any]:
    """The person page's scores: per assessment, month by month, with objections."""
    if not score_people(user, person.unit).filter(pk=person.pk).exists():
        return {"score_groups": []}
    now = clock()
    is_self = person.user_id is not None and person.user_id == getattr(user, "pk", None)
    groups = []
    for assessment in AssessmentPeriod.objects.filter(scores__person=person).distinct().order_by("-year"):
        show = sees_ranks(user, assessment.unit, assessment.show_ranks)
        rows = []
        for score in (
            PersonScore.objects.filter(assessment=assessment, person=person)
            .prefetch_related("objections")
            .select_related("assessment")
            .order_by("month")
        ):
            rows.append(
                ScoreRow(
                    score, score.rank if show else None, objection_deadline(score),
                    is_self and may_object(score, now=now), list(score.objections.all()),
                )  # fmt: skip
            )
        groups.append({"assessment": assessment, "rows": rows, "show_ranks": show})
    return {"score_groups": groups}


def open_objections(user: Any, unit: Unit) -> QuerySet[Objection]:
    if not is_committee(user, unit):
        return Objection.objects.none()
    return Objection.objects.filter(score__assessment__unit=unit).select_related(
        "score", "score__person", "score__assessment"
    )
