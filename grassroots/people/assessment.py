"""Writes of the individual assessment: keyword-only, one transaction each, audited.

- ``save_coefficients``: the province's case-type coefficient table of a year, a new version on
  every change (the example table of PRACTICE-2 §1.5 ships as version 1, marked as an example).
- ``add_reviewer_item``: a 共性 or 综合评价 mark or an addition/deduction a reviewer enters, for
  one of the scheme's reviewer or adjustment items, within its points.
- ``raise_objection`` / ``decide_objection``: a person objects to a monthly score within the
  scheme's days (``AssessmentPeriod.objection_days``, checked with the injected clock); the
  assessment committee decides with a reason.
- ``compute_assessment`` (in ``compute.py``): the engine's scores stored month by month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.engine.individual import (
    WORK_TYPES,
    IndividualScheme,
    load_coefficients,
    parse_coefficients,
)
from grassroots.engine.individual import CoefficientTable as EngineCoefficients
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import Level, Unit
from grassroots.people.assessment_selectors import (
    entered_items,
    may_object,
    objection_deadline,
    parsed_scheme,
)
from grassroots.people.models import (
    AssessmentPeriod,
    CoefficientTable,
    Objection,
    ObjectionStatus,
    Person,
    PersonScore,
    ReviewerItem,
)
from grassroots.people.permissions import is_committee, is_province


class NotAllowed(Exception):
    """The actor may not do this here (the caller answers 404)."""


EXAMPLE_TABLE = "example-2021"


class Refused(Exception):
    """The action is not possible now (a deadline passed, an objection is decided): the message
    says why, in the page's language."""


def coefficient_lines(table: EngineCoefficients) -> str:
    """The table as the page edits it: one "work type, coefficient" line each."""
    return "\n".join(
        f"{code}, {_fraction_text(value)}" for code, value in table.coefficients.items()
    )


