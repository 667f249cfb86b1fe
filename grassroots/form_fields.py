"""Typed access to a form's fields, for every app's forms (below the apps; imports none).

``Form.fields`` maps names to ``Field``, so setting a choice field's ``choices`` or a model
choice field's ``queryset`` does not type check; these narrow the field once, and fail loudly
when the field is not the kind the form declared.
"""

from __future__ import annotations

from typing import Any

from django import forms


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(
            f"{type(form).__name__}.{name} is a {type(field).__name__}, not a choice field"
        )
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(
            f"{type(form).__name__}.{name} is a {type(field).__name__}, not a model choice field"
        )
    return field
