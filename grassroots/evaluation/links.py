"""Links from evaluation pages to what follows an evaluation (the assistance app)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from grassroots.organisations.scope import get_unit_for_user


def weak_record(user: Any, code: str) -> Any:
    """The unit's latest weak-unit designation if the user may open its plan page, else None.

    The plan page (``assistance:plan``) scopes through ``get_unit_for_user``; so does this, so
    a link is shown exactly when following it would not answer 404."""
    try:
        unit = get_unit_for_user(user, code)
    except Http404:
        return None
    return unit.weak_designations.order_by("-designated_on").first()
