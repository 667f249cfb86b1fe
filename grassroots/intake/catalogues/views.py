"""The indicator catalogue page: its stored versions, one version's YAML, and (for the province
administrator) a new version checked by the engine."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.engine.catalogue import list_catalogues
from grassroots.intake.catalogues.services import (
    CatalogueError,
    catalogue_versions,
    save_catalogue_version,
    shipped_text,
)
from grassroots.intake.permissions import may_edit_catalogues
from grassroots.organisations.scope import membership_of
from grassroots.organisations.versions import owner_for


class CatalogueForm(forms.Form):
    yaml_text = forms.CharField(
        label=_("Catalogue YAML"),
        strip=False,  # the stored text is the YAML exactly as written
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("Reason for the change"), max_length=500)


def _known(user: object, code: str) -> None:
    # Catalogues are the province's, shared by every unit: any member reads them.
    if membership_of(user) is None or code not in list_catalogues():
        raise Http404("No such catalogue")


@login_required
@require_http_methods(["GET", "POST"])
def catalogue(request: HttpRequest, code: str) -> HttpResponse:
    _known(request.user, code)
    province = owner_for(request.user)  # the province owns its catalogue's versions
    versions = catalogue_versions(code, province=province)
    current_text = versions[0].yaml_text if versions else shipped_text(code)
    editable = may_edit_catalogues(request.user)
    form = CatalogueForm(request.POST or None, initial={"yaml_text": current_text})
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("only the province administrator adds catalogue versions")
        if form.is_valid():
            try:
                save_catalogue_version(
                    code=code,
                    yaml_text=form.cleaned_data["yaml_text"].replace("\r\n", "\n"),
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    province=province,
                )
            except CatalogueError as exc:
                form.add_error("yaml_text", str(exc))
            else:
                return redirect("intake:catalogue", code=code)
    context = {
        "nav": "intake",
        "code": code,
        "versions": versions,
        "current_text": current_text,
        "national": not versions or versions[0].province_id is None,
        "form": form if editable else None,
    }
    return render(request, "intake/catalogue.html", context)


@login_required
@require_GET
def catalogue_version(request: HttpRequest, code: str, version: int) -> HttpResponse:
    _known(request.user, code)
    own = catalogue_versions(code, province=owner_for(request.user))
    found = next((v for v in own if v.version == version), None)
    if found is None:
        raise Http404("No such catalogue version")
    return render(request, "intake/catalogue_version.html", {"nav": "intake", "version": found})
