from __future__ import annotations

from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "grassroots.party"
    label = "party"

    def ready(self) -> None:
        # The unit page shows the party panel; organisations may not import us, so it keeps a
        # registry filled here (as people does).
        from grassroots.organisations import panels
        from grassroots.party.unit_panel import party_panel

        panels.register("party-standing", party_panel)
