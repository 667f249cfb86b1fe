"""Direct reports the caller may see, mounted by grassroots.web.api under /api/direct (read
only; filing and answering are the pages'). Out of scope is 404."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from grassroots.api_caller import auth_user
from grassroots.direct import permissions, selectors
from grassroots.direct.models import Report
from grassroots.errors import ERRORS

router = Router(tags=["direct"])


class DirectReportOut(Schema):
    id: int
    number: str
    unit_code: str
    category: str
    urgency: str
    line: str
    title: str
    stage: str
    handler: str
    department: str
    filed_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    escalations: int


class MessageOut(Schema):
    kind: str
    author: str
    to: str
    text: str
    created: dt.datetime


class DirectReportDetailOut(DirectReportOut):
    description: str
    messages: list[MessageOut]


def _out(r: Report, now: dt.datetime) -> dict[str, object]:
    return {
        "id": r.pk,
        "number": r.number,
        "unit_code": r.unit.code,
        "category": r.category,
        "urgency": r.urgency,
        "line": r.line,
        "title": r.title,
        "stage": r.stage,
        "handler": r.handler.get_username(),
        "department": r.department,
        "filed_at": r.filed_at,
        "due_at": r.due_at,
        "overdue": r.is_overdue(now),
        "escalations": r.escalations,
    }


@router.get("/reports", response={200: list[DirectReportOut], **ERRORS})
def list_reports(request: HttpRequest, state: str = "") -> list[DirectReportOut]:
    now = timezone.now()
    rows = selectors.listing(auth_user(request), state=state, now=now)[:500]
    return [DirectReportOut(**_out(r, now)) for r in rows]  # type: ignore[arg-type]


@router.get("/reports/{report_id}", response={200: DirectReportDetailOut, **ERRORS})
def get_report(request: HttpRequest, report_id: int) -> DirectReportDetailOut:
    now = timezone.now()
    r = permissions.report_for(auth_user(request), report_id)
    messages = [
        MessageOut(
            kind=m.kind,
            author=m.author.get_username() if m.author else "",
            to=m.to.get_username() if m.to else "",
            text=m.text,
            created=m.created,
        )
        for m in r.messages.select_related("author", "to")
    ]
    return DirectReportDetailOut(**_out(r, now), description=r.description, messages=messages)  # type: ignore[arg-type]
