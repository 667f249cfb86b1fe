"""Writes of the individual assessment: keyword-only, one transaction each, audited.

- ``save_coefficients``: the province's case-type coefficient table of a year, a new version on
  every change (the example table of PRACTICE-2 §1.5 ships as version 1, marked as an example).
- ``add_reviewer_item``: a 共性, 综合评价 or addition/deduction score a reviewer enters.
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

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import Level, Unit
from grassroots.people.assessment_selectors import may_object, objection_deadline
from grassroots.people.models import (
    AssessmentPeriod,
    CoefficientTable,
    ItemKind,
    Objection,
    ObjectionStatus,
    Person,
    PersonScore,
    ReviewerItem,
)
from grassroots.people.permissions import is_committee, is_province


class NotAllowed(Exception):
    """The actor may not do this here (the caller answers 404)."""


class Refused(Exception):
    """The action is not possible now (a deadline passed, an objection is decided): the message
    says why, in the page's language."""


# PRACTICE-2 §1.5 (附件9 通用案件类别, an unnamed local court): an example, not a standard.
EXAMPLE_COEFFICIENTS: tuple[tuple[str, str], ...] = (
    ("请示案件审查", "1"), ("备案案件审查", "1/3"), ("检察建议(各部门)", "2/3"),
    ("事项议题提请", "1/3"), ("审批决定案件", "2/3"), ("案件质量评查", "1/2"),
    ("审查逮捕案件", "1"), ("不批准逮捕复议", "2/3"), ("不批准逮捕复核", "1"),
    ("立案监督", "1"), ("立案监督复议", "2/3"), ("立案监督复核", "1"),
    ("侦监适时介入侦查", "1/3"), ("延长/重新计算侦查羁押期限", "1/3"), ("羁押必要性审查", "1/3"),
    ("侦查活动监督", "1"), ("侦查活动监督复查", "2/3"), ("建议移送涉嫌犯罪", "2/3"),
    ("一审公诉案件", "1"), ("公诉适时介入侦查", "1/3"), ("二审上诉案件", "1"),
    ("二审抗诉", "4/3"), ("审判监督程序抗诉", "4/3"), ("不起诉复议", "1"), ("不起诉复核", "1"),
    ("撤回抗诉复议", "1/3"), ("自侦不起诉案件审批", "1/2"), ("指定管辖", "1/3"),
    ("违法所得没收申请", "1"), ("强制医疗申请", "1"), ("证据合法性调查", "1/2"),
    ("领导交办案件", "1"), ("刑事强制措施/交付执行/监禁刑执行检察档案", "1/10"),
    ("减刑假释提请中审查", "1/3"), ("减刑假释开庭审查", "2/3"), ("法院裁定审查", "1"),
)  # fmt: skip


def parse_coefficients(text: str) -> list[dict[str, str]]:
    """Lines "case type, coefficient" (a fraction like 2/3 or a decimal); ValueError naming the
    line, in the page's language."""
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").rsplit(",", 1)]
        if len(parts) != 2 or not parts[0]:
            raise ValueError(_("line %(n)s: write “case type, coefficient”") % {"n": number})
        case_type, value = parts
        try:
            coefficient = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ValueError(
                _("line %(n)s: “%(value)s” is not a number or fraction") % {"n": number, "value": value}
            ) from None
        if coefficient < 0 or coefficient > 10:
            raise ValueError(_("line %(n)s: a coefficient is between 0 and 10") % {"n": number})
        if case_type in seen:
            raise ValueError(_("line %(n)s: %(type)s is listed twice") % {"n": number, "type": case_type})
        seen.add(case_type)
        rows.append({"case_type": case_type, "coefficient": value})
    if not rows:
        raise ValueError(_("the table is empty"))
    return rows


def coefficient_text(rows: list[dict[str, str]]) -> str:
    return "\n".join(f"{r['case_type']}, {r['coefficient']}" for r in rows)


def _province_of(unit: Unit) -> Unit:
    node = unit
    while node.level not in (Level.PROVINCE, Level.NATION) and node.parent_id is not None:
        node = Unit.objects.get(pk=node.parent_id)
    return node


def current_coefficients(province: Unit, year: int) -> CoefficientTable | None:
    return CoefficientTable.objects.filter(province=province, year=year).order_by("-version").first()


@transaction.atomic
def save_coefficients(
    *,
    province: Unit,
    year: int,
    rows: list[dict[str, str]],
    actor: Any,
    note: str = "",
    example: bool = False,
    clock: Clock = timezone.now,
) -> CoefficientTable:
    """A new version of the province's table for ``year`` (the old ones stay, as they were)."""
    if actor is not None and not is_province(actor, province):
        raise NotAllowed(province.code)
    latest = (
        CoefficientTable.objects.select_for_update()
        .filter(province=province, year=year)
        .order_by("-version")
        .first()
    )
    table = CoefficientTable(
        province=province, year=year, version=(latest.version + 1) if latest else 1, rows=rows,
        example=example, note=note[:300], created=clock(),
        created_by=actor.get_username() if actor is not None else audit.SYSTEM_ACTOR,
    )  # fmt: skip
    with audit.tracked(table, actor=actor, reason=note or f"coefficients {year}", clock=clock):
        table.save()
    return table


def ensure_example_coefficients(*, province: Unit, year: int, clock: Clock = timezone.now) -> CoefficientTable:
    """The province's table for ``year``, starting from the shipped example when it has none."""
    found = current_coefficients(province, year)
    if found is not None:
        return found
    rows = [{"case_type": t, "coefficient": c} for t, c in EXAMPLE_COEFFICIENTS]
    return save_coefficients(
        province=province, year=year, rows=rows, actor=None, example=True,
        note="PRACTICE-2 §1.5 example table", clock=clock,
    )  # fmt: skip


@transaction.atomic
def add_reviewer_item(
    *,
    assessment: AssessmentPeriod,
    person: Person,
    month: int,
    kind: ItemKind | str,
    points: Decimal,
    note: str,
    actor: Any,
    clock: Clock = timezone.now,
) -> ReviewerItem:
    if not is_committee(actor, assessment.unit):
        raise NotAllowed(assessment.unit.code)
    if person.unit_id != assessment.unit_id:
        raise NotAllowed(person.unit.code)
    item = ReviewerItem(
        assessment=assessment, person=person, month=month, kind=ItemKind(kind), points=points,
        note=note[:300], entered_by=actor.get_username(), entered=clock(),
    )  # fmt: skip
    with audit.tracked(item, actor=actor, reason=note, clock=clock):
        item.save()
    return item


@transaction.atomic
def raise_objection(
    *, score: PersonScore, text: str, actor: Any, clock: Clock = timezone.now
) -> Objection:
    """The person objects to their own score, within the scheme's days."""
    score = PersonScore.objects.select_for_update().select_related("assessment__unit", "person").get(pk=score.pk)
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
    objection = Objection(score=score, raised_by=actor.get_username(), raised=now, text=text.strip()[:2000])
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
    objection = Objection.objects.select_for_update().select_related("score__assessment__unit").get(pk=objection.pk)
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
        with audit.tracked(score, actor=actor, reason=f"objection {objection.pk} upheld", clock=clock):
            score.total = float(corrected_total)
            score.save()
    return objection


def deadline_of(score: PersonScore) -> dt.datetime:
    return objection_deadline(score)
