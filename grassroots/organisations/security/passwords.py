"""Password rules beyond Django's: three character classes, not the username, not on our list.

The list (`common-passwords.txt`, one a line, compared case-insensitively) holds passwords
that pass the length and class rules yet are the first guesses of anyone (``P@ssw0rd1234``,
``1qaz@WSX3edc``, keyboard walks, Chinese favourites); Django's own list of 20,000 common
passwords is checked as well (settings.AUTH_PASSWORD_VALIDATORS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    MinimumLengthValidator,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

COMMON_PASSWORDS = Path(__file__).resolve().parent / "common-passwords.txt"


def character_classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class LengthValidator(MinimumLengthValidator):
    """Django's length rule, with a message of our own catalogue (Django's has no Chinese)."""

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(self.get_help_text(), code="password_too_short")

    def get_help_text(self) -> str:
        return _("The password must have at least %(n)d characters.") % {"n": self.min_length}


class CharacterClassValidator:
    """At least `min_classes` of: lower-case, upper-case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "The password must mix at least three of: lower-case letters, upper-case letters, "
            "digits and symbols."
        )


class NotUsernameValidator:
    """The username (or its reverse) must not appear in the password."""

    def validate(self, password: str, user: Any = None) -> None:
        username = str(getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and (
            username in password.lower() or username[::-1] in password.lower()
        ):
            raise ValidationError(
                _("The password must not contain the username."), code="password_has_username"
            )

    def get_help_text(self) -> str:
        return _("The password must not contain the username.")


class ShippedCommonPasswordValidator(CommonPasswordValidator):
    """Django's check against our list of common passwords that pass the other rules."""

    def __init__(self) -> None:
        super().__init__(password_list_path=COMMON_PASSWORDS)
