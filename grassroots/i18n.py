"""Names in the page language: the one home of "Chinese, or English when the page is English".

Below every app (it imports none), so the apps' selectors, the engine's reasons rendered for a
page, and the templates' ``unit_name`` filter all read a name the same way.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from grassroots.engine.periods import Period


def english() -> bool:
    """Whether the active language is English (Chinese is the default and the fallback)."""
    return (get_language() or "").startswith("en")


def in_language(zh: str, en: str | None) -> str:
    """``en`` on an English page when there is one, else ``zh``."""
    return en if en and english() else zh


def unit_name(unit: Any) -> str:
    """The unit's name in the active language; Chinese when no English name is on file."""
    name_en = getattr(unit, "name_en", None)
    if name_en and english():
        return str(name_en)
    return str(getattr(unit, "name_zh", unit))


def period_label(key: str) -> str:
    """A period key ("2024Q4") as the reader says it: 2024年第四季度, or 2024 Q4 in English; a
    text that is not a period comes back as it is."""
    try:
        period = Period.parse(str(key))
    except ValueError:
        return str(key)
    return period.label_en if english() else period.label_zh
