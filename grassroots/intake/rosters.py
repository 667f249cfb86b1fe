"""Case records that name their people, checked against the unit's roster (issue 14, point 2).

Case tables may carry ``prosecutor_id`` (the handling prosecutor's staff number, 工号) and
``department`` (the department's code). Intake does not know the roster: the people app, which
sits above intake, registers a lookup here from its ``AppConfig.ready()`` (the pattern of
``evaluation/followups.py``), and the case upload calls ``roster_problems`` once the tables are
checked. A unit without a roster, and a file without the columns, are not checked; an unknown
staff number or department is a problem located by file, row and column, in the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from grassroots.engine.errors import Problem

if TYPE_CHECKING:  # the check itself imports them when a case upload runs it (issue 20.4)
    import pandas as pd

    from grassroots.engine.cases import CaseTables

PERSON_COLUMN = "prosecutor_id"
DEPARTMENT_COLUMN = "department"


@dataclass(frozen=True)
class Roster:
    """What a unit's roster knows: its staff numbers and its department codes."""

    staff_numbers: frozenset[str]
    departments: frozenset[str]


# unit codes -> the roster of each of those units that has one
RosterLookup = Callable[[set[str]], dict[str, Roster]]
_LOOKUPS: dict[str, RosterLookup] = {}


def register(name: str, lookup: RosterLookup) -> None:
    """Add ``lookup`` under ``name`` (registering a name again replaces it)."""
    _LOOKUPS[name] = lookup


def registered() -> dict[str, RosterLookup]:
    return dict(_LOOKUPS)


def rosters_for(codes: set[str]) -> dict[str, Roster]:
    found: dict[str, Roster] = {}
    for lookup in _LOOKUPS.values():
        found.update(lookup(codes))
    return found


def _roster_frame(rosters: dict[str, Roster]) -> pd.DataFrame:
    """The engine's roster frame: one row per staff number and one per department code."""
    import pandas as pd

    rows = [
        (code, number, None) for code, roster in rosters.items() for number in roster.staff_numbers
    ] + [(code, None, dept) for code, roster in rosters.items() for dept in roster.departments]
    return pd.DataFrame(rows, columns=["unit_code", "staff_id", "department"], dtype="string")


_ENGINE_MESSAGE = re.compile(
    r"^(?:staff number|department) (?P<value>'.*'|\".*\") is not in the roster of unit (?P<unit>\S+)$"
)


def _in_language(problem: Problem) -> Problem:
    """The engine's problem reworded for the page (its row, column and file stay)."""
    match = _ENGINE_MESSAGE.match(problem.message)
    value = match.group("value")[1:-1] if match else ""
    unit = match.group("unit") if match else ""
    if problem.column == PERSON_COLUMN:
        message = _("staff number %(number)s is not on the roster of unit %(unit)s") % {
            "number": value, "unit": unit,
        }  # fmt: skip
    else:
        message = _("department %(code)s is not a department of unit %(unit)s") % {
            "code": value, "unit": unit,
        }  # fmt: skip
    source = problem.source
    return Problem(source, problem.row, problem.column, message, sheet=problem.sheet)


def roster_problems(cases: CaseTables, codes: set[str]) -> list[Problem]:
    """Every row naming a person or department its unit's roster does not have.

    ``codes``: the units the upload may hold rows of; a unit without a roster is not checked.
    The check is the engine's (``engine/roster.py:handler_problems``)."""
    from grassroots.engine.roster import handler_problems

    if not any({PERSON_COLUMN, DEPARTMENT_COLUMN} & t.present for t in cases.tables.values()):
        return []
    rosters = rosters_for(codes)
    if not rosters:
        return []
    problems = handler_problems(cases, _roster_frame(rosters))
    files = {name: table.path.name for name, table in cases.tables.items()}
    return [_in_language(replace(p, source=files.get(p.source, p.source))) for p in problems]
