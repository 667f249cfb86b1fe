from __future__ import annotations

import re

import pytest
from django import forms

from grassroots.form_fields import (
    QuickSelect,
    QuickSelectMultiple,
    choice_field,
    model_choice_field,
)
from grassroots.organisations.models import Unit


class _Form(forms.Form):
    kind = forms.ChoiceField(choices=[])
    unit = forms.ModelChoiceField(queryset=Unit.objects.none())
    note = forms.CharField()


def test_choice_field_gives_the_forms_own_field_to_set_choices_on() -> None:
    form = _Form()
    choice_field(form, "kind").choices = [("a", "A")]
    assert list(form.fields["kind"].choices) == [("a", "A")]
    assert _Form().fields["kind"].choices == []


def test_model_choice_field_gives_the_forms_model_choice_field() -> None:
    form = _Form()
    assert model_choice_field(form, "unit") is form.fields["unit"]


@pytest.mark.parametrize(("narrow", "name"), [(choice_field, "note"), (model_choice_field, "kind")])
def test_a_field_of_another_kind_is_refused_naming_the_form_and_field(narrow, name) -> None:
    with pytest.raises(TypeError, match=f"_Form.{name} is a"):
        narrow(_Form(), name)


@pytest.mark.parametrize(("quick", "django"), [
    (QuickSelect, forms.Select), (QuickSelectMultiple, forms.SelectMultiple)
])  # fmt: skip
def test_a_quick_select_writes_the_markup_of_djangos_select(quick, django) -> None:
    """The same select as Django's (attributes, optgroups, the chosen options, escaping),
    written without a template per option (a province's staff is thousands of them)."""
    choices = [("", "—"), ("1", "张明 <1>"), ("组", [("2", "李华 & 王"), ("3", '赵 "三"')])]

    def html(widget: type[forms.Widget]) -> str:
        field = forms.MultipleChoiceField if widget.allow_multiple_selected else forms.ChoiceField
        form = type("F", (forms.Form,), {"who": field(choices=choices, widget=widget)})(
            initial={"who": ["2", "1"] if widget.allow_multiple_selected else "2"}
        )
        return re.sub(r">\s+<", "><", str(form["who"])).strip()

    assert html(quick) == html(django)
    assert "selected" in html(quick)
