from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.reports.models import Format, NarrativeSection, Product, RankingMode


def _period(text: str) -> str:
    try:
        return Period.parse(text).key
    except InputError:
        raise forms.ValidationError(
            _("Not a period: use 2024Q4, 2024-07, 2024 or 2024Q2-YTD.")
        ) from None


class GenerateForm(forms.Form):
    product = forms.ChoiceField(label=_("Product"), choices=Product.choices)
    scope = forms.ChoiceField(label=_("Scope"))
    period = forms.CharField(label=_("Period"), max_length=20, initial="")
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices)

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scope"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = scopes

    def clean_period(self) -> str:
        return _period(self.cleaned_data["period"])


class NarrativeForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"))
    period = forms.CharField(label=_("Period"), max_length=20)
    section = forms.ChoiceField(label=_("Section"), choices=NarrativeSection.choices)
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scope"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = scopes

    def clean_period(self) -> str:
        return _period(self.cleaned_data["period"])


class PolicyForm(forms.Form):
    ranking = forms.ChoiceField(label=_("Ranking policy"), choices=RankingMode.choices)
    marking = forms.CharField(label=_("Marking"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Issuing office"), max_length=200, required=False)
