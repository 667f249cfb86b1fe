"""The staff panel of the unit page (registered with ``organisations/panels.py`` in ``apps.py``).

Only aggregates are shown (no person), so anyone who sees the unit sees the panel; the link to
the roster is shown to those who may open it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from grassroots.organisations.models import Unit
from grassroots.organisations.panels import Panel
from grassroots.people.permissions import manages
from grassroots.people.selectors import staff_figures


def staff_panel(user: Any, unit: Unit) -> Panel | None:
    figures = staff_figures(unit, year=timezone.now().year)
    if not figures.from_roster:
        return None
    return Panel(
        "people/_unit_panel.html",
        {"figures": figures, "can_open_roster": manages(user, unit)},
        replaces="staff",  # the roster's counts, not the typed figures beside them
    )