def _fraction_text(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def coefficients_yaml(
    *, lines: str, year: int, sources: dict[str, str], example: bool = False
) -> str:
    """The engine's YAML of a table edited as lines; ValueError naming the line, in the page's
    language (the engine then checks work types and values once more)."""
    entries: dict[str, dict[str, str]] = {}
    for number, line in enumerate(lines.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) != 2 or not parts[0]:
            raise ValueError(_("line %(n)s: write “work type, coefficient”") % {"n": number})
        code, value = parts
        if code not in WORK_TYPES:
            raise ValueError(
                _("line %(n)s: %(code)s is not a work type") % {"n": number, "code": code}
            )
        try:
            number_value = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ValueError(
                _("line %(n)s: “%(value)s” is not a number or fraction")
                % {"n": number, "value": value}
            ) from None
        if number_value < 0 or number_value > 10:
            raise ValueError(_("line %(n)s: a coefficient is between 0 and 10") % {"n": number})
        if code in entries:
            raise ValueError(
                _("line %(n)s: %(code)s is listed twice") % {"n": number, "code": code}
            )
        entries[code] = {"value": _fraction_text(number_value)}
        if sources.get(code):
            entries[code]["source_zh"] = sources[code]
    if not entries:
        raise ValueError(_("the table is empty"))
    text = yaml.safe_dump(
        {"name": f"province-{year}", "year": year, "example": example, "coefficients": entries},
        allow_unicode=True, sort_keys=False,
    )  # fmt: skip
    parse_coefficients(text)  # the engine's own check
    return text


def province_of(unit: Unit) -> Unit:
    node = unit
    while node.level not in (Level.PROVINCE, Level.NATION) and node.parent_id is not None:
        node = Unit.objects.get(pk=node.parent_id)
    return node


def current_coefficients(province: Unit, year: int) -> CoefficientTable | None:
    return (
        CoefficientTable.objects.filter(province=province, year=year).order_by("-version").first()
    )


@transaction.atomic
def save_coefficients(
    *,
    province: Unit,
    year: int,
    yaml_text: str,
    actor: Any,
    note: str = "",
    example: bool = False,
    clock: Clock = timezone.now,
) -> CoefficientTable:
    """A new version of the province's table for ``year`` (the old ones stay, as they were)."""
    if actor is not None and not is_province(actor, province):
        raise NotAllowed(province.code)
    parse_coefficients(yaml_text)
    latest = (
        CoefficientTable.objects.select_for_update()
        .filter(province=province, year=year)
        .order_by("-version")
        .first()
    )
    table = CoefficientTable(
        province=province, year=year, version=(latest.version + 1) if latest else 1,
        yaml_text=yaml_text, example=example, note=note[:300], created=clock(),
        created_by=actor.get_username() if actor is not None else audit.SYSTEM_ACTOR,
    )  # fmt: skip
    with audit.tracked(table, actor=actor, reason=note or f"coefficients {year}", clock=clock):
        table.save()
    return table


def ensure_coefficients(
    *, province: Unit, year: int, clock: Clock = timezone.now
) -> CoefficientTable:
    """The province's table for ``year``; the shipped example (marked as such) when it has none."""
    found = current_coefficients(province, year)
    if found is not None:
        return found
    example = load_coefficients(EXAMPLE_TABLE)
    text = coefficients_yaml(
        lines=coefficient_lines(example), year=year, sources=example.sources, example=True
    )
    return save_coefficients(
        province=province, year=year, yaml_text=text, actor=None, example=True,
        note="PRACTICE-2 §1.5 example table", clock=clock,
    )  # fmt: skip


def scheme_yaml(scheme: IndividualScheme) -> str:
    """The scheme as YAML the engine parses back to the same scheme (stored with the period)."""
    return yaml.safe_dump(scheme.model_dump(mode="json"), allow_unicode=True, sort_keys=False)


@transaction.atomic
def open_assessment(
    *,
    unit: Unit,
    year: int,
    scheme: IndividualScheme,
    actor: Any,
    objection_days: int = 7,
    clock: Clock = timezone.now,
) -> AssessmentPeriod:
    """The unit's assessment of ``year`` for the scheme's first staff category (the scheme
    itself was checked by the engine: the 业绩 ≥ 60% rule, grade shares)."""
    if actor is not None and not is_committee(actor, unit):
        raise NotAllowed(unit.code)
    category = scheme.categories[0].value
    if AssessmentPeriod.objects.filter(unit=unit, year=year, category=category).exists():
        raise Refused(
            _("this unit already has an assessment of %(year)s for this staff category")
            % {"year": year}
        )
    period = AssessmentPeriod(
        unit=unit, year=year, category=category, scheme_yaml=scheme_yaml(scheme),
        scheme_name=scheme.name, objection_days=objection_days,
    )  # fmt: skip
    with audit.tracked(period, actor=actor, reason=f"assessment {year} {scheme.name}", clock=clock):
        period.save()
    return period


@transaction.atomic
def add_reviewer_item(
    *,
    assessment: AssessmentPeriod,
    person: Person,
    month: int,
    item: str,
    points: Decimal,
    note: str,
    actor: Any,
    clock: Clock = timezone.now,
) -> ReviewerItem:
    if not is_committee(actor, assessment.unit):
        raise NotAllowed(assessment.unit.code)
    if person.unit_id != assessment.unit_id:
        raise NotAllowed(person.unit.code)
    entered = {i.code: i for i in entered_items(parsed_scheme(assessment))}
    if item not in entered:
        raise Refused(
            _("%(item)s is not an item entered by reviewers in this scheme") % {"item": item}
        )
    low, high = entered[item].lowest, entered[item].points
    if not low <= float(points) <= high:
        raise Refused(
            _("%(item)s takes points from %(low)s to %(high)s")
            % {"item": item, "low": low, "high": high}
        )
    record = ReviewerItem(
        assessment=assessment, person=person, month=month, item=item, points=points,
        note=note[:300], entered_by=actor.get_username(), entered=clock(),
    )  # fmt: skip
    with audit.tracked(record, actor=actor, reason=note, clock=clock):
        record.save()
    return record


@transaction.atomic
def raise_objection(
    *, score: PersonScore, text: str, actor: Any, clock: Clock = timezone.now
) -> Objection:
    """The person objects to their own score, within the scheme's days."""
    score = (
        PersonScore.objects.select_for_update()
        .select_related("assessment__unit", "person")
        .get(pk=score.pk)
    )
    person = score.person
    if person.user_id is None or person.user_id != getattr(actor, "pk", None):
        raise NotAllowed(score.assessment.unit.code)
    now = clock()
    if now > objection_deadline(score):
        raise Refused(
            _("the time to object to this score ended on %(when)s")
            % {"when": timezone.localtime(objection_deadline(score)).strftime("%Y-%m-%d %H:%M")}
        )
    if not may_object(score, now=now):
        raise Refused(_("an objection to this score is already waiting for the committee"))
    objection = Objection(
        score=score, raised_by=actor.get_username(), raised=now, text=text.strip()[:2000]
    )
    with audit.tracked(objection, actor=actor, reason="objection raised", clock=clock):
        objection.save()
    return objection


@transaction.atomic
def decide_objection(
    *,
    objection: Objection,
    status: ObjectionStatus | str,
    reason: str,
    actor: Any,
    corrected_total: float | None = None,
    clock: Clock = timezone.now,
) -> Objection:
    """The committee upholds or rejects an open objection, with a reason (recorded, audited).

    An upheld objection with a corrected total changes the stored score (audited as well)."""
    objection = (
        Objection.objects.select_for_update()
        .select_related("score__assessment__unit")
        .get(pk=objection.pk)
    )
    unit = objection.score.assessment.unit
    if not is_committee(actor, unit):
        raise NotAllowed(unit.code)
    if objection.status != ObjectionStatus.OPEN:
        raise Refused(_("this objection has already been decided"))
    status = ObjectionStatus(status)
    if status == ObjectionStatus.OPEN:
        raise Refused(_("a decision upholds or rejects the objection"))
    if not reason.strip():
        raise Refused(_("a decision needs a reason"))
    with audit.tracked(objection, actor=actor, reason=reason, clock=clock):
        objection.status = status
        objection.reason = reason.strip()[:2000]
        objection.decided_by = actor.get_username()
        objection.decided = clock()
        objection.corrected_total = corrected_total if status == ObjectionStatus.UPHELD else None
        objection.save()
    if status == ObjectionStatus.UPHELD and corrected_total is not None:
        score = objection.score
        with audit.tracked(
            score, actor=actor, reason=f"objection {objection.pk} upheld", clock=clock
        ):
            score.total = float(corrected_total)
            score.save()
    return objection


def deadline_of(score: PersonScore) -> dt.datetime:
    return objection_deadline(score)
