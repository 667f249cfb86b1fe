from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.engine.periods import Period
from grassroots.form_fields import choice_field
from grassroots.intake.permissions import uploadable_units
from grassroots.intake.selectors import current_period


def period_key(text: str) -> str | None:
    """The period's key ("2024Q3") of a typed text, or None when it is not a period."""
    try:
        return Period.parse(text.strip()).key
    except ValueError:
        return None


def chosen_period(text: str) -> tuple[str | None, str]:
    """A page's period and the error to show beside its control: the typed period, or the
    current reporting period when nothing is typed (issue 18.3); (None, error) when what was
    typed is not a period."""
    if not text.strip():
        return current_period(), ""
    key = period_key(text)
    if key is None:
        return None, str(_("Not a period such as 2024年第四季度, 2024Q4, 2024-07 or 2024."))
    return key, ""


def clean_period_text(text: str) -> str:
    """A form's period field: its key, or the error a user reads beside the field."""
    key = period_key(text)
    if key is None:
        raise forms.ValidationError(
            _("Not a period such as 2024年第四季度, 2024Q4, 2024-07 or 2024.")
        )
    return key


class CaseUploadForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    period = forms.CharField(
        label=_("Period"),
        max_length=16,
        help_text=_("Pick one, or type 2024年第四季度, 2024Q4, 2024-07 or 2024"),
    )
    file = forms.FileField(
        label=_("Case-system export"),
        help_text=_("persons / events / matters as .csv (UTF-8 or GB18030) or .parquet, or a .zip"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = uploadable_units(user).order_by("path")
        choice_field(self, "unit").choices = [(u.code, f"{u.code} {u.name_zh}") for u in units]

    def clean_period(self) -> str:
        return clean_period_text(self.cleaned_data["period"])


class DeadlineForm(forms.Form):
    period = forms.CharField(label=_("Period"), max_length=16)
    due = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Submissions on or before this day count as on time"),
    )  # fmt: skip
    catalogue = forms.ChoiceField(label=_("Catalogue"), required=False)

    def __init__(self, *args: Any, catalogues: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "catalogue").choices = [("", _("All reports of the period"))] + [
            (c, c) for c in catalogues
        ]

    def clean_period(self) -> str:
        return clean_period_text(self.cleaned_data["period"])
