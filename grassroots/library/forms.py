"""Page input of the library."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from grassroots.form_fields import QuickSelect, QuickSelectMultiple
from grassroots.library.models import (
    Article,
    AwardLevel,
    Brand,
    BusinessLine,
    Case,
    CaseLevel,
    Column,
    DocKind,
    GoalStatus,
)
from grassroots.organisations.models import Unit
from grassroots.people.models import Person

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RICH_HELP = _(
    "Formatting (paragraphs, bold, lists, tables, links) is kept; anything else is removed."
)


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        from grassroots.i18n import unit_name

        return f"{obj.code} {unit_name(obj)}"


def _unit_field(units: QuerySet[Unit], people: str | None = None) -> UnitChoiceField:
    """The unit a new item belongs to; changing it reloads the ``people`` field's options for
    that unit (htmx; without script the form offers the chosen unit's people once posted)."""
    attrs = (
        {
            "hx-get": reverse_lazy("library:unit-people"),
            "hx-vals": f'{{"field": "{people}"}}',
            "hx-target": f"#id_{people}",
            "hx-swap": "outerHTML",
        }
        if people
        else {}
    )
    return UnitChoiceField(
        label=_("Unit"), queryset=units, empty_label=None, widget=forms.Select(attrs=attrs)
    )


def chosen_unit(form: forms.BaseForm, units: QuerySet[Unit]) -> Unit | None:
    """The unit a form for several units works on: the posted one (when the user may write for
    it), else the first offered, which the unit select shows first. A province's staff are
    thousands of people: only the chosen unit's are offered, never the whole province's."""
    posted = form.data.get(form.add_prefix("unit")) if form.is_bound else None
    if posted:
        found = units.filter(pk=posted).first() if str(posted).isdigit() else None
        if found is not None:
            return found
    initial = form.initial.get("unit")
    if isinstance(initial, Unit):
        return initial
    return units.first()


def _people(unit: Unit | None) -> QuerySet[Person]:
    # A person's label names its unit: read with it, not once per person.
    return (
        Person.objects.filter(unit=unit, active=True)
        .select_related("unit")
        .order_by("staff_number")
    )


class CaseForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Case
        fields = ["title", "kind", "business_line", "case_number", "keywords", "gist", "body"]
        widgets = {
            "gist": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 10}),
        }
        help_texts = {"body": RICH_HELP, "keywords": _("Separated by spaces.")}

    def __init__(self, *args: Any, units: QuerySet[Unit], unit: Unit | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if unit is None:
            self.fields["unit"] = _unit_field(units, "prosecutors")
            unit = chosen_unit(self, units)
        self.fields["prosecutors"] = forms.ModelMultipleChoiceField(
            label=_("Handling prosecutors"),
            queryset=_people(unit),
            required=False,
            widget=QuickSelectMultiple,
            initial=list(self.instance.prosecutors.all()) if self.instance.pk else [],
        )


class EntryForm(forms.Form):
    programme = forms.CharField(label=_("Programme"), max_length=200)
    batch = forms.CharField(label=_("Batch"), max_length=60, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=CaseLevel.choices)
    on = forms.DateField(label=_("Date"), widget=DATE)


class AdvanceForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    grade = forms.CharField(label=_("Grade"), max_length=60, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, Word, Excel, PNG or JPEG; at most 20 MB)"))


class ArticleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Article
        fields = ["column", "title", "author", "business_line", "keywords", "summary", "body"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 12}),
        }
        help_texts = {"body": RICH_HELP}

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        unit: Unit | None,
        columns: QuerySet[Column],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if unit is None:
            self.fields["unit"] = _unit_field(units)
        column = self.fields["column"]
        assert isinstance(column, forms.ModelChoiceField)
        column.queryset = columns.filter(active=True)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("publish", _("Publish")), ("return", _("Return"))]
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    on = forms.DateField(label=_("Published on"), widget=DATE, required=False)


class ColumnForm(forms.Form):
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0)


class BrandForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Brand
        fields = ["name", "brand_type", "business_line", "started_on", "description", "plan"]
        widgets = {
            "started_on": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
            "plan": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"description": RICH_HELP, "plan": RICH_HELP}

    def __init__(self, *args: Any, units: QuerySet[Unit], unit: Unit | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if unit is None:
            self.fields["unit"] = _unit_field(units)


class GoalForm(forms.Form):
    stage = forms.IntegerField(label=_("Stage"), min_value=1, max_value=20)
    goal = forms.CharField(label=_("Goal"), max_length=300)
    due = forms.DateField(label=_("Due"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class AwardForm(forms.Form):
    title = forms.CharField(label=_("Award"), max_length=200)
    level = forms.ChoiceField(label=_("Level"), choices=AwardLevel.choices)
    on = forms.DateField(label=_("Date"), widget=DATE)
    awarding_body = forms.CharField(label=_("Awarding body"), max_length=200)


class HonourForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    level = forms.ChoiceField(label=_("Level"), choices=AwardLevel.choices)
    on = forms.DateField(label=_("Date"), widget=DATE)
    awarding_body = forms.CharField(label=_("Awarding body"), max_length=200)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _unit_field(units, "person")
        self.fields["person"] = forms.ModelChoiceField(
            label=_("Person (empty: an honour of the unit)"),
            queryset=_people(chosen_unit(self, units)),
            required=False,
            widget=QuickSelect,
        )
        self.order_fields(["unit", "person", "title", "level", "on", "awarding_body"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person, unit = data.get("person"), data.get("unit")
        if person is not None and unit is not None and person.unit_id != unit.pk:
            self.add_error("person", _("The person is not on this unit's roster."))
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All"))] + list(DocKind.choices), required=False
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("All"))] + list(CaseLevel.choices), required=False
    )
    line = forms.ChoiceField(
        label=_("Business line"),
        choices=[("", _("All"))] + list(BusinessLine.choices),
        required=False,
    )
    unit = forms.CharField(label=_("Unit code"), max_length=12, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
