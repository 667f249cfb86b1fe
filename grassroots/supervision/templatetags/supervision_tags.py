"""Template filters of the supervision pages."""

from __future__ import annotations

from typing import Any

from django import template

from grassroots.i18n import in_language

register = template.Library()


@register.filter
def model_name(model: Any) -> str:
    """A supervision model's name in the page language (Chinese when it has no English name)."""
    return in_language(str(model.name_zh), str(model.name_en or "") or None)
