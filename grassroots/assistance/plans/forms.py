"""Forms of the plan pages (plans/views.py): the first check of what a user typed, in the page's language.

The services check the same rules again (and raise AssistanceError), so a form is a convenience
for the user, never the only guard.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.assistance.models import (
    ActivityKind,
    Designation,
    Dimension,
    MeasureStatus,
    Problem,
    ProblemSource,
)
from grassroots.assistance.services import (
    ALLOWED_EVIDENCE,
    MAX_EVIDENCE_BYTES,
    TARGET_SCHEME,
    AssistanceError,
)
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.engine.scheme import load_scheme
from grassroots.form_fields import choice_field, model_choice_field
from grassroots.i18n import english
from grassroots.organisations.models import Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceForm(forms.Form):
    def add_service_errors(self, exc: AssistanceError) -> None:
        """Show a service's refusal next to its field (or above the form)."""
        for name, message in exc.problems.items():
            self.add_error(name if name in self.fields else None, message)


class ProblemForm(ServiceForm):
    dimension = forms.ChoiceField(label=_("Dimension"), choices=Dimension.choices)
    source = forms.ChoiceField(label=_("Source"), choices=ProblemSource.choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


# ModelChoiceField is generic in the stubs only (Django's class takes no type argument).
if TYPE_CHECKING:
    _ProblemField = forms.ModelChoiceField[Problem]
else:
    _ProblemField = forms.ModelChoiceField


class ProblemChoiceField(_ProblemField):
    def label_from_instance(self, obj: Problem) -> str:
        return str(obj)[:60]


class MeasureForm(ServiceForm):
    title = forms.CharField(label=_("Measure"), max_length=300)
    leader = forms.CharField(label=_("Responsible leader"), max_length=100)
    department = forms.CharField(label=_("Responsible department"), max_length=100)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)
    problem = ProblemChoiceField(
        label=_("Problem addressed"), queryset=None, required=False, empty_label="—"
    )
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)

    def __init__(
        self, *args: Any, designation: Designation, created_on: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.created_on = created_on
        model_choice_field(self, "problem").queryset = designation.problems.all()

    def clean_deadline(self) -> dt.date:
        deadline: dt.date = self.cleaned_data["deadline"]
        if deadline < self.created_on:
            raise forms.ValidationError(
                _("The deadline %(deadline)s is before the measure was created (%(created)s)."),
                params={"deadline": deadline.isoformat(), "created": self.created_on.isoformat()},
            )
        return deadline


def quarter_error(text: str, on: dt.date) -> str | None:
    try:
        period = Period.parse(text)
    except InputError:
        period = None
    if period is None or period.kind != "quarter":
        return str(_("Not a quarter such as 2024Q3."))
    if period.start > on:
        return str(_("%(quarter)s has not started yet.") % {"quarter": period.key})
    return None


class ProgressForm(ServiceForm):
    quarter = forms.CharField(
        label=_("Quarter"), max_length=10, help_text=_("For example 2024年第三季度 or 2024Q3")
    )
    text = forms.CharField(
        label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    status = forms.ChoiceField(label=_("Status after this quarter"), choices=MeasureStatus.choices)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_quarter(self) -> str:
        text: str = self.cleaned_data["quarter"].strip().upper()
        if (error := quarter_error(text, self.today)) is not None:
            raise forms.ValidationError(error)
        return text


class EvidenceForm(ServiceForm):
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_("PDF, Word, Excel, JPEG or PNG, at most 10 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ALLOWED_EVIDENCE))}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name or "").name
        suffix = PurePath(name).suffix.lower()
        if suffix not in ALLOWED_EVIDENCE:
            raise forms.ValidationError(
                _("%(suffix)s files are not allowed; use one of %(allowed)s."),
                params={
                    "suffix": suffix or _("Files without an extension"),
                    "allowed": ", ".join(sorted(ALLOWED_EVIDENCE)),
                },
            )
        if upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError(_("%(name)s is larger than 10 MB."), params={"name": name})
        return upload


def indicator_choices() -> list[tuple[str, str]]:
    """The target scheme's indicators, named in the page's language."""
    scheme = load_scheme(TARGET_SCHEME)
    catalogue = load_catalogue(scheme.catalogue or "spp-case-quality")
    in_english = english()
    choices = []
    for code in scheme.indicator_codes():
        ind = catalogue.indicators.get(code)
        name = (ind.name_en if in_english else ind.name_zh) if ind is not None else code
        choices.append((code, name))  # the name alone: the code is the engine's
    return choices


class TargetForm(ServiceForm):
    indicator = forms.ChoiceField(
        label=_("Indicator"),
        error_messages={
            "invalid_choice": _("The core-business scheme has no indicator %(value)s.")
        },
    )
    period = forms.CharField(
        label=_("Period"), max_length=16, help_text=_("For example 2024年第三季度 or 2024Q3")
    )
    value = forms.FloatField(label=_("Target value"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "indicator").choices = indicator_choices()

    def clean_period(self) -> str:
        text: str = self.cleaned_data["period"].strip().upper()
        try:
            return Period.parse(text).key
        except InputError:
            raise forms.ValidationError(
                _("Not a period such as 2024年第三季度 or 2024Q3.")
            ) from None


class ActivityForm(ServiceForm):
    unit = forms.ChoiceField(label=_("Weak unit"))
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices)
    partner = forms.ChoiceField(label=_("Helping unit"), required=False)
    people = forms.IntegerField(label=_("People"), min_value=0, initial=0)
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), widget=DATE)
    outcome = forms.CharField(
        label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self, *args: Any, designations: list[Designation], partners: list[Unit], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "unit").choices = [
            (d.unit.code, f"{d.unit.code} {d.unit.name_zh}") for d in designations
        ]
        choice_field(self, "partner").choices = [("", "—")] + [
            (u.code, f"{u.code} {u.name_zh}") for u in partners
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The activity ends before it starts."))
        if data.get("kind") == ActivityKind.POST_EXCHANGE and not data.get("people"):
            self.add_error("people", _("Give the number of people on the post exchange."))
        if data.get("partner") and data.get("partner") == data.get("unit"):
            self.add_error("partner", _("The helping unit cannot be the unit helped."))
        return data


class ExitForm(ServiceForm):
    up_to = forms.ChoiceField(label=_("Assess the results up to"))

    def __init__(self, *args: Any, periods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "up_to").choices = [(p, p) for p in reversed(periods)]
