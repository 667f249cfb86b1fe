from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from grassroots.notifications.kinds import kinds


class PreferenceForm(forms.Form):
    on_kinds = forms.MultipleChoiceField(
        label=_("Tell me about"), required=False, widget=forms.CheckboxSelectMultiple
    )
    mail_kinds = forms.MultipleChoiceField(
        label=_("Also by e-mail"), required=False, widget=forms.CheckboxSelectMultiple
    )
    digest = forms.BooleanField(
        label=_("One daily digest instead of an e-mail for each notification"), required=False
    )
    language = forms.ChoiceField(label=_("Language of my e-mail"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(code, label) for code, label in kinds().items()]
        self.fields["on_kinds"].choices = choices  # type: ignore[attr-defined]
        self.fields["mail_kinds"].choices = choices  # type: ignore[attr-defined]
