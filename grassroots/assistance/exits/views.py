"""The exit standard page: a province's versions, and a new version by its administrator."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from grassroots.assistance.exits.forms import ExitStandardForm
from grassroots.assistance.exits.standard import (
    StandardError,
    latest_standard,
    save_standard,
    shipped_text,
)
from grassroots.assistance.permissions import Act, may
from grassroots.organisations.models import Level
from grassroots.organisations.scope import get_unit_for_user


@login_required
@require_http_methods(["GET", "POST"])
def exit_standard(request: HttpRequest, code: str) -> HttpResponse:
    """The province's exit standard: its versions, and a new version by the administrator."""
    province = get_unit_for_user(request.user, code)  # 404 outside the user's scope
    if province.level != Level.PROVINCE:
        raise Http404("No such standard")
    can_edit = may(request.user, Act.DECIDE_EXIT, province)
    current = latest_standard(province)
    text = current.yaml_text if current else shipped_text()
    form = ExitStandardForm(request.POST or None, initial={"yaml_text": text})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("only the province administrator edits the exit standard")
        if form.is_valid():
            try:
                save_standard(
                    province=province,
                    yaml_text=form.cleaned_data["yaml_text"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except StandardError as exc:
                form.add_error("yaml_text", str(exc))
            else:
                return redirect("assistance:exit-standard", code=province.code)
    context = {
        "nav": "assistance",
        "province": province,
        "current": current,
        "form": form,
        "can_edit": can_edit,
        "versions": province.exit_standards.all(),
    }
    return render(request, "assistance/exit_standard.html", context)
