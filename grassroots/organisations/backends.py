"""Django's model backend, reading the user's membership, unit and security record with the user.

Every page scopes through the membership (`scope.membership_of`) and its unit: read with the
user in one query instead of three, on every request of a logged-in user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class MembershipModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("membership__unit", "security").get(
                pk=user_id
            )
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
