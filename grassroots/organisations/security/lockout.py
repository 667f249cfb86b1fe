"""Lockout by account, whatever the address, with progressive delays.

After ``GRASSROOTS_LOGIN_FAILURE_LIMIT`` wrong passwords in a row the account is locked for
``GRASSROOTS_LOGIN_LOCK_MINUTES``; each further lock without a successful login in between
doubles the delay, up to ``GRASSROOTS_LOGIN_LOCK_MAX_MINUTES``. No lock is permanent: a stranger
guessing at an account slows to a few guesses per delay and never shuts its owner out for longer
than the cap, and the security administrator can unlock at once. Every failure and lock is an
audit entry, so the history stays when a later login succeeds.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from grassroots.organisations.models import LoginGuard


def _limit() -> int:
    return max(1, int(settings.GRASSROOTS_LOGIN_FAILURE_LIMIT))


def lock_delay(lockouts: int) -> dt.timedelta:
    """The length of the `lockouts`-th lock in a row (1 = the first)."""
    first = float(settings.GRASSROOTS_LOGIN_LOCK_MINUTES)
    cap = float(settings.GRASSROOTS_LOGIN_LOCK_MAX_MINUTES)
    return dt.timedelta(minutes=min(cap, first * 2 ** max(0, lockouts - 1)))


def locked_until(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the account's lock ends, or None if it is not locked."""
    now = now or timezone.now()
    until = (
        LoginGuard.objects.filter(username=username[:150])
        .values_list("locked_until", flat=True)
        .first()
    )
    return until if until is not None and until > now else None


@transaction.atomic
def register_failure(username: str, *, now: dt.datetime | None = None) -> LoginGuard:
    """Count a wrong password; lock the account when the limit is reached."""
    now = now or timezone.now()
    guard, _ = LoginGuard.objects.select_for_update().get_or_create(username=username[:150])
    guard.failures += 1
    if guard.failures >= _limit():
        guard.lockouts += 1
        guard.failures = 0
        guard.locked_until = now + lock_delay(guard.lockouts)
    guard.save()
    return guard


def register_success(username: str) -> None:
    LoginGuard.objects.filter(username=username[:150]).update(
        failures=0, lockouts=0, locked_until=None
    )


def clear(username: str) -> bool:
    """Unlock (for the security administrator); True if the account was locked."""
    return bool(
        LoginGuard.objects.filter(username=username[:150], locked_until__gt=timezone.now()).update(
            failures=0, lockouts=0, locked_until=None
        )
    )
