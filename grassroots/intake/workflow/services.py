"""The reporting workflow per unit and period, DHIS2-style:

draft → submitted (grassroots clerk) → approved (city reviewer, own units only) → accepted and
locked (province administrator, a whole city at once, only when all its units are approved).
A reviewer or the province can return a submission with a comment; only the province
administrator unlocks an accepted one, with a reason. Every transition is audited, and each
locks the submission row first, so two people acting at once cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.i18n import period_label, unit_name
from grassroots.intake.models import Submission, SubmissionStatus
from grassroots.notifications import kinds, texts
from grassroots.notifications.recipients import members
from grassroots.notifications.services import notify, period_ref, unit_ref
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import AuditAction, Level, Role, Unit
from grassroots.organisations.scope import Action, can, membership_of

S = SubmissionStatus


class WorkflowError(Exception):
    """The transition is not allowed now (wrong state, missing comment, units not approved)."""


class NotAllowed(Exception):
    """The user's role may not make this transition for this unit (in scope, so 403)."""


def _role(actor: Any) -> Role | None:
    membership = membership_of(actor)
    return Role(membership.role) if membership else None


def status_of(*, unit: Unit, period: str) -> SubmissionStatus:
    found = Submission.objects.filter(unit=unit, period=period).values_list("status", flat=True)
    return S(found[0]) if found else S.DRAFT


def locked_units(*, codes: Collection[str], period: str) -> list[str]:
    """Which of these units have an accepted (locked) submission for the period."""
    return sorted(
        Submission.objects.filter(
            unit__code__in=codes, period=period, status=S.ACCEPTED
        ).values_list("unit__code", flat=True)
    )


def named(unit: Unit, period: str) -> dict[str, str]:
    """A unit and a period as the reader names them, for a message's ``%(unit)s %(period)s``."""
    return {"unit": f"{unit_name(unit)}（{unit.code}）", "period": period_label(period)}


def _transition(
    *,
    unit: Unit,
    period: str,
    actor: Any,
    allowed_from: Collection[SubmissionStatus],
    to: SubmissionStatus,
    comment: str = "",
    reason: str = "",
    clock: Clock,
) -> Submission:
    with transaction.atomic():
        submission, created = Submission.objects.select_for_update().get_or_create(
            unit=unit, period=period,
            defaults={"updated": clock(), "updated_by": audit.SYSTEM_ACTOR},
        )  # fmt: skip
        if created:
            audit.record(obj=submission, action=AuditAction.CREATE, actor=actor, before=None,
                         after=audit.snapshot(submission), at=submission.updated)  # fmt: skip
        current = S(submission.status)
        if current not in allowed_from:
            raise WorkflowError(
                _("%(unit)s %(period)s is %(now)s: it cannot become %(to)s now")
                % {**named(unit, period), "now": current.label, "to": to.label}
            )
        with audit.tracked(submission, actor=actor, reason=reason or comment, clock=clock):
            submission.status = to
            submission.comment = comment
            submission.updated = clock()
            submission.updated_by = actor.get_username()
            if to == S.SUBMITTED and submission.first_submitted is None:
                submission.first_submitted = submission.updated
            submission.save()
        if to in (S.RETURNED, S.ACCEPTED):
            _tell_unit(submission, actor=actor, clock=clock)
    return submission


def _tell_unit(submission: Submission, *, actor: Any, clock: Clock) -> None:
    """The unit's clerks learn that their submission was returned or accepted."""
    returned = submission.status == S.RETURNED
    notify(
        members([submission.unit], [Role.GRASSROOTS_CLERK]),
        kind=kinds.SUBMISSION_RETURNED if returned else kinds.SUBMISSION_ACCEPTED,
        title=texts.SUBMISSION_RETURNED if returned else texts.SUBMISSION_ACCEPTED,
        body=texts.SUBMISSION_RETURNED_BODY if returned else texts.SUBMISSION_ACCEPTED_BODY,
        params={
            "unit": unit_ref(submission.unit),
            "period": period_ref(submission.period),
            "actor": actor.get_username(),
            "comment": submission.comment,
        },
        link=reverse("intake:submissions") + f"?period={submission.period}",
        clock=clock,
    )


def _may_submit(actor: Any, unit: Unit) -> bool:
    return can(actor, Action.SUBMIT_DATA, unit) and unit.level == Level.GRASSROOTS


def _may_approve(actor: Any, unit: Unit) -> bool:
    # can(..., unit) holds only inside the reviewer's own subtree: a city approves its units.
    return _role(actor) == Role.CITY_REVIEWER and can(actor, Action.REVIEW_SUBMISSIONS, unit)


