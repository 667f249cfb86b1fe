"""The API's caller, typed: every app's routers read the authenticated user through `auth_user`.

django-ninja stores what the authentication callback returned on ``request.auth``, an attribute
``HttpRequest`` does not declare. Reading it here, once, gives the endpoints a ``User`` instead of
an ``Any`` behind a ``# type: ignore``. Below the apps (it imports none of them), beside
grassroots.errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja.errors import AuthenticationError

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def auth_user(request: HttpRequest) -> User:
    """The user the API's authentication accepted for this request.

    An endpoint reached without an authenticated user (one mounted without authentication, or a
    callback that accepted something other than a user) answers 401 rather than serving an
    anonymous caller.
    """
    user = getattr(request, "auth", None)
    if not isinstance(user, get_user_model()):
        raise AuthenticationError()
    return user
