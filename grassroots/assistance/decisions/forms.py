"""Forms that parse the decision pages' input (candidates, designation, pairing, awards)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from grassroots.assistance.models import ContributionWeights, Dimension, WeakLevel
from grassroots.assistance.services import ALLOWED_EVIDENCE, MAX_EVIDENCE_BYTES
from grassroots.form_fields import choice_field
from grassroots.i18n import period_label

MAX_PERIODS = 12


class CandidateRuleForm(forms.Form):
    """The candidate rule's parameters: bottom ``share`` % in ``k`` of the last ``n`` periods."""

    k = forms.IntegerField(label=_("Times in the bottom tier (K)"), min_value=1, initial=3)
    n = forms.IntegerField(
        label=_("Of the last N periods"), min_value=1, max_value=MAX_PERIODS, initial=4
    )
    share = forms.IntegerField(
        label=_("Bottom tier (per cent of the province)"), min_value=1, max_value=99, initial=33
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        k, n = data.get("k"), data.get("n")
        if k is not None and n is not None and k > n:
            self.add_error("k", _("K must not exceed N (%(n)s).") % {"n": n})
        return data


class DesignateForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=WeakLevel.choices)
    designated_on = forms.DateField(
        label=_("Designated on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the decision rests on, e.g. the evaluation results cited."),
    )
    evidence_file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("PDF, Word, Excel or an image, at most 10 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension in Dimension:
            self.fields[f"reason_{dimension.value}"] = forms.CharField(
                label=dimension.label, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def require_outside_rule_reason(self) -> None:
        """The unit is not among the candidate rule's units: a reason must say why it is
        designated anyway (issue 18.7); it is kept with the designation's evidence."""
        self.fields["outside_rule_reason"] = forms.CharField(
            label=_("Why designate a unit the candidate rule does not suggest"),
            widget=forms.Textarea(attrs={"rows": 2}),
            max_length=1000,
            error_messages={
                "required": _(
                    "This unit is not among the candidates of the rule: say why it is "
                    "designated anyway."
                )
            },
        )

    def evidence_text(self) -> str:
        """The evidence as entered, with the reason for designating outside the rule first."""
        evidence = str(self.cleaned_data.get("evidence", "")).strip()
        outside = str(self.cleaned_data.get("outside_rule_reason", "")).strip()
        if not outside:
            return evidence
        head = _("Designated outside the candidate rule: %(reason)s") % {"reason": outside}
        return "\n".join(part for part in (str(head), evidence) if part)

    def reason_fields(self) -> list[forms.BoundField]:
        return [self[f"reason_{d.value}"] for d in Dimension]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("level", "designated_on", "evidence", "evidence_file")]

    def reasons(self) -> dict[Dimension, str]:
        texts = {d: str(self.cleaned_data.get(f"reason_{d.value}", "")).strip() for d in Dimension}
        return {d: text for d, text in texts.items() if text}

    def clean_evidence_file(self) -> Any:
        upload = self.cleaned_data.get("evidence_file")
        if upload is None:
            return None
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in ALLOWED_EVIDENCE:
            raise forms.ValidationError(
                _("%(suffix)s files are not allowed; use one of %(allowed)s.")
                % {
                    "suffix": suffix or _("no extension"),
                    "allowed": ", ".join(sorted(ALLOWED_EVIDENCE)),
                }
            )
        if (upload.size or 0) > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(str(data.get(f"reason_{d.value}", "")).strip() for d in Dimension):
            self.add_error(
                f"reason_{Dimension.BUSINESS.value}",
                _("Give a reason under at least one dimension."),
            )
        return data


class PairingParamsForm(forms.Form):
    period = forms.ChoiceField(label=_("Period that ranks the strong units"), choices=())
    capacity = forms.IntegerField(
        label=_("Weak units per partner at most"), min_value=1, max_value=10, initial=1
    )

    def __init__(self, *args: Any, periods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "period").choices = [(p, period_label(p)) for p in reversed(periods)]
        if periods:
            self.fields["period"].initial = periods[-1]


class AwardsForm(forms.Form):
    quarter = forms.ChoiceField(label=_("Quarter"), choices=())

    def __init__(self, *args: Any, quarters: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "quarter").choices = [(q, period_label(q)) for q in reversed(quarters)]
        if quarters:
            self.fields["quarter"].initial = quarters[-1]


class ConfirmAwardsForm(AwardsForm):
    top = forms.IntegerField(label=_("Award the first"), min_value=1, max_value=50, initial=3)


class AwardWeightsForm(forms.ModelForm):  # type: ignore[type-arg]
    """The points per case selected at each level and per measure completed."""

    class Meta:
        model = ContributionWeights
        fields = ["spp_guiding", "spp_typical", "provincial", "city", "per_measure"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            assert isinstance(field, forms.FloatField)
            field.min_value = 0
            field.max_value = 100
            field.widget.attrs.update({"min": 0, "max": 100, "step": "0.5"})
            field.validators.append(MinValueValidator(0))
            field.validators.append(MaxValueValidator(100))
