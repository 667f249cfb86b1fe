"""Unit rows from the outside world: a units CSV file, or the reference list of procuratorates.

Everything here is validation and conversion; `services.load_units` writes to the database.
A file with any problem is rejected whole, with every problem named by its line number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from grassroots.organisations.models import Level, UnitKind
from grassroots.reference.units import NATION_CODE

COLUMNS = (
    "code",
    "name_zh",
    "name_en",
    "level",
    "parent_code",
    "kind",
    "peer_group",
    "headcount",
    "procurators",
    "under_45_share",
)
REQUIRED_COLUMNS = ("code", "name_zh", "level", "parent_code")

# Six characters: the official division code (all digits), or a special unit (railway, forestry,
# development zone...) whose code keeps the 2-digit province prefix and uses capital letters or
# digits for the rest, e.g. "37T100" (see the catalogue of units in grassroots.reference).
CODE_RE = re.compile(r"^\d{2}[0-9A-Z]{4}$")
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class UnitRow:
    """One unit to create or update. None for a staff figure means "not given: leave as is"."""

    code: str
    name_zh: str
    level: str
    parent_code: str | None
    name_en: str = ""
    kind: str = UnitKind.REGULAR
    peer_group: str = ""
    headcount: int | None = None
    procurators: int | None = None
    under_45_share: Decimal | None = None


@dataclass(frozen=True)
class LineProblem:
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class UnitFileError(Exception):
    """The file was rejected; `problems` lists every problem found (up to MAX_PROBLEMS)."""

    def __init__(self, source: str, problems: Sequence[LineProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)")


def is_valid_code(code: str) -> bool:
    return bool(CODE_RE.match(code))


def read_unit_file(path: Path, *, existing_codes: Collection[str]) -> list[UnitRow]:
    """Parse and validate a units CSV (UTF-8, optional BOM). Raises UnitFileError."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_bytes().decode("gb18030")
        except UnicodeDecodeError:
            raise UnitFileError(
                str(path), [LineProblem(None, None, "not UTF-8 or GB18030 text")]
            ) from None
    return parse_unit_csv(text, source=str(path), existing_codes=existing_codes)


def parse_unit_csv(text: str, *, source: str, existing_codes: Collection[str]) -> list[UnitRow]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UnitFileError(
            source, [LineProblem(1, None, f"missing column(s): {', '.join(missing)}")]
        )
    reader.fieldnames = header
    problems: list[LineProblem] = []
    rows: list[tuple[int, UnitRow]] = []
    for raw in reader:
        line = reader.line_num
        row = _parse_row(raw, line, problems)
        if row is not None:
            rows.append((line, row))
    problems.extend(_check_codes_and_parents(rows, existing_codes))
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise UnitFileError(source, problems[:MAX_PROBLEMS])
    return [row for _, row in rows]


def _cell(raw: dict[str, Any], column: str) -> str:
    value = raw.get(column)
    return value.strip() if isinstance(value, str) else ""


def _parse_row(raw: dict[str, Any], line: int, problems: list[LineProblem]) -> UnitRow | None:
    before = len(problems)
    code = _cell(raw, "code")
    if not is_valid_code(code):
        problems.append(
            LineProblem(
                line,
                "code",
                f"{code!r} is not a unit code (6 digits, or "
                "2-digit province + 4 capitals/digits for a special unit)",
            )
        )
    name_zh = _cell(raw, "name_zh")
    if not name_zh:
        problems.append(LineProblem(line, "name_zh", "the Chinese name is empty"))
    level = _cell(raw, "level")
    if level not in Level.values:
        problems.append(
            LineProblem(line, "level", f"{level!r} is not a level ({', '.join(Level.values)})")
        )
    kind = _cell(raw, "kind") or UnitKind.REGULAR
    if kind not in UnitKind.values:
        problems.append(
            LineProblem(line, "kind", f"{kind!r} is not a kind ({', '.join(UnitKind.values)})")
        )
    parent_code = _check_place(code, level, _cell(raw, "parent_code") or None, line, problems)
    headcount = _count(raw, "headcount", line, problems)
    procurators = _count(raw, "procurators", line, problems)
    share = _share(raw, line, problems)
    if headcount is not None and procurators is not None and procurators > headcount:
        problems.append(
            LineProblem(
                line, "procurators", f"{procurators} procurators exceed the headcount {headcount}"
            )
        )
    if len(problems) > before:
        return None
    return UnitRow(
        code=code,
        name_zh=name_zh,
        name_en=_cell(raw, "name_en"),
        level=level,
        parent_code=parent_code,
        kind=kind,
        peer_group=_cell(raw, "peer_group"),
        headcount=headcount,
        procurators=procurators,
        under_45_share=share,
    )


