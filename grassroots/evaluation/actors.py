"""Who acts in the evaluation app's services: a user, or nobody (the system, a command)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

Actor = AbstractBaseUser | AnonymousUser | None


def user_of(actor: Actor) -> Any:
    """The user to record as creator: None for the system or an anonymous actor."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