def _returns_from(actor: Any, unit: Unit) -> set[SubmissionStatus]:
    role = _role(actor)
    if role not in (Role.CITY_REVIEWER, Role.PROVINCE_ADMIN):
        return set()
    if not can(actor, Action.REVIEW_SUBMISSIONS, unit):
        return set()
    return {S.SUBMITTED} if role == Role.CITY_REVIEWER else {S.SUBMITTED, S.APPROVED}


def _may_unlock(actor: Any, unit: Unit) -> bool:
    return _role(actor) == Role.PROVINCE_ADMIN and can(actor, Action.REVIEW_SUBMISSIONS, unit)


def allowed_actions(*, actor: Any, unit: Unit, status: SubmissionStatus) -> list[str]:
    """The actions ``actor`` may take now on ``unit``'s submission in ``status``: what a page
    offers (the services check the same rules again when an action arrives)."""
    found = []
    if status in (S.DRAFT, S.RETURNED) and _may_submit(actor, unit):
        found.append("submit")
    if status == S.SUBMITTED and _may_approve(actor, unit):
        found.append("approve")
    if status in _returns_from(actor, unit):
        found.append("return")
    if status == S.ACCEPTED and _may_unlock(actor, unit):
        found.append("unlock")
    return found


def may_accept(*, actor: Any, city: Unit) -> bool:
    """Whether ``actor`` may accept and lock ``city``'s units (when all are approved)."""
    return _role(actor) == Role.PROVINCE_ADMIN and can(actor, Action.REVIEW_SUBMISSIONS, city)


def submit(
    *, unit: Unit, period: str, actor: Any, comment: str = "", clock: Clock = timezone.now
) -> Submission:
    """The unit submits its data for the period, with an optional note to its reviewer."""
    if not _may_submit(actor, unit):
        raise NotAllowed("submit")
    return _transition(unit=unit, period=period, actor=actor, allowed_from={S.DRAFT, S.RETURNED},
                       to=S.SUBMITTED, comment=comment.strip()[:500], clock=clock)  # fmt: skip


def approve(
    *, unit: Unit, period: str, actor: Any, comment: str = "", clock: Clock = timezone.now
) -> Submission:
    if not _may_approve(actor, unit):
        raise NotAllowed("approve")
    return _transition(unit=unit, period=period, actor=actor, allowed_from={S.SUBMITTED},
                       to=S.APPROVED, comment=comment.strip()[:500], clock=clock)  # fmt: skip


def return_for_correction(
    *, unit: Unit, period: str, actor: Any, comment: str, clock: Clock = timezone.now
) -> Submission:
    allowed = _returns_from(actor, unit)
    if not allowed:
        raise NotAllowed("return")
    if not comment.strip():
        raise WorkflowError(_("A returned submission needs a comment saying what to correct."))
    return _transition(unit=unit, period=period, actor=actor, allowed_from=allowed,
                       to=S.RETURNED, comment=comment.strip()[:500], clock=clock)  # fmt: skip


def accept_city(
    *, city: Unit, period: str, actor: Any, clock: Clock = timezone.now
) -> list[Submission]:
    """Accept and lock every unit of ``city``: only when all of them are approved."""
    if not may_accept(actor=actor, city=city):
        raise NotAllowed("accept")
    units = list(Unit.objects.filter(parent=city, level=Level.GRASSROOTS, active=True))
    with transaction.atomic():
        statuses = {
            s.unit_id: S(s.status)
            for s in Submission.objects.select_for_update().filter(unit__in=units, period=period)
        }
        waiting = sorted(u.code for u in units if statuses.get(u.pk) != S.APPROVED)
        if not units or waiting:
            raise WorkflowError(
                _("%(unit)s %(period)s cannot be accepted: not yet approved: %(waiting)s")
                % {
                    **named(city, period),
                    "waiting": "、".join(waiting) or _("the city has no units"),
                }
            )
        return [
            _transition(
                unit=u,
                period=period,
                actor=actor,
                allowed_from={S.APPROVED},
                to=S.ACCEPTED,
                clock=clock,
            )  # fmt: skip
            for u in units
        ]


def unlock(
    *, unit: Unit, period: str, actor: Any, reason: str, clock: Clock = timezone.now
) -> Submission:
    if not _may_unlock(actor, unit):
        raise NotAllowed("unlock")
    if not reason.strip():
        raise WorkflowError(_("An unlock needs a reason (it is kept in the audit log)."))
    return _transition(unit=unit, period=period, actor=actor, allowed_from={S.ACCEPTED},
                       to=S.RETURNED, comment=reason.strip()[:500], reason=reason.strip(),
                       clock=clock)  # fmt: skip
