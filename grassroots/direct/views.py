"""Pages of the direct channel (thin: forms in, services and selectors out)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.direct import permissions, selectors, services
from grassroots.direct.forms import (
    EntryForm,
    EscalateForm,
    ForwardForm,
    NoteForm,
    ReplyForm,
    ReportForm,
)
from grassroots.direct.models import ContactEntry, Report, Stage
from grassroots.i18n import english, unit_name
from grassroots.organisations.exports import unit_table
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import Action, can, membership_of
from grassroots.tables import Column, TableExport, download, export_cap, wanted_format


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"direct/{template}", {"nav": "direct", **context})


def _visible_or_404(request: HttpRequest) -> None:
    """The channel exists for the province's readers, grassroots units and handlers."""
    if not (
        permissions.sees_province(request.user)
        or permissions.may_file(request.user)
        or permissions.reports_for(request.user).exists()
        or permissions.reads_unit(request.user)
    ):
        raise Http404("No direct channel here")


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _visible_or_404(request)
    now = timezone.now()
    state = request.GET.get("state", "")
    may_export = can(request.user, Action.EXPORT_REPORTS)
    fmt = wanted_format(request)
    if fmt is not None:
        if not may_export:
            raise Http404("No such page")
        # Read no more than the export holds (one more, so its note says the list was cut).
        listed = selectors.listing(request.user, state=state, now=now)[: export_cap() + 1]
        return download(_reports_table(request.user, list(listed), state=state, now=now), fmt)
    rows = list(selectors.listing(request.user, state=state, now=now)[:200])
    departments, leaders = (
        selectors.loads(request.user, now=now)
        if permissions.sees_province(request.user)
        else ([], [])
    )
    return _page(
        request,
        "index.html",
        {
            "rows": [(r, r.is_overdue(now)) for r in rows],
            "state": state,
            "may_file": permissions.may_file(request.user),
            "may_keep_map": permissions.may_keep_map(request.user),
            "may_export": may_export,
            "departments": departments,
            "leaders": leaders,
        },
    )


def _reports_table(user: Any, rows: list[Report], *, state: str, now: Any) -> TableExport:
    """The reports the list shows (its state filter, newest first), up to the export cap, with
    the unit's and its city's names."""
    shown = {
        "open": pgettext("direct report", "Open"),
        "overdue": _("Overdue"),
        "closed": pgettext("direct report", "Closed"),
    }
    columns = [
        Column(_("Number")),
        Column(_("Title")),
        Column(_("Unit")),
        Column(_("City of the unit")),
        Column(_("Urgency")),
        Column(_("Handler")),
        Column(_("Stage")),
        Column(_("Due")),
    ]
    body: list[list[object]] = []
    for r in rows:
        handler = r.handler.get_full_name() or r.handler.get_username()
        due = r.due_at.date().isoformat() if r.due_at else ""
        body.append(
            [
                r.number,
                r.title,
                unit_name(r.unit),
                unit_name(r.unit.parent) if r.unit.parent else "",
                r.get_urgency_display(),
                f"{handler} · {r.department}" if r.department else handler,
                r.get_stage_display(),
                f"{due} {_('overdue')}" if due and r.is_overdue(now) else due,
            ]
        )
    colon = ": " if english() else "："
    return unit_table(
        user,
        title=_("Direct channel"),
        columns=columns,
        rows=body,
        notes=(f"{_('Show')}{colon}{shown.get(state, _('All'))}",),
        frozen_columns=1,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    if not permissions.may_file(request.user):
        raise Http404("Not a reporting unit")
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.file_report(
                actor=request.user,
                category=data["category"],
                urgency=data["urgency"],
                line=data["line"],
                title=data["title"],
                description=data["description"],
                files=data["attachments"],
            )
        except services.DirectError as exc:
            for field, problem in exc.problems.items():
                form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, _("Report %(number)s filed.") % {"number": report.number})
            return redirect("direct:report", pk=report.pk)
    return _page(request, "new.html", {"form": form})


@login_required
@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.report_for(request.user, pk)
    return _report_page(request, item)


