"""The honours panel of a person's page (registered with ``people/panels.py`` in ``apps.py``).

The person page decides who may open it; the panel shows the person's honours to every such
viewer, with a link to the library's honours for those who may record them.
"""

from __future__ import annotations

from typing import Any

from grassroots.library.permissions import may_write
from grassroots.library.selectors import person_honours
from grassroots.organisations.panels import Panel
from grassroots.people.models import Person


def honours_panel(user: Any, person: Person) -> Panel | None:
    honours = list(person_honours(person))
    if not honours and not may_write(user, person.unit):
        return None
    return Panel(
        "library/_person_honours.html",
        {"honours": honours, "can_record": may_write(user, person.unit)},
    )
