"""Page input of the party pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.form_fields import choice_field
from grassroots.i18n import period_label
from grassroots.party.models import OrgKind, Recurrence


class OrgForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.TypedChoiceField(
        label=_("Above it"), coerce=int, required=False, empty_value=None
    )
    secretary = forms.TypedChoiceField(
        label=_("Secretary"), coerce=int, required=False, empty_value=None
    )
    departments = forms.TypedMultipleChoiceField(
        label=_("Departments covered"), coerce=int, required=False
    )
    members = forms.TypedMultipleChoiceField(label=_("Members"), coerce=int, required=False)


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    item = forms.ChoiceField(label=_("Scheme item"))
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Recurrence.choices)
    points = forms.DecimalField(label=_("Points"), min_value=0, max_digits=6, decimal_places=2)
    owner_post = forms.CharField(label=_("Owner post"), max_length=50, required=False)
    owner_person = forms.TypedChoiceField(
        label=_("Or owner person"), coerce=int, required=False, empty_value=None
    )
    reviewer = forms.TypedChoiceField(label=_("Reviewer"), coerce=int)


class GenerateForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))


class DoneForm(forms.Form):
    report = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    evidence = forms.FileField(label=_("Evidence (PDF, image, Word or Excel)"))


class ScoreForm(forms.Form):
    score = forms.DecimalField(label=_("Score"), min_value=0, max_digits=6, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DeductionForm(forms.Form):
    item = forms.ChoiceField(label=_("Deduction item"))
    month = forms.RegexField(
        label=_("Month"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", help_text="2024-05"
    )
    points = forms.DecimalField(
        label=_("Points deducted"), min_value=0, max_digits=6, decimal_places=2
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)
    person = forms.TypedChoiceField(
        label=_("Person (empty: the unit)"), coerce=int, required=False, empty_value=None
    )


class ProduceForm(forms.Form):
    period = forms.ChoiceField(label=_("Month or quarter"), choices=())

    def __init__(self, *args: Any, periods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "period").choices = [(p, period_label(p)) for p in periods]


class SchemeForm(forms.Form):
    yaml_text = forms.CharField(
        label=_("Scheme (YAML)"), widget=forms.Textarea(attrs={"rows": 30, "class": "code"})
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
