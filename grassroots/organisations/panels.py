"""Panels that apps above organisations add to the unit page (the people app's staff panel).

Organisations is below every app that knows more about a unit, so it cannot import them: such an
app registers a panel here from its ``AppConfig.ready()`` (the pattern of
``evaluation/followups.py``), and the unit page renders what each registered panel returns for
the viewer. A panel returns ``None`` when it has nothing to show that viewer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grassroots.organisations.models import Unit


@dataclass(frozen=True)
class Panel:
    template: str  # rendered with {"panel": context, "unit": unit}
    context: dict[str, Any]
    # A section of the unit page this panel supersedes ("staff": the typed staff figures, which
    # a roster's counts replace, so the page never shows two headcounts that disagree).
    replaces: str = ""


PanelMaker = Callable[[Any, Unit], Panel | None]  # (viewer, unit) -> panel or None
_PANELS: dict[str, PanelMaker] = {}


def register(name: str, maker: PanelMaker) -> None:
    """Add ``maker`` under ``name`` (registering a name again replaces it)."""
    _PANELS[name] = maker


def registered() -> dict[str, PanelMaker]:
    return dict(_PANELS)


def panels_for(user: Any, unit: Unit) -> list[Panel]:
    """Every registered panel that has something for ``user`` on ``unit``'s page, in order."""
    found = (maker(user, unit) for maker in _PANELS.values())
    return [panel for panel in found if panel is not None]
