from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "grassroots.supervision"
    label = "supervision"
    verbose_name = _("Legal supervision models")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Overdue leads are told by a scan the runs worker calls (grassroots/notifications).
        from grassroots.notifications import scans
        from grassroots.supervision.notices import scan_leads

        scans.register("supervision-overdue-leads", scan_leads)
