"""Login (with the lock and the second factor), logout, one's own password and second factor,
and the system and security administrators' pages. The auditor's page is the audit log."""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.organisations import audit
from grassroots.organisations.models import (
    ApiToken,
    AuditAction,
    AuditResult,
    LoginGuard,
    Role,
)
from grassroots.organisations.scope import Action, can, managed_units
from grassroots.organisations.security import lockout, reasons
from grassroots.organisations.security import services as security
from grassroots.organisations.security.forms import AccountForm, CodeForm, NewPasswordForm, RoleForm
from grassroots.organisations.security.middleware import (
    SESSION_ENDED,
    SESSION_SEEN,
    SESSION_STARTED,
)
from grassroots.organisations.security.permissions import (
    managed_memberships,
    managed_user,
    may_act_on,
)

PENDING = "grassroots_pending_login"
PENDING_SECONDS = 300
ACCOUNTS_PER_PAGE = 50


# ---------------------------------------------------------------------------------------------
# Logging in and out


def _subject(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()


def _locked_page(request: HttpRequest, until: Any) -> HttpResponse:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    context = {"failure_limit": settings.GRASSROOTS_LOGIN_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


def complete_login(request: HttpRequest, user: Any, next_url: str) -> HttpResponse:
    auth_login(request, user, backend=getattr(user, "backend", None))
    lockout.register_success(user.get_username())
    now = time.time()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    audit.security_event(
        action=AuditAction.LOGIN, actor=user, subject=user, object_repr=user.get_username()
    )
    return HttpResponseRedirect(next_url)


def _failure(request: HttpRequest, username: str, reason: str) -> HttpResponse | None:
    """Count a failure; the lock page if this one locked the account."""
    guard = lockout.register_failure(username)
    subject = _subject(username)
    audit.security_event(
        action=AuditAction.LOGIN_FAILED,
        actor=None,
        actor_name=username,
        subject=subject,
        object_repr=username,
        result=AuditResult.FAILED,
        reason=reason,
    )
    if guard.failures == 0 and guard.locked_until is not None:
        audit.security_event(
            action=AuditAction.LOCKOUT,
            actor=None,
            actor_name=username,
            subject=subject,
            object_repr=username,
            result=AuditResult.REFUSED,
            reason=reasons.LOCKED,
        )
        return _locked_page(request, guard.locked_until)
    return None


def _refuse_if_locked(request: HttpRequest, username: str) -> HttpResponse | None:
    until = lockout.locked_until(username)
    if until is None:
        return None
    audit.security_event(
        action=AuditAction.LOGIN_FAILED,
        actor=None,
        actor_name=username,
        subject=_subject(username),
        object_repr=username,
        result=AuditResult.REFUSED,
        reason=reasons.WHILE_LOCKED,
    )
    return _locked_page(request, until)


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["session_ended"] = self.request.session.pop(SESSION_ENDED, "")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", "")).strip()[:150]
        if username:
            refused = _refuse_if_locked(request, username)
            if refused is not None:
                return refused
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        username = str(self.request.POST.get("username", "")).strip()[:150]
        if username and self.request.POST.get("password"):
            locked = _failure(self.request, username, reasons.WRONG_PASSWORD)
            if locked is not None:
                return locked
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        next_url = self.get_success_url()
        if security.uses_two_factor(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "next": next_url,
                "at": time.time(),
            }
            return redirect("login-two-factor")
        return complete_login(self.request, user, next_url)


@require_http_methods(["GET", "POST"])
def login_two_factor(request: HttpRequest) -> HttpResponse:
    """The second step: the code from the user's authenticator app."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - float(pending["at"]) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = user.get_username()
        refused = _refuse_if_locked(request, username)
        if refused is not None:
            request.session.pop(PENDING, None)
            return refused
        if security.check_code(user=user, code=form.cleaned_data["code"]):
            request.session.pop(PENDING, None)
            user.backend = pending["backend"]
            return complete_login(request, user, pending["next"])
        locked = _failure(request, username, reasons.WRONG_CODE)
        if locked is not None:
            request.session.pop(PENDING, None)
            return locked
        form.add_error("code", _("This code is wrong or already used. Try the next one."))
    return render(request, "registration/login_two_factor.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit.security_event(
                action=AuditAction.LOGOUT,
                actor=request.user,
                subject=request.user,
                object_repr=request.user.get_username(),
            )
        return super().post(request, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# One's own password and second factor


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = NewPasswordForm(request.POST or None, user=user)
    wrong_current = False
    if request.method == "POST":
        current = str(request.POST.get("current", ""))
        wrong_current = not user.check_password(current)
        if wrong_current:
            audit.security_event(
                action=AuditAction.PASSWORD,
                actor=user,
                subject=user,
                object_repr=user.get_username(),
                result=AuditResult.FAILED,
                reason=reasons.WRONG_CURRENT,
            )
        elif form.is_valid():
            try:
                security.set_password(
                    user=user, password=form.cleaned_data["password1"], actor=user
                )
            except ValidationError as error:
                form.add_error("password1", error)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password is changed."))
                return redirect("home")
    context = {
        "form": form,
        "wrong_current": wrong_current,
        "due": security.password_change_due(user),
        "max_age": settings.GRASSROOTS_PASSWORD_MAX_AGE_DAYS,
        "rules": _password_rules(),
    }
    return render(request, "registration/password_change.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    enabled = security.uses_two_factor(user)
    required = security.two_factor_required(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if not enabled and security.confirm_two_factor(user=user, code=code):
            messages.success(request, _("The second factor is on."))
            return redirect("two-factor")
        if enabled and not required and security.check_code(user=user, code=code):
            security.turn_off_two_factor(user=user, actor=user)
            messages.success(request, _("The second factor is off."))
            return redirect("two-factor")
        form.add_error("code", _("This code is wrong or already used. Try the next one."))
    secret = "" if enabled else security.start_two_factor(user=user)
    context = {
        "form": form,
        "enabled": enabled,
        "required": required,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": security.provisioning_uri(user, secret) if secret else "",
    }
    return render(request, "registration/two_factor.html", context)


def _password_rules() -> list[str]:
    from django.contrib.auth.password_validation import password_validators_help_texts

    return list(dict.fromkeys(password_validators_help_texts()))


# ---------------------------------------------------------------------------------------------
# The system administrator: accounts and settings


def _require(request: HttpRequest, action: Action) -> None:
    if not can(request.user, action):
        raise Http404("No such page")


def _accounts_page(request: HttpRequest, action: Action) -> Any:
    memberships = managed_memberships(request.user, action)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        memberships = memberships.filter(
            Q(user__username__icontains=query) | Q(unit__code__startswith=query)
        )
    return Paginator(memberships, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page")), query


@login_required
@require_http_methods(["GET", "POST"])
def accounts(request: HttpRequest) -> HttpResponse:
    _require(request, Action.MANAGE_ACCOUNTS)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = managed_units(request.user).filter(code=form.cleaned_data["unit"]).first()
        if unit is None:
            form.add_error("unit", _("No unit with this code in your scope."))
        else:
            try:
                security.create_account(
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                    unit=unit,
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error("password1", error)
            else:
                messages.success(
                    request,
                    _("Account %(name)s made. The security administrator gives it a role.")
                    % {"name": form.cleaned_data["username"]},
                )
                return redirect("security-accounts")
    page, query = _accounts_page(request, Action.MANAGE_ACCOUNTS)
    rows = [(m, may_act_on(request.user, m)) for m in page]
    context = {
        "nav": "accounts",
        "form": form,
        "page": page,
        "rows": rows,
        "q": query,
        "settings_rows": _settings_rows(),
    }
    return render(request, "security/accounts.html", context)


@login_required
@require_POST
def account_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.MANAGE_ACCOUNTS)
    user = managed_user(request.user, Action.MANAGE_ACCOUNTS, pk)
    active = request.POST.get("active") == "1"
    security.set_active(user=user, active=active, actor=request.user)
    if active:
        messages.success(request, _("%(name)s can log in again.") % {"name": user.username})
    else:
        messages.success(
            request,
            _("%(name)s is deactivated: its sessions and tokens stop working.")
            % {"name": user.username},
        )
    return redirect("security-accounts")


@login_required
@require_http_methods(["GET", "POST"])
def account_password(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.MANAGE_ACCOUNTS)
    user = managed_user(request.user, Action.MANAGE_ACCOUNTS, pk)
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            security.set_password(
                user=user,
                password=form.cleaned_data["password1"],
                actor=request.user,
                must_change=True,
                reason=reasons.RESET_BY_SYSTEM_ADMIN,
            )
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            messages.success(
                request,
                _("%(name)s must change this password at the next login.")
                % {"name": user.username},
            )
            return redirect("security-accounts")
    context = {"nav": "accounts", "form": form, "account": user, "rules": _password_rules()}
    return render(request, "security/account_password.html", context)


def _settings_rows() -> list[tuple[str, str]]:
    def on(value: bool) -> str:
        return str(_("on") if value else _("off"))

    return [
        (_("Shortest password"), str(settings.GRASSROOTS_PASSWORD_MIN_LENGTH)),
        (_("Password expires after (days)"), str(settings.GRASSROOTS_PASSWORD_MAX_AGE_DAYS)),
        (_("Session ends after idle minutes"), str(settings.GRASSROOTS_SESSION_IDLE_MINUTES)),
        (_("Session ends after hours in any case"), str(settings.GRASSROOTS_SESSION_MAX_HOURS)),
        (_("Wrong passwords before a lock"), str(settings.GRASSROOTS_LOGIN_FAILURE_LIMIT)),
        (_("First lock (minutes)"), str(settings.GRASSROOTS_LOGIN_LOCK_MINUTES)),
        (_("Longest lock (minutes)"), str(settings.GRASSROOTS_LOGIN_LOCK_MAX_MINUTES)),
        (_("Second factor required of administrators"), on(settings.GRASSROOTS_ADMIN_TWO_FACTOR)),
        (_("API token lifetime (days)"), str(settings.GRASSROOTS_API_TOKEN_TTL_DAYS)),
        (_("Longest API token lifetime (days)"), str(settings.GRASSROOTS_API_TOKEN_MAX_DAYS)),
        (_("Audit entries kept at least (days)"), str(settings.GRASSROOTS_AUDIT_RETENTION_DAYS)),
        (_("HTTPS"), on(settings.HTTPS)),
    ]


# ---------------------------------------------------------------------------------------------
# The security administrator: roles, locks, second factors, tokens


@login_required
@require_GET
def access(request: HttpRequest) -> HttpResponse:
    _require(request, Action.MANAGE_SECURITY)
    page, query = _accounts_page(request, Action.MANAGE_SECURITY)
    names = [m.user.username for m in page]
    now = timezone.now()
    locked = dict(
        LoginGuard.objects.filter(username__in=names, locked_until__gt=now).values_list(
            "username", "locked_until"
        )
    )
    tokens: dict[int, list[ApiToken]] = {}
    for token in ApiToken.objects.filter(
        user__in=[m.user_id for m in page], revoked__isnull=True, expires__gt=now
    ).order_by("created"):
        tokens.setdefault(token.user_id, []).append(token)
    rows = [
        {
            "m": m,
            "may": may_act_on(request.user, m),
            "locked_until": locked.get(m.user.username),
            "two_factor": security.uses_two_factor(m.user),
            "tokens": tokens.get(m.user_id, []),
            "role_form": RoleForm(initial={"role": m.role}, auto_id=f"id_%s_{m.user_id}"),
        }
        for m in page
    ]
    context = {"nav": "access", "page": page, "rows": rows, "q": query, "rules": _password_rules()}
    return render(request, "security/access.html", context)


@login_required
@require_POST
def access_role(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.MANAGE_SECURITY)
    user = managed_user(request.user, Action.MANAGE_SECURITY, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the business roles."))
    else:
        security.give_role(user=user, role=Role(form.cleaned_data["role"]), actor=request.user)
        messages.success(request, _("%(name)s has a new role.") % {"name": user.username})
    return redirect("security-access")


@login_required
@require_POST
def access_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.MANAGE_SECURITY)
    user = managed_user(request.user, Action.MANAGE_SECURITY, pk)
    security.unlock(username=user.username, actor=request.user)
    messages.success(request, _("%(name)s is unlocked.") % {"name": user.username})
    return redirect("security-access")


@login_required
@require_POST
def access_two_factor_off(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.MANAGE_SECURITY)
    user = managed_user(request.user, Action.MANAGE_SECURITY, pk)
    security.turn_off_two_factor(user=user, actor=request.user, reason=reasons.TWO_FACTOR_RESET)
    messages.success(
        request,
        _("%(name)s sets up the second factor again at the next login.") % {"name": user.username},
    )
    return redirect("security-access")


@login_required
@require_POST
def access_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.MANAGE_SECURITY)
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    if token is None:
        raise Http404("No such token")
    managed_user(request.user, Action.MANAGE_SECURITY, token.user_id)  # 404 out of scope
    security.revoke_token(token=token, actor=request.user, reason=reasons.REVOKED_ON_PAGE)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("security-access")
