"""Writes to weak-unit records. Each service checks permission, is one transaction, is audited.

A rule broken by the input raises AssistanceError (nothing saved); a unit out of the actor's
scope raises Http404; a role that may not act raises PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from grassroots.assistance.exits.standard import current_standard, province_of
from grassroots.assistance.models import (
    Activity,
    ActivityKind,
    Award,
    Designation,
    DesignationReason,
    Dimension,
    Evidence,
    ExitAssessment,
    ExitDecision,
    ExitItem,
    ItemStatus,
    Measure,
    MeasureStatus,
    Pairing,
    Problem,
    ProblemSource,
    ProgressReport,
    StatusChange,
    Target,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.permissions import Act, authorise
from grassroots.assistance.selectors import exit_shortfalls
from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.engine.scheme import load_scheme
from grassroots.files import disk_name
from grassroots.organisations.audit import tracked
from grassroots.organisations.models import Level, Unit

Actor = Any

# Evidence files: office documents, PDFs and photos, at most 10 MB each.
ALLOWED_EVIDENCE = frozenset({".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png"})
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
TARGET_SCHEME = "core-business"  # targets name indicators this scheme scores


class AssistanceError(Exception):
    """The input breaks a rule; `problems` maps field name to a message for the user."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


def _name(actor: Actor) -> str:
    return str(actor.get_username()) if getattr(actor, "is_authenticated", False) else "system"


def active_designation(unit: Unit) -> Designation | None:
    """The unit's current weak spell (designated or exit recommended), if any."""
    return unit.weak_designations.exclude(status=WeakStatus.EXITED).first()


def _change_status(
    designation: Designation, status: WeakStatus, *, on: dt.date, actor: Actor, note: str = ""
) -> None:
    with tracked(designation, actor=actor, reason=note):
        designation.status = status
        if status is WeakStatus.EXITED:
            designation.exited_on = on
        designation.save()
    change = StatusChange(
        designation=designation, status=status, on=on, actor_name=_name(actor), note=note[:500]
    )
    with tracked(change, actor=actor):
        change.save()


# ---------------------------------------------------------------------------------------------
# Designation and pairing (the province)


@transaction.atomic
def designate_weak_unit(
    *,
    unit: Unit,
    level: WeakLevel,
    designated_on: dt.date,
    reasons: Mapping[Dimension, str],
    evidence: str = "",
    actor: Actor,
) -> Designation:
    unit = authorise(actor, Act.DESIGNATE, unit)
    problems: dict[str, str] = {}
    if unit.level != Level.GRASSROOTS:
        problems["unit"] = "only a grassroots unit can be designated weak"
    if active_designation(unit) is not None:
        problems["unit"] = f"{unit.code} is already designated weak"
    if not any(text.strip() for text in reasons.values()):
        problems["reasons"] = "give a reason under at least one dimension"
    if problems:
        raise AssistanceError(problems)
    designation = Designation(
        unit=unit, level=WeakLevel(level), designated_on=designated_on, evidence=evidence
    )
    with tracked(designation, actor=actor):
        designation.save()
    for dimension, text in reasons.items():
        if text.strip():
            reason = DesignationReason(
                designation=designation, dimension=Dimension(dimension), text=text
            )
            with tracked(reason, actor=actor):
                reason.save()
    change = StatusChange(
        designation=designation,
        status=WeakStatus.DESIGNATED,
        on=designated_on,
        actor_name=_name(actor),
    )
    with tracked(change, actor=actor):
        change.save()
    return designation


