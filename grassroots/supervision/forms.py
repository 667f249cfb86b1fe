"""Page input of the supervision app."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.engine.supervision.datasets import KINDS, Column
from grassroots.supervision.models import Document, Step


class DatasetUploadForm(forms.Form):
    name = forms.RegexField(
        label=_("Table name"),
        regex=r"^[a-z][a-z0-9_]{0,62}$",
        max_length=63,
        help_text=_("The name models use in SQL, e.g. pension_payments"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    source_agency = forms.CharField(label=_("Source agency"), max_length=200)
    data_date = forms.DateField(
        label=_("Data date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=500)
    columns = forms.CharField(
        label=_("Declared columns"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line: name:kind, kind one of text, integer, decimal, date, id_number"),
    )
    retain_until = forms.DateField(
        label=_("Retain until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(label=_("File (CSV, Excel or Parquet; UTF-8 or GB18030)"))

    def clean_columns(self) -> list[Column]:
        out: list[Column] = []
        for number, line in enumerate(str(self.cleaned_data["columns"]).splitlines(), start=1):
            if not line.strip():
                continue
            name, _sep, kind = line.strip().partition(":")
            kind = kind.strip() or "text"
            try:
                out.append(Column(name.strip(), kind, required=kind == "id_number"))
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)d: a column is name:kind, kind one of %(kinds)s"),
                    params={"n": number, "kinds": ", ".join(KINDS)},
                ) from None
        if not out:
            raise forms.ValidationError(_("Declare at least one column"))
        return out


class ModelVersionForm(forms.Form):
    code = forms.SlugField(label=_("Model code"), max_length=60)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    business_line = forms.CharField(label=_("Business line"), max_length=100)
    supervision_point = forms.CharField(label=_("Supervision point"), max_length=200)
    sql = forms.CharField(
        label=_("SQL"), widget=forms.Textarea(attrs={"rows": 14, "class": "mono"})
    )
    parameters = forms.CharField(
        label=_("Parameters (JSON)"),
        required=False,
        initial="{}",
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
        help_text=_(
            'e.g. {"min_months": {"type": "integer", "default": 1}}; use $min_months in the SQL'
        ),
    )

    def clean_parameters(self) -> dict[str, Any]:
        text = str(self.cleaned_data.get("parameters") or "").strip() or "{}"
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise forms.ValidationError(_("Not valid JSON")) from None
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise forms.ValidationError(
                _("Give an object of parameter name to its type and default")
            )
        return value


class StepForm(forms.Form):
    step = forms.ChoiceField(label=_("Next step"), choices=Step.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.CharField(label=_("Evidence material"), required=False, max_length=2000)
    document = forms.ChoiceField(
        label=_("Document issued"), required=False, choices=[("", "—"), *Document.choices]
    )
    adopted = forms.BooleanField(label=_("Recommendation adopted"), required=False)
    recovered = forms.DecimalField(
        label=_("Money recovered (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
