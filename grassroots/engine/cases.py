"""Case records: find, check and expose the persons / events / matters tables.

``read_cases(folder)`` looks for ``persons``, ``events`` and ``matters`` as ``.parquet`` or
``.csv`` (UTF-8 with or without BOM, else GB18030) and checks them with DuckDB SQL: unknown and
missing columns, dates (YYYY-MM-DD), yes/no values, category values, duplicate keys, unknown
unit codes and negative counts. Every problem is reported at once as an InputError.

A Parquet file with the right stored types is read in place by ``compute`` (``read_parquet``);
anything that needed converting (CSV, text dates) is held as a typed Arrow table.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "events.csv").write_text(
...     "unit_code,event_id,case_id,event_type,event_date\\n410100,e1,c1,protest,2024-07-01\\n")
>>> cases = read_cases(folder)
>>> sorted(cases.tables), cases.tables["events"].rows
(['events'], 1)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from grassroots.engine.caseformat import TABLES, Table
from grassroots.engine.errors import MAX_PROBLEMS, InputError, Problem, raise_if_any
from grassroots.engine.inputs import (
    Field,
    RawTable,
    find_file,
    ident,
    open_raw,
    typed_select,
    validate,
)

CASE_SUFFIXES = (".parquet", ".csv")


@dataclass(frozen=True)
class CaseTable:
    name: str
    path: Path
    present: frozenset[str]  # columns the file has; the others read as NULL
    rows: int
    select_sql: str | None = None  # typed SELECT over read_parquet, when the file is used in place
    arrow: pa.Table | None = None  # typed data, when the file had to be converted

    def register(self, con: duckdb.DuckDBPyConnection, view: str | None = None) -> str:
        """Make the typed table available as ``view`` (default: the table name) on ``con``."""
        view = view or self.name
        if self.arrow is not None:
            con.register(f"{view}__arrow", self.arrow)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS SELECT * FROM {ident(view + '__arrow')}"
            )
        else:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS {self.select_sql}")
        return view


@dataclass(frozen=True)
class CaseTables:
    folder: Path
    tables: dict[str, CaseTable] = field(default_factory=dict)

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        for table in self.tables.values():
            table.register(con)

    def __contains__(self, name: object) -> bool:
        return name in self.tables


def read_cases(folder: Path, *, units: Collection[str] | None = None) -> CaseTables:
    """Find and check the case tables in ``folder``; raise InputError listing every problem.

    ``units``: the known unit codes; a row of another unit is a problem."""
    folder = Path(folder)
    paths = {name: _find(folder, name) for name in TABLES}
    found = {name: path for name, path in paths.items() if path is not None}
    if not found:
        raise InputError(
            [
                Problem(
                    str(folder), None, None, "no persons, events or matters file (.parquet or .csv)"
                )
            ]
        )
    problems: list[Problem] = []
    tables: dict[str, CaseTable] = {}
    with duckdb.connect() as con:
        for name, path in found.items():
            table, found_problems = _read_table(con, TABLES[name], path, units)
            problems += found_problems
            if table is not None:
                tables[name] = table
    raise_if_any(problems[:MAX_PROBLEMS])
    return CaseTables(folder, tables)


def _find(folder: Path, name: str) -> Path | None:
    path = find_file(folder, name)
    return path if path is not None and path.suffix in CASE_SUFFIXES else None


def _read_table(
    con: duckdb.DuckDBPyConnection, spec: Table, path: Path, units: Collection[str] | None
) -> tuple[CaseTable | None, list[Problem]]:
    raw = open_raw(con, path, f"raw_{spec.name}")
    fields = [Field.of(c) for c in spec.columns.values()]
    members = [("unit_code", units, "unit code")] if units is not None else []
    problems = validate(con, raw, fields, key=spec.key, members=members)
    if problems:
        return None, problems
    select = f"SELECT {typed_select(raw, fields)} FROM {ident(raw.view)}"
    rows = int(con.execute(f"SELECT count(*) FROM {ident(raw.view)}").fetchall()[0][0])
    present = frozenset(raw.types)
    if path.suffix == ".parquet":
        source = f"read_parquet('{_escape(path.resolve())}')"
        return CaseTable(
            spec.name, path, present, rows, select_sql=_in_place(raw, fields, source)
        ), []
    return CaseTable(spec.name, path, present, rows, arrow=con.sql(select).to_arrow_table()), []


def _escape(path: Path) -> str:
    return str(path).replace("'", "''")


def _in_place(raw: RawTable, fields: list[Field], source: str) -> str:
    """The typed SELECT straight over the Parquet file, so DuckDB (or Spark) can push the
    projection and date filter into the scan instead of reading a copy."""
    return f"SELECT {typed_select(raw, fields)} FROM {source}"