@transaction.atomic
def pair_weak_unit(
    *,
    designation: Designation,
    partner: Unit,
    recommended: Unit | None = None,
    contact_leader: str = "",
    actor: Actor,
) -> Pairing:
    """Accept the recommended partner or set another; a second call changes the pairing."""
    authorise(actor, Act.PAIR, designation.unit)
    partner = authorise(actor, Act.PAIR, partner)
    if partner.pk == designation.unit_id:
        raise AssistanceError({"partner": "a unit cannot be paired with itself"})
    if active_designation(partner) is not None:
        raise AssistanceError({"partner": f"{partner.code} is itself a weak unit"})
    if partner.level != Level.GRASSROOTS:
        raise AssistanceError({"partner": "the partner must be a grassroots unit"})
    pairing = Pairing.objects.filter(designation=designation).first() or Pairing(
        designation=designation
    )
    with tracked(pairing, actor=actor):
        pairing.partner = partner
        if recommended is not None:
            pairing.recommended = recommended
        pairing.contact_leader = contact_leader
        pairing.save()
    return pairing


@transaction.atomic
def record_activity(
    *,
    designation: Designation,
    kind: ActivityKind,
    start: dt.date,
    end: dt.date,
    people: int = 0,
    partner: Unit | None = None,
    outcome: str = "",
    actor: Actor,
) -> Activity:
    authorise(actor, Act.RECORD_ACTIVITY, designation.unit)
    problems: dict[str, str] = {}
    if end < start:
        problems["end"] = "the activity ends before it starts"
    if people < 0:
        problems["people"] = "the number of people cannot be negative"
    elif kind == ActivityKind.POST_EXCHANGE and people < 1:
        problems["people"] = "a temporary post exchange needs the number of people exchanged"
    if partner is not None and partner.pk == designation.unit_id:
        problems["partner"] = "the unit helped cannot also be the helping unit"
    if problems:
        raise AssistanceError(problems)
    activity = Activity(
        designation=designation,
        kind=ActivityKind(kind),
        start=start,
        end=end,
        people=people,
        partner=partner,
        outcome=outcome,
    )
    with tracked(activity, actor=actor):
        activity.save()
    return activity


# ---------------------------------------------------------------------------------------------
# One list, two plans (the city; progress and evidence by the unit)


@transaction.atomic
def add_problem(
    *,
    designation: Designation,
    dimension: Dimension,
    source: ProblemSource,
    description: str,
    actor: Actor,
) -> Problem:
    authorise(actor, Act.EDIT_PLAN, designation.unit)
    if not description.strip():
        raise AssistanceError({"description": "describe the problem"})
    problem = Problem(
        designation=designation,
        dimension=Dimension(dimension),
        source=ProblemSource(source),
        description=description,
    )
    with tracked(problem, actor=actor):
        problem.save()
    return problem