def _check_place(
    code: str, level: str, parent_code: str | None, line: int, problems: list[LineProblem]
) -> str | None:
    """The row's parent code after the hierarchy's rules; a broken rule is added to problems.

    The nation is the one root; a province hangs under it (an empty parent means the nation,
    so a province's own file need not name it); cities and grassroots units hang under a
    province or a city, never directly under the nation.
    """
    if level == Level.NATION:
        if code != NATION_CODE:
            problems.append(
                LineProblem(line, "code", f"the national unit's code is {NATION_CODE}, not {code}")
            )
        if parent_code:
            problems.append(LineProblem(line, "parent_code", "the national unit has no parent"))
        return None
    if code == NATION_CODE:
        problems.append(
            LineProblem(line, "code", f"{NATION_CODE} is the national unit's code (level nation)")
        )
    if level == Level.PROVINCE:
        if parent_code not in (None, NATION_CODE):
            problems.append(
                LineProblem(
                    line,
                    "parent_code",
                    f"a provincial unit's parent is the nation ({NATION_CODE}), not {parent_code}",
                )
            )
        return NATION_CODE
    if level in (Level.CITY, Level.GRASSROOTS):
        if not parent_code:
            problems.append(LineProblem(line, "parent_code", f"a {level} unit needs a parent"))
        elif parent_code == NATION_CODE:
            problems.append(
                LineProblem(line, "parent_code", f"a {level} unit hangs under a province or a city")
            )
    return parent_code


def _count(raw: dict[str, Any], column: str, line: int, problems: list[LineProblem]) -> int | None:
    text = _cell(raw, column)
    if not text:
        return None
    if not text.isdigit():
        problems.append(LineProblem(line, column, f"{text!r} is not a whole number of people"))
        return None
    return int(text)


def _share(raw: dict[str, Any], line: int, problems: list[LineProblem]) -> Decimal | None:
    text = _cell(raw, "under_45_share")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(LineProblem(line, "under_45_share", f"{text!r} is not a number"))
        return None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        problems.append(LineProblem(line, "under_45_share", f"{text} is not a percentage (0-100)"))
        return None
    return value.quantize(Decimal("0.01"))


def _check_codes_and_parents(
    rows: Sequence[tuple[int, UnitRow]], existing_codes: Collection[str]
) -> list[LineProblem]:
    problems: list[LineProblem] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        if row.code in first_line:
            problems.append(
                LineProblem(
                    line,
                    "code",
                    f"duplicate code {row.code} (first on line {first_line[row.code]})",
                )
            )
        else:
            first_line[row.code] = line
    for line, row in rows:
        if (
            row.parent_code
            and row.parent_code != NATION_CODE  # the loader creates the nation when missing
            and row.parent_code not in first_line
            and row.parent_code not in existing_codes
        ):
            problems.append(LineProblem(line, "parent_code", f"unknown parent {row.parent_code}"))
        if row.parent_code == row.code:
            problems.append(LineProblem(line, "parent_code", "a unit cannot be its own parent"))
    return problems


def rows_from_reference(specs: Iterable[Any]) -> list[UnitRow]:
    """Convert grassroots.reference.units.UnitSpec objects (duck-typed) to rows."""
    return [
        UnitRow(
            code=str(spec.code),
            name_zh=str(spec.name_zh),
            name_en=str(spec.name_en or ""),
            level=str(spec.level),
            parent_code=(str(spec.parent_code) if spec.parent_code else None),
            kind=str(spec.kind or UnitKind.REGULAR),
            peer_group=str(spec.peer_group or ""),
        )
        for spec in specs
    ]


def reference_rows(provinces: Iterable[str] | None) -> list[UnitRow]:
    """The national unit and the official procuratorates of these provinces (all when None)."""
    from grassroots.reference.units import procuratorate_units

    wanted = list(provinces) if provinces is not None else None
    return rows_from_reference(procuratorate_units(wanted, with_nation=True))


def national_row() -> UnitRow:
    """The national unit, the root above the provinces."""
    from grassroots.reference.units import NATIONAL_UNIT

    return rows_from_reference([NATIONAL_UNIT])[0]
