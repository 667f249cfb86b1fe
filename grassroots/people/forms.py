"""Page input of the people app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.models import Unit
from grassroots.people.models import Category, Department, ObjectionStatus, Person


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster workbook (.xlsx)"))


class PersonForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Person
        fields = [
            "staff_number", "name", "category", "department", "post", "grade", "birth_year",
            "joined_year", "quota_seat", "talent_pool", "heads_department", "active",
        ]  # fmt: skip

    login = forms.CharField(
        label=_("Login (username) of this person"),
        max_length=150,
        required=False,
        help_text=_("Lets the person open their own page; leave empty for none."),
    )

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        if self.instance.pk and self.instance.user_id:
            self.fields["login"].initial = self.instance.user.get_username()
        departments = self.fields["department"]
        assert isinstance(departments, forms.ModelChoiceField)
        departments.queryset = Department.objects.filter(unit=unit, active=True)

    def clean_birth_year(self) -> int:
        year = int(self.cleaned_data["birth_year"])
        if not 1940 <= year <= timezone.now().year:
            raise forms.ValidationError(_("Enter a year between 1940 and this year."))
        return year

    def clean_staff_number(self) -> str:
        number = str(self.cleaned_data["staff_number"]).strip()
        clash = Person.objects.filter(unit=self.unit, staff_number=number)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This staff number is already taken in this unit."))
        return number

    def clean_login(self) -> Any:
        from django.contrib.auth import get_user_model

        name = str(self.cleaned_data.get("login") or "").strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("There is no login with this username."))
        other = Person.objects.filter(user=user).exclude(pk=self.instance.pk).first()
        if other is not None:
            raise forms.ValidationError(_("This login already belongs to another person."))
        return user

    def validate_unique(self) -> None:
        pass  # the unit is not a form field: clean_staff_number checks the one constraint

    def values(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in self.Meta.fields}


class DepartmentForm(forms.Form):
    code = forms.CharField(label=_("Department code"), max_length=20)
    name = forms.CharField(label=_("Department name"), max_length=100)


class CategoryChoice(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your objection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ObjectionStatus.UPHELD, ObjectionStatus.UPHELD.label),
            (ObjectionStatus.REJECTED, ObjectionStatus.REJECTED.label),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    corrected_total = forms.FloatField(label=_("Corrected total (if upheld)"), required=False)


class ReviewerItemForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    item = forms.ChoiceField(label=_("Item"), choices=[])
    points = forms.DecimalField(label=_("Points"), max_digits=7, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(
        self, *args: Any, people: Any, items: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people
        choice = self.fields["item"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = items


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    scheme = forms.ChoiceField(label=_("Scheme"), choices=[])
    objection_days = forms.IntegerField(
        label=_("Days to object after a score is published"), min_value=1, max_value=60, initial=7
    )

    def __init__(self, *args: Any, schemes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["scheme"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = schemes


class CoefficientForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    table = forms.CharField(
        label=_("Coefficients (one line per work type: work type, coefficient such as 1 or 2/3)"),
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