def _measure_problems(
    designation: Designation,
    *,
    title: str,
    leader: str,
    department: str,
    created_on: dt.date,
    deadline: dt.date,
    problem: Problem | None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    for field, value, what in (
        ("title", title, "the measure"),
        ("leader", leader, "the responsible leader"),
        ("department", department, "the responsible department"),
    ):
        if not value.strip():
            problems[field] = f"name {what}"
    if deadline < created_on:
        problems["deadline"] = (
            f"the deadline {deadline} is before the measure's creation {created_on}"
        )
    if problem is not None and problem.designation_id != designation.pk:
        problems["problem"] = "the problem belongs to another unit's list"
    return problems


def _done_on(status: MeasureStatus, previous: dt.date | None, on: dt.date) -> dt.date | None:
    """When a measure was done: kept while it stays done, today when it becomes done."""
    if status != MeasureStatus.DONE:
        return None
    return previous or on


@transaction.atomic
def add_measure(
    *,
    designation: Designation,
    title: str,
    leader: str,
    department: str,
    created_on: dt.date,
    deadline: dt.date,
    problem: Problem | None = None,
    status: MeasureStatus = MeasureStatus.PLANNED,
    actor: Actor,
) -> Measure:
    authorise(actor, Act.EDIT_PLAN, designation.unit)
    problems = _measure_problems(
        designation,
        title=title,
        leader=leader,
        department=department,
        created_on=created_on,
        deadline=deadline,
        problem=problem,
    )
    if problems:
        raise AssistanceError(problems)
    measure = Measure(
        designation=designation,
        problem=problem,
        title=title,
        leader=leader,
        department=department,
        created_on=created_on,
        deadline=deadline,
        status=MeasureStatus(status),
        done_on=_done_on(MeasureStatus(status), None, created_on),
    )
    with tracked(measure, actor=actor):
        measure.save()
    return measure


@transaction.atomic
def edit_measure(
    *,
    measure: Measure,
    title: str,
    leader: str,
    department: str,
    deadline: dt.date,
    problem: Problem | None,
    status: MeasureStatus,
    on: dt.date,
    actor: Actor,
) -> Measure:
    """Change a measure; the audit entry keeps every previous value (nothing is lost).

    The creation date stays: a deadline is still checked against it.
    """
    designation = measure.designation
    authorise(actor, Act.EDIT_PLAN, designation.unit)
    problems = _measure_problems(
        designation,
        title=title,
        leader=leader,
        department=department,
        created_on=measure.created_on,
        deadline=deadline,
        problem=problem,
    )
    if problems:
        raise AssistanceError(problems)
    with tracked(measure, actor=actor, reason="measure edited"):
        measure.title, measure.leader, measure.department = title, leader, department
        measure.deadline, measure.problem = deadline, problem
        measure.done_on = _done_on(MeasureStatus(status), measure.done_on, on)
        measure.status = MeasureStatus(status)
        measure.save()
    return measure


def quarter_problem(quarter: str, on: dt.date) -> str | None:
    """Why ``quarter`` cannot take a report written on ``on``, or None when it can."""
    try:
        period = Period.parse(quarter)
    except InputError:
        return f"{quarter!r} is not a quarter such as 2024Q3"
    if period.kind != "quarter":
        return f"{quarter!r} is not a quarter such as 2024Q3"
    if period.start > on:
        return f"{quarter} has not started yet"
    return None


@transaction.atomic
def report_progress(
    *, measure: Measure, quarter: str, text: str, status: MeasureStatus, on: dt.date, actor: Actor
) -> ProgressReport:
    """The unit's quarterly report on a measure; it also moves the measure's status."""
    authorise(actor, Act.REPORT_PROGRESS, measure.designation.unit)
    problems: dict[str, str] = {}
    if (wrong := quarter_problem(quarter, on)) is not None:
        problems["quarter"] = wrong
    if not text.strip():
        problems["text"] = "describe the progress made"
    if problems:
        raise AssistanceError(problems)
    report = ProgressReport.objects.filter(measure=measure, quarter=quarter).first()
    report = report or ProgressReport(measure=measure, quarter=quarter)
    with tracked(report, actor=actor):
        report.text, report.status = text, MeasureStatus(status)
        report.save()
    with tracked(measure, actor=actor, reason=f"progress report {quarter}"):
        measure.done_on = _done_on(MeasureStatus(status), measure.done_on, on)
        measure.status = MeasureStatus(status)
        measure.save()
    return report


def evidence_storage() -> Storage:
    """Where evidence files live: under the data directory, never at a public URL.

    They are read back only through the scoped download page (plans/views.py: evidence_file).
    """
    return FileSystemStorage(location=settings.DATA_DIR / "assistance-evidence", base_url=None)


def evidence_problem(name: str, size: int) -> str | None:
    """Why a file cannot be evidence (type or size), or None when it can."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_EVIDENCE:
        allowed = ", ".join(sorted(ALLOWED_EVIDENCE))
        return f"{suffix or 'no extension'} is not allowed ({allowed})"
    if size > MAX_EVIDENCE_BYTES:
        return f"{name} is larger than 10 MB"
    if size == 0:
        return f"{name} is empty"
    return None


@transaction.atomic
def attach_evidence(*, measure: Measure, upload: UploadedFile[Any], actor: Actor) -> Evidence:
    authorise(actor, Act.REPORT_PROGRESS, measure.designation.unit)
    name = disk_name(upload.name or "")  # a 255-byte name is shortened, its type kept
    if (wrong := evidence_problem(name, upload.size or 0)) is not None:
        raise AssistanceError({"file": wrong})
    unit_code = measure.designation.unit.code
    path = evidence_storage().save(f"{unit_code}/{measure.pk}/{name}", upload)
    evidence = Evidence(
        measure=measure, name=name, file=path, size=upload.size or 0, uploaded_by=actor
    )
    with tracked(evidence, actor=actor):
        evidence.save()
    return evidence


@transaction.atomic
def set_target(
    *, designation: Designation, indicator: str, period: str, value: float, actor: Actor
) -> Target:
    authorise(actor, Act.EDIT_PLAN, designation.unit)
    known = load_scheme(TARGET_SCHEME).indicator_codes()
    problems: dict[str, str] = {}
    if indicator not in known:
        problems["indicator"] = f"the {TARGET_SCHEME} scheme has no {indicator!r}"
    try:
        period = Period.parse(period).key
    except InputError:
        problems["period"] = f"{period!r} is not a period such as 2024Q3"
    if problems:
        raise AssistanceError(problems)
    target = Target.objects.filter(
        designation=designation, indicator=indicator, period=period
    ).first() or Target(designation=designation, indicator=indicator, period=period)
    with tracked(target, actor=actor):
        target.value = value
        target.save()
    return target


# ---------------------------------------------------------------------------------------------
# Exit: the city recommends on the checklist, the province decides


@transaction.atomic
def recommend_exit(
    *,
    designation: Designation,
    periods: list[str],
    checklist: Sequence[Mapping[str, str]],
    reviews: Mapping[str, tuple[ItemStatus, str]],
    on: dt.date,
    actor: Actor,
) -> ExitAssessment:
    """Record the item-by-item assessment and the city's recommendation to exit.

    ``checklist`` rows come from selection.exit_checklist (quantitative items already decided);
    ``reviews`` gives the reviewers' status and evidence for qualitative items by item code.
    """
    authorise(actor, Act.RECOMMEND_EXIT, designation.unit)
    # A row lock: a second recommendation for the same designation waits, then sees the first
    # (and is refused) instead of opening a second assessment beside it.
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.status != WeakStatus.DESIGNATED:
        raise AssistanceError({"status": "exit can be recommended only for a designated unit"})
    if not periods or not checklist:
        raise AssistanceError(
            {"periods": "no results to assess for the periods " + (", ".join(periods) or "given")}
        )
    standard = current_standard(province=province_of(designation.unit), actor=actor)
    assessment = ExitAssessment(
        designation=designation,
        periods=periods,
        recommended_on=on,
        recommended_by=_name(actor),
        standard=standard,
    )
    with tracked(assessment, actor=actor):
        assessment.save()
    for row in checklist:
        _save_item(assessment, row, reviews.get(str(row["item"])), actor)
    _change_status(designation, WeakStatus.EXIT_RECOMMENDED, on=on, actor=actor)
    return assessment


def _save_item(
    assessment: ExitAssessment,
    row: Mapping[str, str],
    review: tuple[ItemStatus, str] | None,
    actor: Actor,
) -> None:
    quantitative = row["kind"] == "quantitative"
    status, evidence = (row["status"], "") if quantitative or review is None else review
    item = ExitItem(
        assessment=assessment,
        code=row["item"],
        heading=row["heading"],
        quantitative=quantitative,
        status=ItemStatus(status),
        reason=row["reason"],
        evidence=evidence,
    )
    with tracked(item, actor=actor):
        item.save()


@transaction.atomic
def review_exit_item(
    *, item: ExitItem, status: ItemStatus, evidence: str, actor: Actor
) -> ExitItem:
    """A reviewer's decision on a qualitative item (the province's, before it decides)."""
    authorise(actor, Act.DECIDE_EXIT, item.assessment.designation.unit)
    if item.quantitative:
        raise AssistanceError({"item": "quantitative items are decided by the results"})
    if status != ItemStatus.UNDECIDED and not evidence.strip():
        raise AssistanceError({"evidence": "a reviewer's decision needs its evidence"})
    with tracked(item, actor=actor):
        item.status, item.evidence = ItemStatus(status), evidence
        item.save()
    return item


@transaction.atomic
def decide_exit(
    *,
    assessment: ExitAssessment,
    decision: ExitDecision,
    exit_period: str,
    on: dt.date,
    actor: Actor,
    override_reason: str = "",
) -> ExitAssessment:
    """The province decides. Exit needs the standard met in full (exit_shortfalls), or an
    override with its reason, which the record and the audit keep."""
    designation = assessment.designation
    authorise(actor, Act.DECIDE_EXIT, designation.unit)
    # A row lock: a second decision on the same assessment waits, then sees the first.
    assessment = ExitAssessment.objects.select_for_update().get(pk=assessment.pk)
    undecided = list(
        assessment.items.filter(quantitative=False, status=ItemStatus.UNDECIDED).values_list(
            "code", flat=True
        )
    )
    if undecided:
        raise AssistanceError(
            {"items": f"qualitative items still undecided: {', '.join(undecided)}"}
        )
    if assessment.decision:
        raise AssistanceError({"decision": "this assessment is already decided"})
    override_reason = override_reason.strip()
    shortfalls = exit_shortfalls(assessment) if decision == ExitDecision.EXIT else []
    if shortfalls and not override_reason:
        message = gettext(
            "The exit standard is not met (%(shortfalls)s): record the reason for deciding exit "
            "anyway, or decide that the unit remains weak."
        )
        raise AssistanceError({"override_reason": message % {"shortfalls": "; ".join(shortfalls)}})
    note = f"exit decided against the standard: {override_reason}" if shortfalls else ""
    with tracked(assessment, actor=actor, reason=note):
        assessment.decision = ExitDecision(decision)
        assessment.decided_on, assessment.decided_by = on, _name(actor)
        assessment.override_reason = override_reason if shortfalls else ""
        assessment.save()
    if decision == ExitDecision.EXIT:
        with tracked(designation, actor=actor):
            designation.exit_period = exit_period
            designation.save()
        _change_status(
            designation, WeakStatus.EXITED, on=on, actor=actor, note=note or "exit decided"
        )
    else:
        _change_status(designation, WeakStatus.DESIGNATED, on=on, actor=actor, note="remains weak")
    return assessment


# ---------------------------------------------------------------------------------------------
# Contribution awards (the province confirms)


@transaction.atomic
def confirm_awards(
    *,
    quarter: str,
    ranking: Sequence[Mapping[str, Any]],
    top: int,
    rule: str,
    on: dt.date,
    actor: Actor,
) -> list[Award]:
    """Confirm the first ``top`` rows of a quarter's ranked list (selection.contribution_ranking)."""
    # The province's unit row is the lock: a second confirmation of the quarter waits for the
    # first and is then refused, never stored beside it.
    top_unit = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if top_unit is not None:
        Unit.objects.select_for_update().filter(pk=top_unit.pk).first()
    if Award.objects.filter(quarter=quarter).exists():
        raise AssistanceError({"quarter": f"the awards of {quarter} are already confirmed"})
    if top < 1:
        raise AssistanceError({"top": "confirm at least one award"})
    awards = []
    for row in sorted(ranking, key=lambda r: int(r["rank"]))[:top]:
        unit = Unit.objects.filter(code=str(row["unit_code"])).first()
        if unit is None:
            raise AssistanceError({"unit_code": f"no unit {row['unit_code']}"})
        authorise(actor, Act.DECIDE_EXIT, unit)  # the same province-only rule as exit decisions
        award = Award(
            quarter=quarter,
            unit=unit,
            rank=int(row["rank"]),
            points=float(row["points"]),
            score_gain=float(row["score_gain"]),
            typical_cases=int(row["typical_cases"]),
            measures_completed=int(row["measures_completed"]),
            rule=rule[:300],
            confirmed_on=on,
            confirmed_by=_name(actor),
        )
        with tracked(award, actor=actor):
            award.save()
        awards.append(award)
    return awards
