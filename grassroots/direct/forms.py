from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.direct.models import Category, ContactEntry, ContactKind, Line, Urgency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label=pgettext_lazy("direct report", "Category"), choices=Category.choices
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    line = forms.ChoiceField(
        label=_("Business line"),
        choices=[("", _("Not one line")), *Line.choices],
        required=False,
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 5 files: PDF, Word, Excel, JPEG, PNG or plain text."),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )
    substantive = forms.BooleanField(
        label=_("This reply gives the substance (result or progress)"), required=False
    )
    resolved = forms.BooleanField(label=_("Resolved: close the item"), required=False)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add to the report"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )


class ForwardForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Forward to"), queryset=ContactEntry.objects.none())
    text = forms.CharField(label=_("Why"), max_length=2000, required=False)

    def __init__(self, *args: Any, entries: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        field.queryset = entries if entries is not None else ContactEntry.objects.none()  # type: ignore[attr-defined]
        field.label_from_instance = lambda e: (  # type: ignore[attr-defined]
            f"{e.handler.get_full_name() or e.handler.get_username()}"
            f"{' · ' + e.department if e.department else ''} · {e.get_kind_display()}"
        )


class EscalateForm(forms.Form):
    text = forms.CharField(label=_("Why"), max_length=2000, required=False)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    handler: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Handler"), queryset=get_user_model().objects.none()
    )
    unit = forms.CharField(
        label=_("Unit code"),
        required=False,
        max_length=12,
        help_text=_("The city or grassroots unit, for leaders and weak units."),
    )
    line = forms.ChoiceField(
        label=_("Business line"), choices=[("", "—"), *Line.choices], required=False
    )
    department = forms.CharField(label=_("Department"), max_length=100, required=False)

    def __init__(self, *args: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["handler"]
        field.queryset = handlers  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u.get_full_name() or u.get_username()} ({u.membership.get_role_display()})"
        )
