from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "grassroots.supervision"
    label = "supervision"
    verbose_name = _("Legal supervision models")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Runs read supervision's measures as data elements (issue 16.4) through intake's
        # element-source registry: intake and evaluation never import this app.
        from grassroots.intake import element_sources
        from grassroots.supervision.elements import leads_url, read_supervision_elements

        element_sources.register(
            element_sources.ElementSource(
                name="supervision",
                label=_("legal supervision leads"),
                read=read_supervision_elements,
                records_url=leads_url,
            )
        )
        # Overdue leads are told by a scan the runs worker calls (grassroots/notifications).
        from grassroots.notifications import scans
        from grassroots.supervision.notices import scan_leads

        scans.register("supervision-overdue-leads", scan_leads)
