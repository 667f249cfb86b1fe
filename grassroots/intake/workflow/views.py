"""The submissions page: each unit's status for a period, and the actions the user may take."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grassroots.intake.cases.forms import chosen_period, period_key
from grassroots.intake.models import Submission, SubmissionStatus
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import Level
from grassroots.organisations.scope import get_unit_for_user, visible_units
from grassroots.responses import bad_input


@login_required
@require_GET
def submissions(request: HttpRequest) -> HttpResponse:
    period, period_error = chosen_period(request.GET.get("period", ""))
    rows: list[tuple[Any, SubmissionStatus, str]] = []
    cities: list[Any] = []
    if period:
        units = visible_units(request.user).filter(level=Level.GRASSROOTS).select_related("parent")
        found = {s.unit_id: s for s in Submission.objects.filter(unit__in=units, period=period)}
        for unit in units:
            s = found.get(unit.pk)
            rows.append((unit, SubmissionStatus(s.status) if s else SubmissionStatus.DRAFT,
                         s.comment if s else ""))  # fmt: skip
        cities = list(visible_units(request.user).filter(level=Level.CITY))
    context = {"nav": "intake", "period": period or request.GET.get("period", ""),
               "period_error": period_error, "rows": rows, "cities": cities,
               "S": SubmissionStatus}  # fmt: skip
    return render(request, "intake/submissions.html", context)


@login_required
@require_POST
def act(request: HttpRequest) -> HttpResponse:
    unit = get_unit_for_user(request.user, request.POST.get("unit", ""))  # 404 out of scope
    period = period_key(request.POST.get("period", ""))
    action = request.POST.get("action", "")
    text = request.POST.get("comment", "")
    if period is None:
        return bad_input(
            request, _("Not a period such as 2024年第四季度, 2024Q4, 2024-07 or 2024.")
        )
    calls: dict[str, Callable[[], object]] = {
        "submit": lambda: workflow.submit(unit=unit, period=period, actor=request.user),
        "approve": lambda: workflow.approve(unit=unit, period=period, actor=request.user),
        "return": lambda: workflow.return_for_correction(
            unit=unit, period=period, actor=request.user, comment=text
        ),
        "accept": lambda: workflow.accept_city(city=unit, period=period, actor=request.user),
        "unlock": lambda: workflow.unlock(
            unit=unit, period=period, actor=request.user, reason=text
        ),
    }
    if action not in calls:
        return HttpResponse("unknown action", status=400)
    try:
        calls[action]()
    except workflow.NotAllowed:
        return HttpResponse("Your role may not do this", status=403)
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("intake:submissions") + f"?period={period}")
    return redirect(reverse("intake:submissions") + f"?period={period}")
