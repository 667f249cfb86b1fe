"""Overdue leads are told to the responsible unit's lead workers, once per lead and step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from grassroots.notifications import kinds
from grassroots.notifications.models import Notification
from grassroots.notifications.scans import registered, run_scans
from grassroots.organisations.models import Role
from grassroots.supervision.models import Lead, Step
from grassroots.supervision.services import advance_lead, run_model_version


def test_overdue_leads_are_told_once_per_step(
    admin: Any, loaded: dict[str, Any], make_member: Callable[..., Any], settings: Any
) -> None:
    assert "supervision-overdue-leads" in registered()
    run_model_version(actor=admin, version=loaded["deceased-allowance"])
    lead = Lead.objects.filter(step=Step.SCREENING).select_related("unit").order_by("pk").first()
    assert lead is not None
    worker = make_member(Role.GRASSROOTS_CLERK, lead.unit.code, "lead-worker")
    make_member(Role.STAFF, lead.unit.code, "staff-member")  # does not work leads
    days = settings.GRASSROOTS_LEAD_STEP_DAYS["screening"]
    due = lead.step_since + dt.timedelta(days=days)
    at = dt.datetime.combine(due, dt.time(12), tzinfo=dt.UTC)
    run_scans(at)  # the due day itself: not yet overdue
    assert not Notification.objects.filter(recipient=worker, kind=kinds.LEAD_OVERDUE).exists()
    run_scans(at + dt.timedelta(days=1))
    mine = Notification.objects.filter(recipient=worker, kind=kinds.LEAD_OVERDUE)
    about = mine.filter(link=f"/supervision/leads/{lead.pk}/")
    assert about.count() == 1
    assert about.get().params["due"] == due.isoformat()
    assert not Notification.objects.filter(recipient__username="staff-member").exists()
    run_scans(at + dt.timedelta(days=2))
    assert about.count() == 1  # told once
    advance_lead(actor=admin, lead=lead, step=Step.REVIEW, on=due + dt.timedelta(days=1))
    review_days = settings.GRASSROOTS_LEAD_STEP_DAYS["review"]
    run_scans(at + dt.timedelta(days=review_days + 3))
    assert about.count() == 2  # overdue again at the next step
