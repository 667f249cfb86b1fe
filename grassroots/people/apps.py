from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "grassroots.people"
    label = "people"

    def ready(self) -> None:
        # Intake checks case records' prosecutor_id and department against the roster, and the
        # unit page shows the staff panel; neither may import us, so each keeps a registry that
        # is filled here (the same pattern as evaluation/followups.py).
        from grassroots.intake import rosters
        from grassroots.organisations import panels
        from grassroots.people.roster_check import roster_of
        from grassroots.people.unit_panel import staff_panel

        rosters.register("people-roster", roster_of)
        panels.register("people-staff", staff_panel)
