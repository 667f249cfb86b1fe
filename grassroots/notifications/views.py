"""The inbox and the preferences page: a user sees only their own notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.notifications import services
from grassroots.notifications.forms import PreferenceForm
from grassroots.notifications.kinds import kinds, label
from grassroots.notifications.models import Notification
from grassroots.notifications.services import mail_enabled


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(recipient_id=request.user.pk)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    rows = [
        {
            "note": n,
            "title": services.title_of(n),
            "body": services.body_of(n),
            "kind": label(n.kind),
        }
        for n in page.object_list
    ]
    return render(
        request,
        "notifications/inbox.html",
        {"nav": "inbox", "page": page, "rows": rows, "unread_only": unread_only},
    )


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        note = services.mark_read(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        note.link, allowed_hosts={request.get_host()}
    ):
        return redirect(note.link or "notifications:inbox")
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked read.", "%(count)s notifications marked read.", count
        )
        % {"count": count},
    )
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    pref = services.preference_of(request.user)
    every = list(kinds())
    initial = {
        "on_kinds": [k for k in every if k not in pref.off_kinds],
        "mail_kinds": [k for k in every if k not in pref.no_mail_kinds],
        "digest": pref.digest,
        "language": pref.language,
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        on = set(form.cleaned_data["on_kinds"])
        mail = set(form.cleaned_data["mail_kinds"])
        services.save_preferences(
            user=request.user,
            off_kinds=[k for k in every if k not in on],
            no_mail_kinds=[k for k in every if k not in mail],
            digest=form.cleaned_data["digest"],
            language=form.cleaned_data["language"],
        )
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications:preferences")
    rows = [
        {
            "code": code,
            "label": text,
            "on": code in (form["on_kinds"].value() or []),
            "mail": code in (form["mail_kinds"].value() or []),
        }
        for code, text in kinds().items()
    ]
    return render(
        request,
        "notifications/preferences.html",
        {
            "nav": "inbox",
            "form": form,
            "rows": rows,
            "mail_enabled": mail_enabled(),
            "has_email": bool(getattr(request.user, "email", "")),
        },
    )
