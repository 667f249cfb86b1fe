"""Template helpers for showing units and times in the reader's language."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import reduce
from operator import or_
from typing import Any

from django import template
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_lazy

from grassroots.i18n import english, period_label, unit_name
from grassroots.intake.selectors import current_period, period_choices
from grassroots.organisations.audit import changed_fields
from grassroots.organisations.forms import model_label
from grassroots.organisations.models import AuditEntry, Unit

# (related model label, stored id) -> what the reader sees for that foreign key value.
FkLabels = Mapping[tuple[str, str], str]

# Keys some services add to a snapshot beside the model's fields (a validation run's counts).
EXTRA_AUDIT_KEYS = {
    "rule_violations": gettext_lazy("rule violations"),
    "outliers": gettext_lazy("outliers"),
}
# A list value (the units a validation run checked) shows this many items, then a count.
LIST_ITEMS_SHOWN = 5

register = template.Library()


register.filter("unit_name", unit_name)


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
def audit_changes(entry: Any, labels: FkLabels | None = None) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field the entry changed, fields by their verbose names,
    values of a field with choices by their labels ("in_progress" -> "推进中") and foreign keys
    by what `labels` (see `audit_rows`) names them, else "#id"."""
    before, after = entry.before or {}, entry.after or {}
    names = _field_names(entry.model)
    choices = _field_choices(entry.model)
    foreign = _foreign_keys(entry.model)
    moments = _datetime_fields(entry.model)
    labels = labels or {}

    def shown(key: str, value: Any) -> Any:
        if value is None or value == "":
            return None  # shown as "—", like a field that had no value
        if key in foreign:
            return labels.get((foreign[key], str(value)), f"#{value}")
        if key in choices:
            return _choice_label(choices[key], value)
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, list):
            return _list_text(value)
        if key in moments:
            return _moment_text(value)
        return value

    rows = [
        (
            str(names.get(key) or EXTRA_AUDIT_KEYS.get(key, key)),
            shown(key, before.get(key)),
            shown(key, after.get(key)),
        )
        for key in changed_fields(before, after)
    ]
    # A field that went from nothing to an empty text did not change as the reader sees it.
    return [row for row in rows if row[1] != row[2]]


@register.simple_tag
def audit_rows(entries: Iterable[Any]) -> list[tuple[Any, list[tuple[str, Any, Any]], str]]:
    """(entry, its changes, its unit) for a page of audit entries, foreign keys resolved to
    names with one query per kind of target (units, users, other records), not one per value.

    A unit reads as its name in the page language with its code; a user by username; any other
    record by the description the log stored when it was last written, else "#id"."""
    entries = list(entries)
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        foreign = _foreign_keys(entry.model)
        for snap in (entry.before or {}, entry.after or {}):
            for key, value in snap.items():
                if key in foreign and value is not None:
                    wanted.setdefault(foreign[key], set()).add(str(value))
    unit_label = Unit._meta.label_lower
    codes = {e.unit_code for e in entries if e.unit_code}
    unit_ids = {i for i in wanted.pop(unit_label, set()) if i.isdigit()}
    labels: dict[tuple[str, str], str] = {}
    by_code: dict[str, str] = {}
    if unit_ids or codes:
        for unit in Unit.objects.filter(Q(pk__in=unit_ids) | Q(code__in=codes)):
            text = f"{unit_name(unit)} ({unit.code})"
            labels[(unit_label, str(unit.pk))] = text
            by_code[unit.code] = text
    user_model = get_user_model()
    user_label = user_model._meta.label_lower
    user_ids = {i for i in wanted.pop(user_label, set()) if i.isdigit()}
    if user_ids:
        for pk, username in user_model.objects.filter(pk__in=user_ids).values_list(
            "pk", str(user_model.USERNAME_FIELD)
        ):
            labels[(user_label, str(pk))] = str(username)
    if wanted:
        # Oldest first, so the newest description of a record is the one kept.
        found = AuditEntry.objects.filter(
            reduce(or_, (Q(model=m, object_id__in=ids) for m, ids in wanted.items()))
        ).order_by("id")
        for model, object_id, text in found.values_list("model", "object_id", "object_repr"):
            labels[(model, object_id)] = text
    return [
        (entry, audit_changes(entry, labels), by_code.get(entry.unit_code, entry.unit_code))
        for entry in entries
    ]


def _choice_label(labels: dict[str, str] | None, value: Any) -> Any:
    if labels is None or value is None:
        return value
    return labels.get(str(value), value)


def _moment_text(value: Any) -> Any:
    """A stored ISO timestamp as the log's own times read: local time, to the minute."""
    try:
        moment = parse_datetime(str(value))
    except ValueError:
        moment = None
    if moment is None:
        return value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _list_text(values: list[Any]) -> str:
    shown = ", ".join(str(v) for v in values[:LIST_ITEMS_SHOWN])
    if len(values) <= LIST_ITEMS_SHOWN:
        return shown
    return gettext("%(shown)s … (%(count)d in all)") % {"shown": shown, "count": len(values)}


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


def _foreign_keys(label: str) -> dict[str, str]:
    """Field name -> the label of the model a foreign key (or one-to-one) of `label` points at."""
    try:
        fields = apps.get_model(label)._meta.concrete_fields
    except (LookupError, ValueError):
        return {}
    return {
        f.name: f.related_model._meta.label_lower
        for f in fields
        if f.is_relation and f.related_model is not None
    }


def _datetime_fields(label: str) -> set[str]:
    try:
        fields = apps.get_model(label)._meta.concrete_fields
    except (LookupError, ValueError):
        return set()
    return {f.name for f in fields if isinstance(f, DateTimeField)}


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


register.filter("period_label", period_label)


@register.inclusion_tag("web/_period_input.html")
def period_input(
    field_id: str,
    value: str = "",
    *,
    name: str = "period",
    required: bool = True,
    error: str = "",
    current: bool = False,
) -> dict[str, Any]:
    """A period control (issue 18.3): a text field listing the recent and known periods by
    their names, filled with ``value``; typed spellings (2024Q4, 2024年第四季度) are accepted by
    the page that reads it. ``current``: fill an empty control with the current reporting
    period."""
    keys = period_choices()
    if current and not value:
        value = current_period()
    return {
        "id": field_id,
        "name": name,
        "value": value,
        "required": required,
        "error": error,
        "choices": [(k, period_label(k)) for k in keys],
        "placeholder": period_label(keys[0]) if keys else "",
    }


@register.filter
def period_labels(keys: Any) -> str:
    """Periods as the reader says them, listed ("2024年第三季度、2024年第四季度")."""
    sep = ", " if english() else "、"
    return sep.join(period_label(str(k)) for k in keys or ())


@register.simple_tag
def colon() -> str:
    """A label's colon in the page language (full width in Chinese)."""
    return ": " if english() else "："


@register.filter
def audit_reason(reason: str) -> str:
    """A reason the application wrote (marked for translation where it is written, e.g.
    organisations/security/reasons.py) in the page language; a person's own words as written."""
    return gettext(reason) if reason else reason
