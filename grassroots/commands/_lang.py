"""The operations commands' messages in the operator's language: Chinese when the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``, the first one set) is Chinese, else English.

The commands run before (or without) Django, so they cannot use the pages' gettext catalogue;
each message is written in both languages where it is raised: ``tr(english, chinese)``.
"""

from __future__ import annotations

import os


def chinese() -> bool:
    """Whether the operator's locale is Chinese (``zh_CN.UTF-8``, ``zh_TW``, ``zh``...)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip()
        if value:
            return value.lower().startswith("zh")
    return False


def tr(english: str, chinese_text: str) -> str:
    """The message in the operator's language."""
    return chinese_text if chinese() else english
