from __future__ import annotations

import pytest
from django import forms

from grassroots.form_fields import choice_field, model_choice_field
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
