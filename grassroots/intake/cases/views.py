"""Pages of the intake app: data versions in the user's scope and the case-record upload."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.engine.errors import InputError, Problem
from grassroots.files import disk_name, private_tmp
from grassroots.intake.cases.forms import CaseUploadForm
from grassroots.intake.cases.services import ConcurrentUpload, UploadRefused, import_cases
from grassroots.intake.models import DEFAULT_CATALOGUE, DataVersion
from grassroots.intake.permissions import uploadable_units, visible_versions
from grassroots.intake.selectors import (
    element_names,
    flag_rows,
    version_flags,
    version_violations,
)
from grassroots.organisations.scope import get_unit_for_user
from grassroots.problem_wording import all_in_language

VERSIONS_PER_PAGE = 50


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    versions = visible_versions(request.user).select_related("unit")
    page = Paginator(versions, VERSIONS_PER_PAGE).get_page(request.GET.get("page"))
    can_upload = uploadable_units(request.user).exists()
    return render(
        request,
        "intake/index.html",
        {"nav": "intake", "page": page, "can_upload": can_upload, "catalogue": DEFAULT_CATALOGUE},
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload_cases(request: HttpRequest) -> HttpResponse:
    if not uploadable_units(request.user).exists():
        raise Http404("No such page")
    form = CaseUploadForm(request.POST or None, request.FILES or None, user=request.user)
    problems: list[Problem] = []
    error = ""
    if request.method == "POST" and form.is_valid():
        unit = get_unit_for_user(request.user, form.cleaned_data["unit"])
        try:
            version = save_upload(
                form.cleaned_data["file"], unit, form.cleaned_data["period"], request
            )
        except InputError as exc:
            problems = all_in_language(exc.problems)
        except ConcurrentUpload as exc:
            error = str(exc)
        except UploadRefused:
            raise Http404("No such unit") from None
        else:
            return redirect("intake:version", pk=version.pk)
    status = 400 if problems or error or form.errors else 200
    context = {"nav": "intake", "form": form, "problems": problems, "error": error}
    return render(request, "intake/upload_cases.html", context, status=status)


def save_upload(
    upload: UploadedFile[Any], unit: Any, period: str, request: HttpRequest
) -> DataVersion:
    """Put the uploaded file under its own (base) name in a private folder and import it."""
    name = disk_name(upload.name or "upload")
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=private_tmp()))
    try:
        path = folder / name
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return import_cases(
            source=path, unit=unit, period=period, actor=request.user, source_name=name
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@login_required
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(visible_versions(request.user), pk=pk)
    names = element_names()
    values = [
        (v, names.get(v.element, ""))
        for v in version.element_values.select_related("unit").order_by("unit__path", "element")
    ]
    context = {
        "nav": "intake",
        "version": version,
        "values": values,
        "superseded_by": DataVersion.objects.filter(supersedes=version).first(),
        "violations": version_violations(version),
        "flags": flag_rows(version_flags(version)),
    }
    return render(request, "intake/version_detail.html", context)
