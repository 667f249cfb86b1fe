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


class TemplateForm(forms.Form):
    """A product's template as YAML: sections (in order), indicators (empty: all the scheme's),
    titles per period kind and the marking."""

    text = forms.CharField(
        label=_("Template (YAML)"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "code", "spellcheck": "false"}),
    )

    def clean_text(self) -> dict[str, Any]:
        import yaml

        try:
            spec = yaml.safe_load(self.cleaned_data["text"])
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = _("line %(line)d: ") % {"line": mark.line + 1} if mark is not None else ""
            raise forms.ValidationError(
                _("Not valid YAML: %(where)s%(problem)s")
                % {"where": where, "problem": getattr(exc, "problem", "") or exc}
            ) from None
        if not isinstance(spec, dict):
            raise forms.ValidationError(
                _("The template is a mapping of sections, indicators, titles and marking.")
            )
        unknown = sorted(set(spec) - {"scheme", "sections", "indicators", "titles", "marking"})
        if unknown:
            raise forms.ValidationError(
                _("Unknown keys: %(keys)s") % {"keys": ", ".join(str(k) for k in unknown)}
            )
        for key in ("sections", "indicators"):
            value = spec.get(key)
            if value is not None and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise forms.ValidationError(_("%(key)s: a list of names.") % {"key": key})
        titles = spec.get("titles")
        if titles is not None and not isinstance(titles, dict):
            raise forms.ValidationError(_("titles: a mapping of period kind to title."))
        return spec
