"""Page input for the login steps and the administrators' pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.models import BUSINESS_ROLES


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class NewPasswordForm(forms.Form):
    """A new password, twice; checked against the rules for `user`."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def rules_user(self) -> Any:
        return self.user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        elif one:
            try:
                password_validation.validate_password(one, self.rules_user())
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class AccountForm(NewPasswordForm):
    """A new account: its name, its unit and a first password its owner must change."""

    username = forms.CharField(label=_("Username"), max_length=150)
    unit = forms.CharField(label=_("Unit code"), max_length=12)
    field_order = ["username", "unit", "password1", "password2"]

    def clean_username(self) -> str:
        name = str(self.cleaned_data["username"]).strip()
        get_user_model().username_validator(name)  # letters, digits and @.+-_ only
        if get_user_model().objects.filter(username=name).exists():
            raise forms.ValidationError(_("This username is taken."))
        return name

    def rules_user(self) -> Any:
        return get_user_model()(username=self.cleaned_data.get("username", ""))


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose a role")), *((r.value, r.label) for r in BUSINESS_ROLES)],
    )
