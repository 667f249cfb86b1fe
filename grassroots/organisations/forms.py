"""Forms that parse page input into typed values for the selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.form_fields import choice_field
from grassroots.organisations.models import AuditAction


def model_label(label: str) -> str:
    """ "organisations.unit" -> the model's (translated) verbose name, or the label if unknown."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("Record type"), required=False)
    actor = forms.CharField(label=_("Changed by (username)"), required=False, max_length=150)
    unit = forms.CharField(label=_("Unit code"), required=False, max_length=12)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any"))] + list(AuditAction.choices)
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, models: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(label, model_label(label)) for label in models]
        choice_field(self, "model").choices = [("", _("Any")), *choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data

    def selector_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `audit_entries`; dates become local-day datetime bounds."""
        data = self.cleaned_data
        return {
            "model": data.get("model") or None,
            "actor": data.get("actor") or None,
            "unit_code": data.get("unit") or None,
            "action": data.get("action") or None,
            "since": _start_of(data["since"]) if data.get("since") else None,
            # The form's "to" day is inclusive; the selector's bound is exclusive.
            "until": _start_of(data["until"] + dt.timedelta(days=1)) if data.get("until") else None,
        }


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
