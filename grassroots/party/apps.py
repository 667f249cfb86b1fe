from __future__ import annotations

from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "grassroots.party"
    label = "party"

    def ready(self) -> None:
        # The unit page shows the party panel; organisations and notifications may not import
        # us, so each keeps a registry filled here (as people does).
        from grassroots.notifications import scans
        from grassroots.notifications.kinds import register_kind
        from grassroots.organisations import panels
        from grassroots.party.alerts import KINDS, overdue_scan
        from grassroots.party.unit_panel import party_panel

        panels.register("party-standing", party_panel)
        for code, label in KINDS.items():
            register_kind(code, label)
        scans.register("party-overdue-tasks", overdue_scan)
