from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "grassroots.people"
    label = "people"

    def ready(self) -> None:
        # Intake checks case records' prosecutor_id and department against the roster, and the
        # unit page shows the staff panel; neither may import us, so each keeps a registry that
        # is filled here (the same pattern as evaluation/followups.py).
        from django.utils.translation import gettext_lazy

        from grassroots.intake import element_sources, rosters
        from grassroots.organisations import panels
        from grassroots.people.elements import read_staff_elements, roster_url
        from grassroots.people.roster_check import roster_of
        from grassroots.people.unit_panel import staff_panel

        rosters.register("people-roster", roster_of)
        panels.register("people-staff", staff_panel)
        element_sources.register(
            element_sources.ElementSource(
                name="roster",
                label=gettext_lazy("staff roster"),
                read=read_staff_elements,
                records_url=roster_url,
            )
        )
