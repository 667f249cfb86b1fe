"""The library's pages: search, cases, articles and columns, brands, honours, attachments.

Every page asks ``selectors`` for what the viewer may see (anything else is 404) and
``permissions`` for what they may change; writes go through ``services`` (audited).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.library import selectors, services
from grassroots.library.forms import (
    AdvanceForm,
    ArticleForm,
    AttachmentForm,
    AwardForm,
    BrandForm,
    CaseForm,
    ColumnForm,
    EntryForm,
    GoalForm,
    HonourForm,
    ReviewForm,
    SearchForm,
)
from grassroots.library.models import (
    Article,
    ArticleStatus,
    Brand,
    Case,
    CaseEntry,
    CaseKind,
    CaseLevel,
    EntryStatus,
)
from grassroots.library.permissions import is_province, may_write, own_province, writable_units
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import visible_units

M = TypeVar("M", bound=Model)

NAV = "library"


def _errors(form: Any, error: services.LibraryError) -> None:
    for field, message in error.problems.items():
        form.add_error(field if field in form.fields else None, message)


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, 25).get_page(request.GET.get("page"))


# ---------------------------------------------------------------------------------- search


def _editing(
    request: HttpRequest, items: QuerySet[M], pk: int | None
) -> tuple[M | None, Any, Unit | None]:
    """What an edit page works on: the item (None for a new one), the units the user may
    write for, and the unit it belongs to (fixed when editing, or the only writable unit).
    404 for an item the user may not change, or a new item when the user writes for none."""
    units = writable_units(request.user)
    if pk is not None:
        item = selectors.one(items, pk)
        owner: Unit = item.unit  # every library item belongs to a unit
        if not may_write(request.user, owner):
            raise Http404("No such page")
        return item, units, owner
    if not units.exists():
        raise Http404("No such page")
    return None, units, units.first() if units.count() == 1 else None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        unit_ids = None
        if data["unit"]:
            unit = visible_units(request.user).filter(code=data["unit"].strip()).first()
            unit_ids = (
                list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
                if unit
                else []
            )
        results = selectors.find(
            request.user,
            data["q"],
            level=data["level"],
            line=data["line"],
            year=data["year"],
            kind=data["kind"],
            unit_ids=unit_ids,
        )
    context = {
        "nav": NAV,
        "form": form,
        "results": results,
        "counts": selectors.status_counts(request.user),
        "can_write": writable_units(request.user).exists(),
        "is_province": is_province(request.user),
    }
    return render(request, "library/index.html", context)


# ----------------------------------------------------------------------------------- cases


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.cases(request.user)
    level, status, kind = (request.GET.get(k, "") for k in ("level", "status", "kind"))
    if level in CaseLevel.values:
        rows = rows.filter(entries__level=level).distinct()
    if status in EntryStatus.values:
        rows = rows.filter(entries__status=status).distinct()
    if kind in CaseKind.values:
        rows = rows.filter(kind=kind)
    context = {
        "nav": NAV,
        "page": _page(request, rows),
        "levels": CaseLevel.choices,
        "statuses": EntryStatus.choices,
        "kinds": CaseKind.choices,
        "chosen": {"level": level, "status": status, "kind": kind},
        "can_write": writable_units(request.user).exists(),
    }
    return render(request, "library/cases.html", context)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = selectors.one(selectors.cases(request.user), pk)
    writer = may_write(request.user, case.unit)
    province = is_province(request.user, case.unit)
    entries = [
        {
            "entry": e,
            "next": services.next_status(e),
            "may_advance": (writer if e.status == EntryStatus.CULTIVATING else province)
            and services.next_status(e) is not None,
        }
        for e in case.entries.all().order_by("status_date", "id")
    ]
    context = {
        "nav": NAV,
        "case": case,
        "entries": entries,
        "prosecutors": case.prosecutors.all(),
        "attachments": case.attachments.all(),
        "can_write": writer,
        "entry_form": EntryForm(initial={"on": timezone.localdate()}),
        "advance_form": AdvanceForm(initial={"on": timezone.localdate()}),
        "attachment_form": AttachmentForm(),
    }
    return render(request, "library/case.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    case, units, unit = _editing(request, selectors.cases(request.user), pk)
    form = CaseForm(request.POST or None, instance=case, units=units, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_case(
                actor=request.user,
                unit=unit or data["unit"],
                fields={k: data[k] for k in services.CASE_FIELDS},
                prosecutors=list(data["prosecutors"]),
                case=Case.objects.get(pk=case.pk) if case else None,
            )
        except services.LibraryError as error:
            _errors(form, error)
        else:
            messages.success(request, _("The case is saved."))
            return redirect("library:case", saved.pk)
    context = {"nav": NAV, "form": form, "case": case, "unit": unit}
    return render(request, "library/case_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = selectors.one(selectors.cases(request.user), pk)
    if not may_write(request.user, case.unit):
        raise Http404("No such page")
    form = EntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_entry(
                actor=request.user,
                case=case,
                programme=data["programme"],
                batch=data["batch"],
                level=data["level"],
                on=data["on"],
            )
        except services.LibraryError as error:
            messages.error(request, "; ".join(error.problems.values()))
        else:
            messages.success(request, _("The case is entered in the programme."))
    else:
        messages.error(request, _("The entry was not added: %(e)s") % {"e": _flat(form)})
    return redirect("library:case", case.pk)


def _flat(form: Any) -> str:
    return "; ".join(f"{form.fields[f].label if f in form.fields else ''} {m}".strip()
                     for f, ms in form.errors.items() for m in ms)  # fmt: skip


@login_required
@require_POST
def entry_advance(request: HttpRequest, pk: int) -> HttpResponse:
    entry = CaseEntry.objects.select_related("case__unit").filter(pk=pk).first()
    if entry is None or not selectors.cases(request.user).filter(pk=entry.case_id).exists():
        raise Http404("No such entry")
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _flat(form))
        return redirect("library:case", entry.case_id)
    try:
        services.advance_entry(
            actor=request.user,
            entry=entry,
            on=form.cleaned_data["on"],
            grade=form.cleaned_data["grade"],
        )
    except PermissionDenied:
        raise Http404("No such entry") from None
    except services.LibraryError as error:
        messages.error(request, "; ".join(error.problems.values()))
    else:
        messages.success(
            request, _("The entry is now: %(status)s.") % {"status": entry.get_status_display()}
        )
    return redirect("library:case", entry.case_id)


# ----------------------------------------------------------------------------- attachments


def _attach(request: HttpRequest, *, case: Case | None, article: Article | None) -> None:
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _flat(form))
        return
    upload = form.cleaned_data["file"]
    if upload.size > services.MAX_ATTACHMENT_BYTES:
        messages.error(request, _("%(name)s is larger than 20 MB.") % {"name": upload.name})
        return
    try:
        services.attach(
            actor=request.user,
            name=upload.name or "",
            content=upload.read(),
            case=case,
            article=article,
        )
    except services.LibraryError as error:
        messages.error(request, "; ".join(error.problems.values()))
    else:
        messages.success(request, _("The file is attached."))


@login_required
@require_POST
def case_attach(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = selectors.one(selectors.cases(request.user), pk)
    if not may_write(request.user, case.unit):
        raise Http404("No such page")
    _attach(request, case=case, article=None)
    return redirect("library:case", case.pk)


@login_required
@require_POST
def article_attach(request: HttpRequest, pk: int) -> HttpResponse:
    article: Article = selectors.one(selectors.articles(request.user), pk)
    if not may_write(request.user, article.unit):
        raise Http404("No such page")
    _attach(request, case=None, article=article)
    return redirect("library:article", article.pk)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    item = selectors.attachment(request.user, pk)
    if not item.path.is_file():
        raise Http404("The file is missing")
    response = FileResponse(
        item.path.open("rb"),
        as_attachment=True,
        filename=item.filename,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.attachment(request.user, pk)
    if not may_write(request.user, item.owner_unit):
        raise Http404("No such file")
    case_id, article_id = item.case_id, item.article_id
    services.remove_attachment(actor=request.user, attachment=item)
    messages.success(request, _("The file is removed."))
    if case_id:
        return redirect("library:case", case_id)
    return redirect("library:article", article_id)


# -------------------------------------------------------------------------------- articles


@login_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.articles(request.user)
    status = request.GET.get("status", "")
    if status in ArticleStatus.values:
        rows = rows.filter(status=status)
    context = {
        "nav": NAV,
        "page": _page(request, rows),
        "statuses": ArticleStatus.choices,
        "chosen": status,
        "can_write": writable_units(request.user).exists(),
        "is_province": is_province(request.user),
    }
    return render(request, "library/articles.html", context)


@login_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article: Article = selectors.one(selectors.articles(request.user), pk)
    writer = may_write(request.user, article.unit)
    context = {
        "nav": NAV,
        "article": article,
        "attachments": article.attachments.all(),
        "can_write": writer
        and (
            article.status in (ArticleStatus.DRAFT, ArticleStatus.RETURNED)
            or is_province(request.user, article.unit)
        ),
        "can_submit": writer and article.status in (ArticleStatus.DRAFT, ArticleStatus.RETURNED),
        "can_review": is_province(request.user, article.unit)
        and article.status == ArticleStatus.SUBMITTED,
        "review_form": ReviewForm(initial={"on": timezone.localdate()}),
        "attachment_form": AttachmentForm(),
    }
    return render(request, "library/article.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article, units, unit = _editing(request, selectors.articles(request.user), pk)
    form = ArticleForm(
        request.POST or None,
        instance=article,
        units=units,
        unit=unit,
        columns=selectors.columns(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_article(
                actor=request.user,
                unit=unit or data["unit"],
                column=data["column"],
                fields={k: data[k] for k in services.ARTICLE_FIELDS},
                article=Article.objects.get(pk=article.pk) if article else None,
            )
        except services.LibraryError as error:
            _errors(form, error)
        else:
            messages.success(request, _("The article is saved."))
            return redirect("library:article", saved.pk)
    context = {"nav": NAV, "form": form, "article": article, "unit": unit}
    return render(request, "library/article_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def article_submit(request: HttpRequest, pk: int) -> HttpResponse:
    article: Article = selectors.one(selectors.articles(request.user), pk)
    if not may_write(request.user, article.unit):
        raise Http404("No such page")
    try:
        services.submit_article(actor=request.user, article=article)
    except services.LibraryError as error:
        messages.error(request, "; ".join(error.problems.values()))
    else:
        messages.success(request, _("The article is submitted for review."))
    return redirect("library:article", article.pk)


@login_required
@require_POST
def article_review(request: HttpRequest, pk: int) -> HttpResponse:
    article: Article = selectors.one(selectors.articles(request.user), pk)
    if not is_province(request.user, article.unit):
        raise Http404("No such page")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _flat(form))
        return redirect("library:article", article.pk)
    data = form.cleaned_data
    try:
        services.review_article(
            actor=request.user,
            article=article,
            publish=data["decision"] == "publish",
            note=data["note"],
            on=data["on"],
        )
    except services.LibraryError as error:
        messages.error(request, "; ".join(error.problems.values()))
    else:
        messages.success(request, _("The review is recorded."))
    return redirect("library:article", article.pk)


@login_required
@require_http_methods(["GET", "POST"])
def column_list(request: HttpRequest) -> HttpResponse:
    province = own_province(request.user)
    if province is None:
        raise Http404("No such page")
    may_edit = is_province(request.user, province)
    form = ColumnForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise Http404("No such page")
        if form.is_valid():
            services.save_column(actor=request.user, province=province, **form.cleaned_data)
            messages.success(request, _("The column is saved."))
            return redirect("library:columns")
    context = {
        "nav": NAV,
        "columns": selectors.columns(request.user),
        "form": form,
        "may_edit": may_edit,
        "province": province,
    }
    return render(request, "library/columns.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------------- brands


@login_required
@require_GET
def brand_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.brands(request.user).prefetch_related("awards", "goals")
    context = {
        "nav": NAV,
        "page": _page(request, rows),
        "can_write": writable_units(request.user).exists(),
    }
    return render(request, "library/brands.html", context)


@login_required
@require_GET
def brand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    brand: Brand = selectors.one(selectors.brands(request.user), pk)
    writer = may_write(request.user, brand.unit)
    context = {
        "nav": NAV,
        "brand": brand,
        "goals": brand.goals.all(),
        "awards": brand.awards.all(),
        "can_write": writer,
        "goal_form": GoalForm(initial={"stage": brand.goals.count() + 1}),
        "award_form": AwardForm(),
        "brand_count": Brand.objects.filter(unit=brand.unit).count(),
    }
    return render(request, "library/brand.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def brand_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    brand, units, unit = _editing(request, selectors.brands(request.user), pk)
    form = BrandForm(request.POST or None, instance=brand, units=units, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_brand(
                actor=request.user,
                unit=unit or data["unit"],
                fields={k: data[k] for k in services.BRAND_FIELDS},
                brand=Brand.objects.get(pk=brand.pk) if brand else None,
            )
        except services.LibraryError as error:
            _errors(form, error)
        else:
            messages.success(request, _("The brand is saved."))
            return redirect("library:brand", saved.pk)
    context = {"nav": NAV, "form": form, "brand": brand, "unit": unit}
    return render(request, "library/brand_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def brand_goal(request: HttpRequest, pk: int) -> HttpResponse:
    brand: Brand = selectors.one(selectors.brands(request.user), pk)
    if not may_write(request.user, brand.unit):
        raise Http404("No such page")
    form = GoalForm(request.POST)
    goal_id = request.POST.get("goal_id", "")
    instance = brand.goals.filter(pk=int(goal_id)).first() if goal_id.isdigit() else None
    if form.is_valid():
        services.save_goal(actor=request.user, brand=brand, instance=instance, **form.cleaned_data)
        messages.success(request, _("The goal is saved."))
    else:
        messages.error(request, _flat(form))
    return redirect("library:brand", brand.pk)


@login_required
@require_POST
def brand_award(request: HttpRequest, pk: int) -> HttpResponse:
    brand: Brand = selectors.one(selectors.brands(request.user), pk)
    if not may_write(request.user, brand.unit):
        raise Http404("No such page")
    form = AwardForm(request.POST)
    if form.is_valid():
        services.add_award(actor=request.user, brand=brand, **form.cleaned_data)
        messages.success(request, _("The award is added."))
    else:
        messages.error(request, _flat(form))
    return redirect("library:brand", brand.pk)


# --------------------------------------------------------------------------------- honours


@login_required
@require_GET
def unit_people(request: HttpRequest) -> HttpResponse:
    """The people select of the case or honour form for another unit (the form's unit select
    asks for it when changed): only a unit the user may write for, else 404."""
    units = writable_units(request.user)
    code = request.GET.get("unit", "")
    unit = units.filter(pk=code).first() if code.isdigit() else None
    field = request.GET.get("field", "")
    if unit is None or field not in ("prosecutors", "person"):
        raise Http404("No such unit")
    form: CaseForm | HonourForm = (
        CaseForm(units=units, unit=unit)
        if field == "prosecutors"
        else HonourForm(units=units, initial={"unit": unit})
    )
    return HttpResponse(str(form[field]))


@login_required
@require_http_methods(["GET", "POST"])
def honour_list(request: HttpRequest) -> HttpResponse:
    units = writable_units(request.user)
    form = HonourForm(request.POST or None, units=units)
    if request.method == "POST":
        if not units.exists():
            raise Http404("No such page")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_honour(
                    actor=request.user,
                    unit=data["unit"],
                    person=data["person"],
                    title=data["title"],
                    level=data["level"],
                    on=data["on"],
                    awarding_body=data["awarding_body"],
                )
            except services.LibraryError as error:
                _errors(form, error)
            else:
                messages.success(request, _("The honour is recorded."))
                return redirect("library:honours")
    rows = selectors.honours(request.user)
    context = {
        "nav": NAV,
        "page": _page(request, rows),
        "form": form,
        "can_write": units.exists(),
        "writable": set(units.values_list("pk", flat=True)),
    }
    return render(request, "library/honours.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def honour_delete(request: HttpRequest, pk: int) -> HttpResponse:
    honour = selectors.one(selectors.honours(request.user), pk)
    if not may_write(request.user, honour.unit):
        raise Http404("No such page")
    services.delete_honour(actor=request.user, honour=honour)
    messages.success(request, _("The honour is removed."))
    return redirect("library:honours")
