"""Forms that parse the evaluation pages' input into typed values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.evaluation.models import EvaluationRun, SchemeVersion, WarningState
from grassroots.evaluation.runs import INTAKE_SOURCE, MAX_SEED, MAX_SENSITIVITY
from grassroots.evaluation.schemes import scheme_replications
from grassroots.evaluation.selectors import Sort
from grassroots.form_fields import choice_field, model_choice_field
from grassroots.intake.selectors import current_period
from grassroots.organisations.models import Unit


def source_folders() -> list[Path]:
    """Case-record folders a run may read: those under the data directory, never a typed path.

    The web must not let a user point the server at an arbitrary folder.
    """
    data_dir = Path(settings.DATA_DIR)
    found = {p.resolve() for p in data_dir.glob("demo/cases-*") if p.is_dir()}
    found |= {p.resolve() for p in data_dir.glob("cases/*") if p.is_dir()}
    found |= {
        Path(p)
        for p in EvaluationRun.objects.values_list("source_path", flat=True).distinct()
        if Path(p).is_dir()
    }
    return sorted(found)


def latest_versions(province: Unit | None = None) -> QuerySet[SchemeVersion]:
    """Each scheme's version ``province`` uses: its own newest, else the national default's
    newest (portable: the demo runs on SQLite, so no DISTINCT ON)."""
    newest: dict[str, int] = {}
    national: dict[str, int] = {}
    rows = SchemeVersion.objects.filter(Q(province=province) | Q(province__isnull=True))
    for pk, code, owner in rows.order_by("code", "-version").values_list(
        "pk", "code", "province_id"
    ):
        if owner is None:
            national.setdefault(code, pk)
        else:
            newest.setdefault(code, pk)
    chosen = {**national, **newest}
    return SchemeVersion.objects.filter(pk__in=chosen.values()).order_by("code")


class StartRunForm(forms.Form):
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=SchemeVersion.objects.none())
    period = forms.CharField(label=_("Period"), max_length=20)
    source = forms.ChoiceField(label=_("Data source"))
    sensitivity = forms.IntegerField(
        label=_("Rank-uncertainty replications"),
        min_value=0,
        max_value=MAX_SENSITIVITY,
        help_text=_("0 skips the rank intervals; 200 is a good choice."),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=MAX_SEED,
        initial=1,
        help_text=_("Fixes the random draws of the rank intervals, so a run can be reproduced."),
    )
    provisional = forms.BooleanField(
        label=_("Provisional"),
        required=False,
        help_text=_(
            "Read intake data the province has not accepted yet. A provisional run is never "
            "published and no rule reads it."
        ),
    )

    def __init__(self, *args: Any, province: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].initial = current_period()
        versions = latest_versions(province)
        model_choice_field(self, "scheme").queryset = versions
        default = versions.filter(code="core-business").first()
        self.fields["scheme"].initial = default
        # The scheme says how many replications its rank intervals take (0 when none is stored).
        self.fields["sensitivity"].initial = scheme_replications(default) if default else 0
        model_choice_field(self, "scheme").empty_label = None
        # Intake first: its current data versions are the normal source of a run.
        choice_field(self, "source").choices = [
            (INTAKE_SOURCE, _("Intake: the current data versions of the period")),
            *[
                (str(p), _("Case-record folder %(name)s") % {"name": p.name})
                for p in source_folders()
            ],
        ]

    # What a leader fills in; the rest is folded away under "advanced options" (issue 18.7).
    BASIC = ("scheme", "period", "provisional")

    def basic_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.BASIC]

    def advanced_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.BASIC]

    def advanced_errors(self) -> bool:
        return any(self[name].errors for name in self.fields if name not in self.BASIC)

    def clean_period(self) -> str:
        text = str(self.cleaned_data["period"]).strip()
        try:
            return Period.parse(text).key
        except (InputError, ValueError):
            raise forms.ValidationError(
                _("Write a period such as 2024年第四季度, 2024Q4 or 2024-07.")
            ) from None


class LeagueFilterForm(forms.Form):
    city = forms.CharField(required=False, max_length=12)
    aspect = forms.CharField(required=False, max_length=80)
    colour = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("green", "green"), ("yellow", "yellow"), ("red", "red")],
    )
    sort = forms.ChoiceField(required=False, choices=[(s.value, s.value) for s in Sort])
    order = forms.ChoiceField(required=False, choices=[("desc", "desc"), ("asc", "asc")])

    def selector_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "city": data.get("city") or "",
            "aspect": data.get("aspect") or "",
            "colour": data.get("colour") or "",
            "sort": Sort(data.get("sort") or Sort.SCORE),
            "descending": (data.get("order") or "desc") == "desc",
        }


class SchemeEditForm(forms.Form):
    yaml_text = forms.CharField(
        label=_("Scheme YAML"),
        strip=False,  # the stored text is the YAML exactly as written
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("Reason for the change"), max_length=500)


class WarningStateForm(forms.Form):
    """Acknowledge or resolve a warning (or set it back to new), with a note."""

    state = forms.ChoiceField(label=_("State"), choices=WarningState.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
