"""API authentication: a bearer token, or the browser's session (with CSRF on unsafe methods).

Token checks deliberately stay outside Django's `authenticate()`/`login()`: a successful token
call must not reset the password-failure count of an account someone is guessing the password
of. For the same reason a token is refused while the account is locked (`security/lockout.py`),
and tokens of inactive users, revoked tokens and tokens without an expiry are refused.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from grassroots.organisations.models import ApiToken
from grassroots.organisations.security.lockout import locked_until
from grassroots.organisations.services import token_digest


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = token.strip()
        if not token:
            return None
        record = ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
        now = timezone.now()
        # Every token expires; one stored before that rule (no expiry) is refused too.
        if record is None or record.revoked is not None:
            return None
        if record.expires is None or record.expires <= now:
            return None
        user = record.user
        if not user.is_active:
            return None
        if locked_until(user.get_username(), now=now) is not None:
            return None
        # A plain UPDATE: no save() (no signals), no race with another request's token use.
        ApiToken.objects.filter(pk=record.pk).update(last_used=now)
        request.user = user
        return user


# Bearer first: a token request carries no CSRF cookie, and SessionAuth would refuse an unsafe
# method before the token was looked at.
AUTH = [BearerToken(), SessionAuth()]
