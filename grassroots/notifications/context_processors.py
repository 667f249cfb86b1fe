"""The unread count in the navigation: one query per request, only when a page shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from grassroots.notifications.services import unread_count


def _count(request: HttpRequest) -> int:
    cached = getattr(request, "_grassroots_unread", None)
    if cached is None:
        cached = unread_count(getattr(request, "user", None))
        request._grassroots_unread = cached  # type: ignore[attr-defined]
    return int(cached)


def unread(request: HttpRequest) -> dict[str, Any]:
    return {"unread_notifications": SimpleLazyObject(lambda: _count(request))}
