"""Writes about accounts: passwords, activation, roles, locks, tokens and the second factor.

Each service is one transaction and writes its audit entry. Permission checks (who may do this
to whom) are the callers' (`views.py`, the command line), through `permissions.py`.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from grassroots.organisations import audit
from grassroots.organisations.models import (
    AccountSecurity,
    ApiToken,
    AuditAction,
    AuditResult,
    Membership,
    Role,
    Unit,
)
from grassroots.organisations.security import lockout, reasons, totp
from grassroots.organisations.services import Actor, add_member

ISSUER = "Grassroots"


def security_of(user: Any) -> AccountSecurity:
    record, _ = AccountSecurity.objects.get_or_create(user=user)
    return record


def _user_details(user: Any) -> dict[str, Any]:
    return {
        "username": user.get_username(),
        "is_active": user.is_active,
    }


# ---------------------------------------------------------------------------------------------
# Passwords


def password_age_limit() -> dt.timedelta | None:
    days = int(settings.GRASSROOTS_PASSWORD_MAX_AGE_DAYS)
    return dt.timedelta(days=days) if days > 0 else None


def _security_attr(user: Any) -> AccountSecurity | None:
    # The login backend reads it with the user (select_related): no query per request.
    try:
        record: AccountSecurity = user.security
    except AccountSecurity.DoesNotExist:
        return None
    return record


def password_change_due(user: Any, *, now: dt.datetime | None = None) -> bool:
    """Must the user choose a new password before going on? (forced, or older than the limit)"""
    if not user.has_usable_password():
        return False
    record = _security_attr(user)
    if record is not None and record.must_change_password:
        return True
    limit = password_age_limit()
    if limit is None:
        return False
    changed = (record.password_changed if record else None) or user.date_joined
    return bool((now or timezone.now()) - changed > limit)


def two_factor_missing(user: Any) -> bool:
    """An administrator who must use a second factor and has not turned it on yet."""
    if not two_factor_required(user):
        return False
    record = _security_attr(user)
    return record is None or not record.totp_enabled


@transaction.atomic
def set_password(
    *, user: Any, password: str, actor: Actor, must_change: bool = False, reason: str = ""
) -> None:
    """Check the rules (ValidationError lists what fails) and set the password.

    `must_change`: a password another person chose (a first or a reset password) must be
    replaced by its owner at the next login.
    """
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record = security_of(user)
    record.password_changed = timezone.now()
    record.must_change_password = must_change
    record.save()
    own = actor is not None and getattr(actor, "pk", None) == user.pk
    audit.security_event(
        action=AuditAction.PASSWORD,
        actor=actor,
        subject=user,
        object_repr=user.get_username(),
        reason=reason or (reasons.OWN_CHANGE if own else reasons.SET_BY_ADMIN),
    )


# ---------------------------------------------------------------------------------------------
# Accounts


@transaction.atomic
def create_account(
    *, username: str, password: str, unit: Unit, actor: Actor, role: Role | str = ""
) -> User:
    """A login at a unit. Without a role it sees nothing until the security administrator gives
    one. The first password is the administrator's, so its owner must change it."""
    model = get_user_model()
    user = model(username=username)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, unit=unit, role=role)
    security_of(user)
    AccountSecurity.objects.filter(user=user).update(
        password_changed=timezone.now(), must_change_password=True
    )
    audit.record(
        obj=user,
        action=AuditAction.CREATE,
        actor=actor,
        before=None,
        after=_user_details(user),
        reason=reasons.ACCOUNT_CREATED,
    )
    return user


@transaction.atomic
def set_active(*, user: Any, active: bool, actor: Actor, reason: str = "") -> None:
    """Deactivate (sessions and tokens stop working at once) or reactivate an account."""
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.security_event(
        action=AuditAction.ACTIVATE if active else AuditAction.DEACTIVATE,
        actor=actor,
        subject=user,
        object_repr=user.get_username(),
        reason=reason,
    )


def give_role(*, user: Any, role: Role | str, actor: Actor) -> Membership:
    """Change the role of an account that already has a unit (audited as a membership change)."""
    membership = Membership.objects.select_related("unit").get(user=user)
    return add_member(
        user=user, unit=membership.unit, role=role, actor=actor, reason=reasons.ROLE_GIVEN
    )


