"""Case records that name their people, checked against the unit's roster (issue 14, point 2).

Case tables may carry ``prosecutor_id`` (the handling prosecutor's staff number, 工号) and
``department`` (the department's code). Intake does not know the roster: the people app, which
sits above intake, registers a lookup here from its ``AppConfig.ready()`` (the pattern of
``evaluation/followups.py``), and the case upload calls ``roster_problems`` once the tables are
checked. A unit without a roster, and a file without the columns, are not checked; an unknown
staff number or department is a problem located by file, row and column, in the page's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _

from grassroots.engine.cases import CaseTables
from grassroots.engine.errors import Problem

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


def _frame(path: object, columns: list[str]) -> tuple[pd.DataFrame, int]:
    """The table's columns as text, and the offset from a 0-based index to the reported row."""
    from pathlib import Path

    source = Path(str(path))
    if source.suffix.lower() == ".parquet":
        frame = pd.read_parquet(source, columns=columns).astype("string")
        return frame, 1
    try:
        frame = pd.read_csv(source, dtype=str, usecols=columns, encoding="utf-8-sig")
    except UnicodeDecodeError:
        frame = pd.read_csv(source, dtype=str, usecols=columns, encoding="gb18030")
    return frame, 2  # the header is row 1


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def roster_problems(cases: CaseTables) -> list[Problem]:
    """Every row naming a person or department its unit's roster does not have."""
    wanted = {
        name: [c for c in (PERSON_COLUMN, DEPARTMENT_COLUMN) if c in table.present]
        for name, table in cases.tables.items()
    }
    wanted = {name: cols for name, cols in wanted.items() if cols}
    if not wanted or not _LOOKUPS:
        return []
    frames = {
        name: _frame(cases.tables[name].path, ["unit_code", *cols]) for name, cols in wanted.items()
    }
    codes = {
        _text(code) for frame, _offset in frames.values() for code in frame["unit_code"].unique()
    }
    rosters = rosters_for(codes - {""})
    problems: list[Problem] = []
    for name, (frame, offset) in sorted(frames.items()):
        source = cases.tables[name].path.name
        for index, row in enumerate(frame.itertuples(index=False)):
            values = row._asdict()
            roster = rosters.get(_text(values["unit_code"]))
            if roster is None:
                continue
            person = _text(values.get(PERSON_COLUMN))
            if person and person not in roster.staff_numbers:
                problems.append(
                    Problem(
                        source,
                        index + offset,
                        PERSON_COLUMN,
                        _("staff number %(number)s is not on the roster of unit %(unit)s")
                        % {"number": person, "unit": _text(values["unit_code"])},
                    )
                )
            department = _text(values.get(DEPARTMENT_COLUMN))
            if department and department not in roster.departments:
                problems.append(
                    Problem(
                        source,
                        index + offset,
                        DEPARTMENT_COLUMN,
                        _("department %(code)s is not a department of unit %(unit)s")
                        % {"code": department, "unit": _text(values["unit_code"])},
                    )
                )
    return problems
