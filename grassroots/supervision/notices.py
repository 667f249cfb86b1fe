"""Overdue leads (a lead past its step's time limit, GRASSROOTS_LEAD_STEP_DAYS) are told to
the responsible unit's users who work leads, once per lead and step (grassroots/notifications).
The runs worker calls the scan on every round."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from grassroots.notifications import kinds, texts
from grassroots.notifications.recipients import members
from grassroots.notifications.services import both_ref, notify, unit_ref, words_ref
from grassroots.supervision.models import Lead, Step
from grassroots.supervision.permissions import RULES, Act


def scan_leads(now: dt.datetime) -> int:
    # The selectors read datasets (pandas, DuckDB): imported when the worker scans, not at start.
    from grassroots.supervision.selectors import TERMINAL, due_date

    today = timezone.localtime(now).date()
    told = 0
    for lead in Lead.objects.exclude(step__in=TERMINAL).select_related("unit", "model"):
        due = due_date(lead)
        if due is None or due >= today:
            continue
        told += len(
            notify(
                members([lead.unit], RULES[Act.WORK]),
                kind=kinds.LEAD_OVERDUE,
                title=texts.LEAD_OVERDUE,
                body=texts.LEAD_OVERDUE_BODY,
                params={
                    "due": due.isoformat(),
                    "model": both_ref(lead.model.name_zh, lead.model.name_en),
                    "subject": lead.subject_masked,
                    "unit": unit_ref(lead.unit),
                    "step": words_ref(Step(lead.step).label),
                    "since": lead.step_since.isoformat(),
                },
                link=reverse("supervision:lead", args=[lead.pk]),
                key=f"lead:{lead.pk}:overdue:{lead.step}:{lead.step_since.isoformat()}",
                clock=lambda: now,
            )
        )
    return told
