"""Django's model backend, reading the user's membership, unit and security record with the user.

Every page scopes through the membership (`scope.membership_of`) and its unit: read with the
user in one query instead of three, on every request of a logged-in user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from grassroots.compiled import Compiled


def _with_membership(pk: Any) -> QuerySet[Any]:
    return (
        get_user_model()
        ._default_manager.select_related("membership__unit", "security")
        .filter(pk=pk)
    )


# The query's SQL is built once per process (grassroots/compiled.py): ~1 ms of every request.
_USER: Compiled[Any] = Compiled(_with_membership, -30_000_001)  # a marker: no such key


class MembershipModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = _USER.first(pk) if isinstance(pk, int) else _with_membership(pk).first()
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None