@transaction.atomic
def unlock(*, username: str, actor: Actor) -> bool:
    was_locked = lockout.clear(username)
    user = get_user_model().objects.filter(username=username).first()
    audit.security_event(
        action=AuditAction.UNLOCK,
        actor=actor,
        subject=user,
        object_repr=username,
        result=AuditResult.OK if was_locked else AuditResult.FAILED,
        reason="" if was_locked else reasons.NOT_LOCKED,
    )
    return was_locked


# ---------------------------------------------------------------------------------------------
# Tokens


def max_token_lifetime() -> dt.timedelta:
    return dt.timedelta(days=max(1, int(settings.GRASSROOTS_API_TOKEN_MAX_DAYS)))


@transaction.atomic
def revoke_token(*, token: ApiToken, actor: Actor, reason: str = "") -> None:
    if token.revoked is not None:
        return
    token.revoked = timezone.now()
    token.save(update_fields=["revoked"])
    audit.security_event(
        action=AuditAction.REVOKE,
        actor=actor,
        subject=token,
        object_repr=str(token),
        reason=reason,
    )


def live_tokens(user: Any) -> list[ApiToken]:
    now = timezone.now()
    return list(
        ApiToken.objects.filter(user=user, revoked__isnull=True, expires__gt=now).order_by(
            "created"
        )
    )


# ---------------------------------------------------------------------------------------------
# Second factor (TOTP)


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.PROVINCE_ADMIN})


def two_factor_required(user: Any) -> bool:
    """Administrators (the three and the province administrator) must use a second factor when
    GRASSROOTS_ADMIN_TWO_FACTOR is on."""
    if not settings.GRASSROOTS_ADMIN_TWO_FACTOR:
        return False
    membership = getattr(user, "membership", None)
    return membership is not None and membership.role in ADMIN_ROLES


def uses_two_factor(user: Any) -> bool:
    return AccountSecurity.objects.filter(user=user, totp_enabled=True).exists()


def start_two_factor(*, user: Any) -> str:
    """The key being set up (made on first use), stored but not yet on: the user must first
    prove their app has it. It stays the same across attempts until it is turned on or off."""
    record = security_of(user)
    if not record.totp_enabled and not record.totp_secret:
        record.totp_secret = totp.new_secret()
        record.save(update_fields=["totp_secret"])
    return record.totp_secret


def check_code(*, user: Any, code: str, now: float | None = None) -> bool:
    """Is `code` the user's current one-time code (each code counts once)?"""
    with transaction.atomic():
        record = AccountSecurity.objects.select_for_update().filter(user=user).first()
        if record is None or not record.totp_secret:
            return False
        step = totp.accepted_step(
            record.totp_secret,
            code,
            unix_time=time.time() if now is None else now,
            after_step=record.totp_last_step,
        )
        if step is None:
            return False
        record.totp_last_step = step
        record.save(update_fields=["totp_last_step"])
        return True


@transaction.atomic
def confirm_two_factor(*, user: Any, code: str, now: float | None = None) -> bool:
    if not check_code(user=user, code=code, now=now):
        return False
    AccountSecurity.objects.filter(user=user).update(totp_enabled=True)
    audit.security_event(
        action=AuditAction.TWO_FACTOR,
        actor=user,
        subject=user,
        object_repr=user.get_username(),
        reason=reasons.TWO_FACTOR_ON,
    )
    return True


@transaction.atomic
def turn_off_two_factor(*, user: Any, actor: Actor, reason: str = "") -> None:
    AccountSecurity.objects.filter(user=user).update(
        totp_enabled=False, totp_secret="", totp_last_step=0
    )
    audit.security_event(
        action=AuditAction.TWO_FACTOR,
        actor=actor,
        subject=user,
        object_repr=user.get_username(),
        reason=reason or reasons.TWO_FACTOR_OFF,
    )


def provisioning_uri(user: Any, secret: str) -> str:
    return totp.provisioning_uri(secret, account=user.get_username(), issuer=ISSUER)
