from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectConfig(AppConfig):
    name = "grassroots.direct"
    label = "direct"
    verbose_name = _("Direct channel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Overdue items escalate to the next person on the contact map: a scan the runs
        # worker calls on every round (grassroots/notifications).
        from grassroots.direct.services import escalate_overdue
        from grassroots.notifications import scans

        scans.register("direct-overdue", escalate_overdue)
