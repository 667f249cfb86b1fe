"""The caller's own notifications, mounted by grassroots.web.api under /api/notifications.
Another user's notification does not exist for the caller (404)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from grassroots.api_caller import auth_user
from grassroots.errors import ERRORS
from grassroots.notifications import services
from grassroots.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created: dt.datetime
    read_at: dt.datetime | None


class InboxOut(Schema):
    unread: int
    notifications: list[NotificationOut]


def _out(note: Notification) -> NotificationOut:
    return NotificationOut(
        id=note.pk,
        kind=note.kind,
        title=services.title_of(note),
        body=services.body_of(note),
        link=note.link,
        created=note.created,
        read_at=note.read_at,
    )


@router.get("", response={200: InboxOut, **ERRORS})
def inbox(request: HttpRequest, unread_only: bool = False) -> InboxOut:
    """The newest 100 notifications (in the request's language) and the unread count."""
    user = auth_user(request)
    notes = Notification.objects.filter(recipient=user)
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return InboxOut(
        unread=services.unread_count(user), notifications=[_out(n) for n in notes[:100]]
    )


@router.post("/{notification_id}/read", response={200: NotificationOut, **ERRORS})
def read(request: HttpRequest, notification_id: int) -> NotificationOut:
    try:
        note = services.mark_read(user=auth_user(request), pk=notification_id)
    except Notification.DoesNotExist:
        raise HttpError(404, "Not Found") from None
    return _out(note)
