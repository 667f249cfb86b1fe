"""Panels that apps above people add to a person's page (the library's honours).

People is below every app that knows more about a person, so it cannot import them: such an
app registers a panel here from its ``AppConfig.ready()`` (the pattern of
``organisations/panels.py``), and the person page renders what each registered panel returns
for the viewer. A panel returns ``None`` when it has nothing to show that viewer. The page
itself decides who may open it (``permissions.can_see_person``); a panel only adds to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grassroots.organisations.panels import Panel
from grassroots.people.models import Person

PersonPanelMaker = Callable[[Any, Person], Panel | None]  # (viewer, person) -> panel or None
_PANELS: dict[str, PersonPanelMaker] = {}


def register(name: str, maker: PersonPanelMaker) -> None:
    """Add ``maker`` under ``name`` (registering a name again replaces it)."""
    _PANELS[name] = maker


def registered() -> dict[str, PersonPanelMaker]:
    return dict(_PANELS)


def panels_for(user: Any, person: Person) -> list[Panel]:
    """Every registered panel that has something for ``user`` on ``person``'s page, in order."""
    found = (maker(user, person) for maker in _PANELS.values())
    return [panel for panel in found if panel is not None]
