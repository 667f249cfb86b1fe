"""What every page's header needs: the user's unit and role, and which menu items to show."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from grassroots.i18n import unit_name
from grassroots.organisations.scope import ACCOUNT_ADMINISTRATORS, Action, can, membership_of


def header(request: HttpRequest) -> dict[str, Any]:
    membership = membership_of(getattr(request, "user", None))
    return {
        "membership": membership,
        "membership_unit_name": unit_name(membership.unit) if membership else "",
        "can_view_audit": can(request.user, Action.VIEW_AUDIT_LOG) if membership else False,
        "can_export_reports": can(request.user, Action.EXPORT_REPORTS) if membership else False,
        "can_manage_accounts": can(request.user, Action.MANAGE_ACCOUNTS) if membership else False,
        "can_manage_security": can(request.user, Action.MANAGE_SECURITY) if membership else False,
        # The system and security administrators do no business work: no business menu.
        "sees_business": membership is None or membership.role not in ACCOUNT_ADMINISTRATORS,
        "api_docs_url": reverse("api:openapi-view"),
    }
