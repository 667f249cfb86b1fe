from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "grassroots.library"
    label = "library"
    verbose_name = _("Case and experience library")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A person's page shows their honours; people is below us and may not import us, so it
        # keeps a registry that is filled here (the pattern of organisations/panels.py).
        from grassroots.library.person_panel import honours_panel
        from grassroots.people import panels

        panels.register("library-honours", honours_panel)
