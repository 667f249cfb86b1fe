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
        from django.utils.translation import gettext_lazy

        from grassroots.intake import element_sources
        from grassroots.library.elements import library_url, read_library_elements
        from grassroots.library.person_panel import honours_panel
        from grassroots.people import panels

        panels.register("library-honours", honours_panel)
        # The library's counts are data elements of runs (catalogue elements "source: library").
        element_sources.register(
            element_sources.ElementSource(
                name="library",
                label=gettext_lazy("case and experience library"),
                read=read_library_elements,
                records_url=library_url,
            )
        )
