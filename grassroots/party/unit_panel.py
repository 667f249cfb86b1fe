"""The party panel of the unit page: the unit's latest standing and open tasks, linked to the
display page (registered with ``organisations/panels.py`` in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from grassroots.organisations.models import Unit
from grassroots.organisations.panels import Panel
from grassroots.party.models import PartyReport, Task
from grassroots.party.permissions import sees_unit


def party_panel(user: Any, unit: Unit) -> Panel | None:
    if not sees_unit(user, unit):
        return None
    if not (
        Task.objects.filter(unit=unit).exists() or PartyReport.objects.filter(unit=unit).exists()
    ):
        return None
    return Panel("party/_unit_panel.html", {"code": unit.code})
