"""Forms of the exit standard page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ExitStandardForm(forms.Form):
    yaml_text = forms.CharField(
        label=_("Exit standard (YAML)"),
        strip=False,  # stored exactly as written
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("Reason for the change"), max_length=500)
