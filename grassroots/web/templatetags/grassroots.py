"""Template helpers for showing units and times in the reader's language."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django import template
from django.apps import apps
from django.utils.translation import get_language

from grassroots.organisations.audit import changed_fields
from grassroots.web.forms import model_label

register = template.Library()


@register.filter
def unit_name(unit: Any) -> str:
    """The unit's name in the active language; Chinese when no English name is on file."""
    language = get_language() or ""
    name_en = getattr(unit, "name_en", None)
    if language.startswith("en") and name_en:
        return str(name_en)
    return str(getattr(unit, "name_zh", unit))


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes, rounded up, so a lockout never reads as shorter than it is."""
    if value is None:
        return 0
    return math.ceil(value.total_seconds() / 60)


@register.filter(name="model_label")
def model_label_filter(label: str) -> str:
    """An audit entry's model label ("organisations.unit") as its translated verbose name."""
    return model_label(label)


@register.filter
def audit_changes(entry: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field the entry changed, fields by their verbose names
    and values of a field with choices by their labels ("in_progress" -> "推进中")."""
    before, after = entry.before or {}, entry.after or {}
    names = _field_names(entry.model)
    choices = _field_choices(entry.model)
    return [
        (
            names.get(key, key),
            _choice_label(choices.get(key), before.get(key)),
            _choice_label(choices.get(key), after.get(key)),
        )
        for key in changed_fields(before, after)
    ]


def _choice_label(labels: dict[str, str] | None, value: Any) -> Any:
    if labels is None or value is None:
        return value
    return labels.get(str(value), value)


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, number: int) -> str:
    """The current query string with `page` replaced, so paging keeps the filters."""
    query = context["request"].GET.copy()
    query["page"] = str(number)
    return str(query.urlencode())


def _field_names(label: str) -> dict[str, str]:
    try:
        fields = apps.get_model(label)._meta.get_fields()
    except (LookupError, ValueError):
        return {}
    return {f.name: str(getattr(f, "verbose_name", f.name)) for f in fields}


def _field_choices(label: str) -> dict[str, dict[str, str]]:
    try:
        fields = apps.get_model(label)._meta.get_fields()
    except (LookupError, ValueError):
        return {}
    return {
        f.name: {str(value): str(text) for value, text in f.flatchoices}
        for f in fields
        if getattr(f, "choices", None)
    }
