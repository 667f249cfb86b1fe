"""Reads of the individual assessment: what a viewer may see of the stored scores.

The scores are the engine's, stored by ``compute.py``; these functions filter them by
``permissions.py`` (own scores, a department head's department, the committee's and the
province's whole unit) and by the scheme's visibility rules (``Visibility``: ranks hidden by
default, so a rank is shown only to the viewers the scheme names).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from grassroots.engine.individual import IndividualScheme, Item, Source, parse_individual_scheme
from grassroots.i18n import in_language
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import membership_of, visible_units
from grassroots.people.models import (
    AssessmentPeriod,
    Objection,
    ObjectionStatus,
    Person,
    PersonScore,
)
from grassroots.people.permissions import is_committee, is_province, person_of, score_people

Clock = Callable[[], dt.datetime]


@lru_cache(maxsize=64)
def _parse(text: str) -> IndividualScheme:
    return parse_individual_scheme(text)


def parsed_scheme(assessment: AssessmentPeriod) -> IndividualScheme:
    """The assessment's stored scheme, parsed by the engine (once per text)."""
    return _parse(assessment.scheme_yaml)


def entered_items(scheme: IndividualScheme) -> list[Item]:
    """The items reviewers enter by hand: 共性/综合评价 marks and additions/deductions."""
    return [i for _c, i in scheme.items() if i.source in (Source.REVIEWER, Source.ADJUSTMENT)]


def viewer_kind(user: Any, unit: Unit, person: Person | None = None) -> str | None:
    """How the scheme's visibility rules name this viewer (None: not a viewer of scores)."""
    if is_province(user, unit):
        return "province"
    if is_committee(user, unit):
        return "committee"
    own = person_of(user)
    if own is not None and person is not None and own.pk == person.pk:
        return "self"
    if own is not None and own.unit_id == unit.pk and own.heads_department:
        return "department_head"
    return None


def allows(scheme: IndividualScheme, what: str, viewer: str | None) -> bool:
    return viewer is not None and scheme.visibility.allows(what, viewer)  # type: ignore[arg-type]


def grade_name(scheme: IndividualScheme, code: str) -> str:
    for grade in scheme.grades:
        if grade.code == code:
            return in_language(grade.name_zh, grade.name_en or None)
    return code


def band_name(scheme: IndividualScheme, band: int | None) -> str:
    if band is None or not 1 <= band <= len(scheme.bands):
        return ""
    chosen = scheme.bands[band - 1]
    return in_language(chosen.name_zh, chosen.name_en or None)


def item_name(scheme: IndividualScheme, code: str) -> str:
    for _c, item in scheme.items():
        if item.code == code:
            return in_language(item.name_zh, item.name_en or None)
    return code


def objection_deadline(score: PersonScore) -> dt.datetime:
    return score.published + dt.timedelta(days=score.assessment.objection_days)


def may_object(score: PersonScore, *, now: dt.datetime) -> bool:
    """Within the assessment's days after the score was published, and no objection open."""
    if now > objection_deadline(score):
        return False
    return not score.objections.filter(status=ObjectionStatus.OPEN).exists()


def assessments_for(user: Any) -> list[AssessmentPeriod]:
    """Assessments whose table the user may open (committee, province, department heads)."""
    found = AssessmentPeriod.objects.none()
    if membership_of(user) is not None:
        units = [u.pk for u in visible_units(user) if is_committee(user, u)]
        found = AssessmentPeriod.objects.filter(unit__in=units)
    own = person_of(user)
    if own is not None and own.heads_department:
        found = found | AssessmentPeriod.objects.filter(unit_id=own.unit_id)
    return list(found.select_related("unit").distinct().order_by("-year", "unit__path")[:200])


@dataclass(frozen=True)
class TableRow:
    score: PersonScore
    grade: str
    band: str
    rank: int | None  # None when hidden from this viewer


def month_table(
    user: Any, assessment: AssessmentPeriod, month: int
) -> tuple[list[TableRow], dict[str, bool]]:
    """The scores to the end of ``month`` the user may see, best first, and what is shown."""
    scheme = parsed_scheme(assessment)
    viewer = viewer_kind(user, assessment.unit)
    shown = {what: allows(scheme, what, viewer) for what in ("scores", "grade", "band", "rank")}
    people = score_people(user, assessment.unit)
    rows = (
        PersonScore.objects.filter(assessment=assessment, month=month, person__in=people)
        .select_related("person", "person__department")
        .order_by("-total", "person__staff_number")
    )
    table = [
        TableRow(
            r,
            grade_name(scheme, r.grade) if shown["grade"] else "",
            band_name(scheme, r.band) if shown["band"] else "",
            r.rank if shown["rank"] else None,
        )  # fmt: skip
        for r in rows
    ]
    return table, shown


@dataclass(frozen=True)
class ScoreRow:
    score: PersonScore
    grade: str
    band: str
    rank: int | None
    objection_deadline: dt.datetime
    may_object: bool
    objections: list[Objection]


def person_context(user: Any, person: Person, *, clock: Clock = timezone.now) -> dict[str, Any]:
    """The person page's scores: per assessment, month by month (accumulated), with objections."""
    if not score_people(user, person.unit).filter(pk=person.pk).exists():
        return {"score_groups": []}
    now = clock()
    viewer = viewer_kind(user, person.unit, person)
    is_self = viewer == "self"
    groups = []
    for assessment in (
        AssessmentPeriod.objects.filter(scores__person=person).distinct().order_by("-year")
    ):
        scheme = parsed_scheme(assessment)
        shown = {what: allows(scheme, what, viewer) for what in ("scores", "grade", "band", "rank")}
        if not shown["scores"]:
            continue
        rows = [
            ScoreRow(
                score,
                grade_name(scheme, score.grade) if shown["grade"] else "",
                band_name(scheme, score.band) if shown["band"] else "",
                score.rank if shown["rank"] else None,
                objection_deadline(score),
                is_self and may_object(score, now=now),
                list(score.objections.all()),
            )  # fmt: skip
            for score in PersonScore.objects.filter(assessment=assessment, person=person)
            .prefetch_related("objections")
            .select_related("assessment")
            .order_by("month")
        ]
        title = in_language(scheme.title_zh, scheme.title_en or None)
        groups.append({"assessment": assessment, "title": title, "rows": rows, "shown": shown})
    return {"score_groups": groups}


def open_objections(user: Any, unit: Unit) -> QuerySet[Objection]:
    if not is_committee(user, unit):
        return Objection.objects.none()
    return Objection.objects.filter(score__assessment__unit=unit).select_related(
        "score", "score__person", "score__assessment"
    )
