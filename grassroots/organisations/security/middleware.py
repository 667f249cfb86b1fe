"""Per request: who and where for the audit log, the session's limits, the forced steps, and
the audit of refusals and downloads.

- The audit context carries the client's address (`client_address`) into every entry.
- A session ends after ``GRASSROOTS_SESSION_IDLE_MINUTES`` without a request and
  ``GRASSROOTS_SESSION_MAX_HOURS`` after the login, whatever the activity (logged as a logout).
- A user whose password must change (expired, or set by an administrator), or an administrator
  without the second factor the settings require, reaches only the page that fixes it.
- A refusal (401, 403, or a 404 to a logged-in user: out-of-scope pages answer 404) and every
  download (a Content-Disposition answer) is an audit entry.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from grassroots.organisations import audit
from grassroots.organisations.audit_context import AuditContext, acting
from grassroots.organisations.models import AuditAction, AuditResult
from grassroots.organisations.security import reasons
from grassroots.organisations.security.services import (
    password_change_due,
    two_factor_missing,
)

SESSION_STARTED = "grassroots_auth_started"
SESSION_SEEN = "grassroots_seen"
SESSION_ENDED = "grassroots_session_ended"
# Pages a user with a forced step may still reach.
OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/health/")
REFUSALS = {401: reasons.UNAUTHENTICATED, 403: reasons.FORBIDDEN, 404: reasons.NOT_FOUND}
SEEN_RESOLUTION = 60  # seconds: the session is saved at most once a minute for "seen"


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw (GRASSROOTS_PROXY_HOPS of them
    append to X-Forwarded-For; the entry they added is the only one a client cannot forge)."""
    hops = int(getattr(settings, "GRASSROOTS_PROXY_HOPS", 0))
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if hops <= 0:
        return remote[:100]
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    return (forwarded[-hops] if len(forwarded) >= hops else remote)[:100]


class SecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        authenticated = request.user.is_authenticated
        context = AuditContext(
            actor_name="" if authenticated else "anonymous", source=client_address(request)
        )
        with acting(context):
            if authenticated:
                ended = self._session_limits(request)
                if ended is not None:
                    return ended
                forced = self._forced_step(request)
                if forced is not None:
                    return forced
            response = self.get_response(request)
            self._audit_response(request, response)
            return response

    def _session_limits(self, request: HttpRequest) -> HttpResponse | None:
        now = time.time()
        session = request.session
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if started is None:
            session[SESSION_STARTED] = started = now
        idle = int(settings.GRASSROOTS_SESSION_IDLE_MINUTES) * 60
        longest = int(settings.GRASSROOTS_SESSION_MAX_HOURS) * 3600
        reason = ""
        if seen is not None and now - float(seen) > idle:
            reason = "idle"
        elif now - float(started) > longest:
            reason = "absolute"
        if reason:
            user = request.user
            audit.security_event(
                action=AuditAction.LOGOUT,
                actor=user,
                subject=user,
                object_repr=user.get_username(),
                reason=reasons.IDLE if reason == "idle" else reasons.ABSOLUTE,
            )
            logout(request)
            request.session[SESSION_ENDED] = reason
            if request.path.startswith("/api/"):
                return None  # the API then answers 401 itself
            return HttpResponseRedirect(
                reverse("login") + "?" + urlencode({"next": request.get_full_path()})
            )
        if seen is None or now - float(seen) > SEEN_RESOLUTION:
            session[SESSION_SEEN] = now
        return None

    def _forced_step(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith(OPEN_PREFIXES) or request.path.startswith("/api/"):
            return None
        if password_change_due(request.user):
            return HttpResponseRedirect(reverse("password-change"))
        if two_factor_missing(request.user):
            return HttpResponseRedirect(reverse("two-factor"))
        return None

    def _audit_response(self, request: HttpRequest, response: HttpResponse) -> None:
        status = response.status_code
        user = request.user
        where = f"{request.method} {request.path}"
        if status in (401, 403) or (
            status == 404 and user.is_authenticated and not request.path.startswith("/static/")
        ):
            audit.security_event(
                action=AuditAction.DENIED,
                actor=user,
                object_repr=where,
                result=AuditResult.REFUSED,
                reason=REFUSALS.get(status, reasons.NOT_FOUND),
            )
        elif (
            status == 200
            and response.has_header("Content-Disposition")
            and not getattr(response, _EXPORT_AUDITED, False)
        ):
            audit.security_event(
                action=AuditAction.EXPORT,
                actor=user,
                object_repr=(f"{where}?{request.GET.urlencode()}" if request.GET else where)[:200],
                reason=_file_name(str(response["Content-Disposition"])),
            )


_EXPORT_AUDITED = "grassroots_export_audited"


def export_audited(response: HttpResponse) -> HttpResponse:
    """Mark a download whose view wrote its own, fuller export entry (what, how many rows), so
    the middleware does not record the same download a second time."""
    setattr(response, _EXPORT_AUDITED, True)
    return response


def _file_name(disposition: str) -> str:
    """The file name a download was offered under (filename*=UTF-8'' first), else the header."""
    match = re.search(r"filename\*=UTF-8''([^;]+)", disposition) or re.search(
        r'filename="?([^";]+)"?', disposition
    )
    return unquote(match.group(1))[:500] if match else disposition[:500]