def _report_page(
    request: HttpRequest, item: Any, forms_: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    handles = permissions.may_handle(request.user, item)
    others = ContactEntry.objects.filter(province=item.province).exclude(handler=item.handler)
    context = {
        "report": item,
        "overdue": item.is_overdue(timezone.now()),
        "thread": item.messages.select_related("author", "to"),
        "attachments": item.attachments.all(),
        "handles": handles,
        "may_note": permissions.may_add_note(request.user, item),
        "reply_form": ReplyForm(),
        "forward_form": ForwardForm(entries=others.select_related("handler"), prefix="forward"),
        "escalate_form": EscalateForm(prefix="escalate"),
        "note_form": NoteForm(prefix="note"),
        "closed": item.stage == Stage.CLOSED,
        **(forms_ or {}),
    }
    return render(request, "direct/report.html", {"nav": "direct", **context}, status=status)


def _act(request: HttpRequest, pk: int, form_name: str, form: Any, act: Any) -> HttpResponse:
    item = permissions.report_for(request.user, pk)
    if not form.is_valid():
        return _report_page(request, item, {form_name: form}, status=400)
    try:
        act(item, form.cleaned_data)
    except services.NotAllowed:
        raise Http404("Not yours to answer") from None
    except services.DirectError as exc:
        for field, problem in exc.problems.items():
            form.add_error(field if field in form.fields else None, problem)
        return _report_page(request, item, {form_name: form}, status=400)
    return redirect("direct:report", pk=pk)


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "reply_form",
        ReplyForm(request.POST),
        lambda item, d: services.reply(
            report=item,
            actor=request.user,
            text=d["text"],
            substantive=d["substantive"],
            resolved=d["resolved"],
        ),
    )


@login_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "note_form",
        NoteForm(request.POST, prefix="note"),
        lambda item, d: services.add_note(report=item, actor=request.user, text=d["text"]),
    )


@login_required
@require_POST
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    item = permissions.report_for(request.user, pk)
    entries = ContactEntry.objects.filter(province=item.province)
    return _act(
        request,
        pk,
        "forward_form",
        ForwardForm(request.POST, entries=entries, prefix="forward"),
        lambda item, d: services.forward(
            report=item, actor=request.user, to_entry=d["to"], text=d["text"]
        ),
    )


@login_required
@require_POST
def escalate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "escalate_form",
        EscalateForm(request.POST, prefix="escalate"),
        lambda item, d: services.escalate(report=item, actor=request.user, text=d["text"]),
    )


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    item = permissions.report_for(request.user, pk)
    found = item.attachments.filter(pk=attachment_pk).first()
    if found is None:
        raise Http404("No such attachment")
    try:
        path = services.attachment_path(found)
        handle = path.open("rb")
    except OSError:
        raise Http404("The file is missing") from None
    services.record_download(attachment=found, actor=request.user)
    response = FileResponse(
        handle, as_attachment=True, filename=found.name, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def contact_map(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if not permissions.sees_province(request.user) or membership is None:
        raise Http404("Only the province keeps the contact map")
    province = membership.unit
    keeps = permissions.may_keep_map(request.user)
    handlers = (
        get_user_model()
        .objects.filter(is_active=True, membership__unit=province)
        .exclude(membership__role="")
        .select_related("membership")
        .order_by("username")
    )
    form = EntryForm(request.POST or None, handlers=handlers)
    if request.method == "POST":
        if not keeps:
            raise Http404("Only the province administrator keeps the map")
        if form.is_valid():
            data = form.cleaned_data
            unit = None
            if data["unit"]:
                unit = Unit.objects.filter(code=data["unit"].strip()).first()
                if unit is None:
                    form.add_error("unit", _("No unit with this code."))
            if form.is_valid():
                try:
                    services.add_entry(
                        actor=request.user,
                        kind=data["kind"],
                        handler=data["handler"],
                        unit=unit,
                        line=data["line"],
                        department=data["department"],
                    )
                except services.DirectError as exc:
                    for field, problem in exc.problems.items():
                        form.add_error(field if field in form.fields else None, problem)
                else:
                    messages.success(request, _("The contact map is updated."))
                    return redirect("direct:map")
    return _page(
        request,
        "map.html",
        {"entries": selectors.map_entries(province), "form": form, "keeps": keeps},
    )


@login_required
@require_POST
def remove_entry(request: HttpRequest, entry_pk: int) -> HttpResponse:
    membership = membership_of(request.user)
    if not permissions.may_keep_map(request.user) or membership is None:
        raise Http404("Only the province administrator keeps the map")
    entry = ContactEntry.objects.filter(pk=entry_pk, province=membership.unit).first()
    if entry is None:
        raise Http404("No such entry")
    services.remove_entry(actor=request.user, entry=entry)
    messages.success(request, _("The contact map is updated."))
    return redirect("direct:map")
