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

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from grassroots.engine.caseformat import TABLES, Table
from grassroots.engine.errors import MAX_PROBLEMS, InputError, Problem, raise_if_any
from grassroots.engine.inputs import (
    Field,
    RawTable,
    _conditions,
    _text,
    check_header,
    find_file,
    ident,
    open_raw,
    quick_check,
    quote,
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
    typed: str | None = None  # with select_sql: the typed SELECT list over the file's columns

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
    with duckdb.connect() as con:
        return _read_cases(con, folder, units)


def read_many_cases(
    folders: Sequence[Path], *, units: Collection[str] | None = None
) -> list[CaseTables]:
    """`read_cases` of each folder, in order, over one DuckDB connection.

    Opening a DuckDB connection costs ~18 ms of CPU: a province run from intake reads 138
    per-unit versions, 2.5 s of connections alone when each had its own. Stored versions
    (typed Parquet) are checked together: one pass per table over every file of the same
    stored schema (``_check_together``), not a dozen small queries per file. Only when that
    pass finds something wrong is each folder read on its own, so the problems raised are
    exactly ``read_cases``'s for the first folder that has any."""
    paths = [Path(folder) for folder in folders]
    with duckdb.connect() as con:
        together = _check_together(con, paths, units)
        if together is not None:
            return together
        return [_read_cases(con, folder, units) for folder in paths]


def _check_together(
    con: duckdb.DuckDBPyConnection, folders: Sequence[Path], units: Collection[str] | None
) -> list[CaseTables] | None:
    """The folders' case tables when every file is Parquet and none has a problem, found with
    one pass per table and stored schema; None when any needs ``_read_cases`` (a CSV, a
    folder without tables, an unreadable file, a problem to name)."""
    found = [{name: _find(folder, name) for name in TABLES} for folder in folders]
    if len(folders) < 2 or any(
        not any(f.values()) or any(p is not None and p.suffix != ".parquet" for p in f.values())
        for f in found
    ):
        return None
    if units is not None:
        con.register("_known_units", pa.table({"v": pa.array(sorted(units), pa.string())}))
    tables: list[dict[str, CaseTable]] = [{} for _ in folders]
    try:
        for name, spec in TABLES.items():
            files = {str(f[name]): i for i, f in enumerate(found) if f[name] is not None}
            groups = _same_schema(con, list(files))
            if groups is None:
                return None
            for group in groups:
                checked = _check_files(con, spec, [Path(g) for g in group], units)
                if checked is None:
                    return None
                for path, table in zip(group, checked, strict=True):
                    tables[files[path]][name] = table
    except duckdb.Error:
        return None  # a damaged file: `_read_cases` names it
    finally:
        if units is not None:
            con.unregister("_known_units")
    return [
        CaseTables(folder, {n: t[n] for n in TABLES if n in t})
        for folder, t in zip(folders, tables, strict=True)
    ]


def _same_schema(con: duckdb.DuckDBPyConnection, files: list[str]) -> list[list[str]] | None:
    """The files grouped by their stored schema (column names, types and order), in order;
    None if DuckDB named a file otherwise than it was given."""
    if not files:
        return []
    rows = con.execute(
        "SELECT file_name, string_agg(concat_ws(' ', name, duckdb_type, num_children), ';' "
        "ORDER BY column_id) FROM parquet_schema(?) GROUP BY file_name",
        [files],
    ).fetchall()
    schema = {str(f): str(s) for f, s in rows}
    if set(schema) != set(files):
        return None
    groups: dict[str, list[str]] = {}
    for f in files:
        groups.setdefault(schema[f], []).append(f)
    return list(groups.values())


def _check_files(
    con: duckdb.DuckDBPyConnection, spec: Table, paths: list[Path], units: Collection[str] | None
) -> list[CaseTable] | None:
    """Each file's CaseTable, as ``_read_table`` makes it, when none of the files (all of one
    stored schema) has a problem ``validate`` would report; else None. One scan of them all:
    the bad values and unknown units of ``check_values`` / ``check_members``, and the keys
    repeated within a file (``check_duplicates``), counted per file."""
    raw = open_raw(con, paths[0], f"raw_{spec.name}")  # the schema all of them share
    fields = [Field.of(c) for c in spec.columns.values()]
    if check_header(raw, fields):
        return None
    bad = [
        condition
        for f in fields
        if f.name in raw.types
        for condition, _ in _conditions(f, raw.types[f.name])
    ]
    if units is not None and "unit_code" in raw.types:
        v = _text("unit_code", raw.types["unit_code"])
        bad.append(f"{v} IS NOT NULL AND {v} NOT IN (SELECT v FROM _known_units)")
    flag = " OR ".join(f"coalesce({c}, false)" for c in bad) or "false"
    listed = "[" + ", ".join(quote(str(p)) for p in paths) + "]"
    if all(k in raw.types for k in spec.key):  # else no key to repeat: each row is its own
        source, keys = f"read_parquet({listed}, filename = '__file')", spec.key
    else:
        source = f"read_parquet({listed}, filename = '__file', file_row_number = true)"
        keys = ("file_row_number",)
    per_key = ", ".join(ident(k) for k in keys)
    counts = con.execute(
        f"SELECT __file, sum(n), max(n), bool_or(bad) FROM (SELECT __file, count(*) AS n, "
        f"bool_or({flag}) AS bad FROM {source} GROUP BY __file, {per_key}) GROUP BY __file"
    ).fetchall()
    rows: dict[str, int] = {}
    for file, n, most, wrong in counts:
        if wrong or most > 1:
            return None
        rows[str(file)] = int(n)
    if not set(rows) <= {str(p) for p in paths}:
        return None  # files named otherwise than given: each is read alone
    present = frozenset(raw.types)
    typed = typed_select(raw, fields)  # the same for every file of the schema: made once
    return [
        CaseTable(
            spec.name,
            path,
            present,
            rows.get(str(path), 0),
            select_sql=f"SELECT {typed} FROM read_parquet('{_escape(path.resolve())}')",
            typed=typed,
        )
        for path in paths
    ]


def _read_cases(
    con: duckdb.DuckDBPyConnection, folder: Path, units: Collection[str] | None
) -> CaseTables:
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
    # One pass proves a good file good; only a file with problems is checked check by check.
    header = check_header(raw, fields)
    parquet = path if path.suffix == ".parquet" else None
    rows = (
        None
        if header
        else quick_check(con, raw, fields, key=spec.key, members=members, parquet=parquet)
    )
    if rows is None:
        problems = validate(con, raw, fields, key=spec.key, members=members)
        if problems:
            return None, problems
        rows = int(con.execute(f"SELECT count(*) FROM {ident(raw.view)}").fetchall()[0][0])
    select = f"SELECT {typed_select(raw, fields)} FROM {ident(raw.view)}"
    present = frozenset(raw.types)
    if path.suffix == ".parquet":
        source = f"read_parquet('{_escape(path.resolve())}')"
        return CaseTable(
            spec.name,
            path,
            present,
            rows,
            select_sql=_in_place(raw, fields, source),
            typed=typed_select(raw, fields),
        ), []
    return CaseTable(spec.name, path, present, rows, arrow=con.sql(select).to_arrow_table()), []


def _escape(path: Path) -> str:
    return str(path).replace("'", "''")


def _in_place(raw: RawTable, fields: list[Field], source: str) -> str:
    """The typed SELECT straight over the Parquet file, so DuckDB (or Spark) can push the
    projection and date filter into the scan instead of reading a copy."""
    return f"SELECT {typed_select(raw, fields)} FROM {source}"


def union_cases(parts: Sequence[tuple[CaseTables, Collection[str]]]) -> CaseTables:
    """The rows of several uploads' case tables as one set, each part limited to its units.

    ``parts`` are in upload order (a unit's earlier quarters first). A row whose key (the
    table's key: ``unit_code, case_id, person_id`` for persons, ...) is in several parts is
    taken once, from the last part that has it: the newest upload describes the case as it now
    stands, and counting it once is what makes distinct counts over a long period right. A
    table is present when any part has it; a column counts as present only when every part
    holding the table has it (an element needing a column one upload lacks stays absent rather
    than undercounted). Parts whose units are disjoint (a province's quarter, one version per
    unit) cannot share a key, which starts with ``unit_code``: their rows are simply appended.

    >>> import tempfile, pathlib
    >>> a, b = pathlib.Path(tempfile.mkdtemp()), pathlib.Path(tempfile.mkdtemp())
    >>> head = "unit_code,event_id,case_id,event_type,event_date\\n"
    >>> _ = (a / "events.csv").write_text(head + "410100,e1,c1,protest,2024-02-01\\n")
    >>> _ = (b / "events.csv").write_text(head + "410100,e1,c1,protest,2024-02-01\\n"
    ...     "410100,e2,c1,protest,2024-08-01\\n")
    >>> union_cases([(read_cases(a), {"410100"}), (read_cases(b), {"410100"})]).tables["events"].rows
    2
    """
    if not parts:
        raise ValueError("union_cases needs at least one part")
    names = sorted({name for cases, _ in parts for name in cases.tables})
    # Parts of different units (a province's quarter: one version per unit) share no row.
    disjoint = sum(len(set(codes)) for _, codes in parts) == len(
        set().union(*(set(codes) for _, codes in parts))
    )
    tables: dict[str, CaseTable] = {}
    with duckdb.connect() as con:
        for name in names:
            holding = [
                (i, cases.tables[name], codes)
                for i, (cases, codes) in enumerate(parts)
                if name in cases.tables
            ]
            spec = TABLES.get(name)
            plain = disjoint and spec is not None  # every key starts with unit_code
            files = _single_files(holding) if plain else None
            if files is not None and spec is not None:
                # Stored versions of one typed shape: one scan of their files, each file's
                # rows limited to its part's units; the same rows in the same (key) order.
                con.register(
                    "_part_units",
                    pa.table(
                        {
                            "__file": pa.array([f for f, c in files for _ in c], pa.string()),
                            "unit_code": pa.array([u for _, c in files for u in c], pa.string()),
                        }
                    ),
                )
                listed = "[" + ", ".join(quote(f) for f, _ in files) + "]"
                key = ", ".join(ident(c) for c in spec.key)
                arrow = con.sql(
                    f"SELECT {holding[0][1].typed} FROM read_parquet({listed}, filename = "
                    "'__file', union_by_name = true) SEMI JOIN _part_units USING (__file, "
                    f"unit_code) ORDER BY {key}"
                ).to_arrow_table()
                con.unregister("_part_units")
                present = frozenset.intersection(*(table.present for _, table, _ in holding))
                tables[name] = CaseTable(
                    name, holding[-1][1].path, present, arrow.num_rows, arrow=arrow
                )
                continue
            selects = []
            for i, table, codes in holding:
                view = table.register(con, f"part{i}_{name}")
                wanted = ", ".join(quote(c) for c in sorted(codes)) or "NULL"
                part = "" if plain else f", {i} AS __part"
                selects.append(f"SELECT *{part} FROM {ident(view)} WHERE unit_code IN ({wanted})")
            key = ", ".join(ident(c) for c in spec.key) if spec is not None else "1"
            rows = " UNION ALL BY NAME ".join(selects)
            query = (
                f"SELECT * FROM ({rows}) ORDER BY {key}"
                if plain  # no key can be in two parts: nothing to drop
                else f"SELECT * EXCLUDE (__part) FROM ({rows}) "
                f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY __part DESC) = 1 "
                f"ORDER BY {key}"
            )
            arrow = con.sql(query).to_arrow_table()
            present = frozenset.intersection(*(table.present for _, table, _ in holding))
            tables[name] = CaseTable(
                name, holding[-1][1].path, present, arrow.num_rows, arrow=arrow
            )
    return CaseTables(parts[-1][0].folder, tables)


def _single_files(
    holding: Sequence[tuple[int, CaseTable, Collection[str]]],
) -> list[tuple[str, list[str]]] | None:
    """(file, its part's units) of each part, when every part is one Parquet file read in
    place with the same typed SELECT (``_in_place``); else None."""
    typed = holding[0][1].typed
    head, tail = f"SELECT {typed} FROM read_parquet('", "')"
    files = []
    for _, table, codes in holding:
        sql = table.select_sql or ""
        if table.arrow is not None or table.typed != typed or not sql.startswith(head):
            return None
        path = sql[len(head) :]
        if not path.endswith(tail) or "'" in path[: -len(tail)].replace("''", ""):
            return None
        files.append((path[: -len(tail)].replace("''", "'"), sorted(codes)))
    return files


# ---- writing and counting case tables (intake's storage, the pairing's caseloads) -----------


def write_parquet(cases: CaseTables, folder: Path) -> dict[str, int]:
    """Write each checked table as typed Parquet into ``folder``; its row count per table."""
    counts: dict[str, int] = {}
    with duckdb.connect() as con:
        for name, table in sorted(cases.tables.items()):
            view = table.register(con, f"typed_{name}")
            _copy(con, f"SELECT * FROM {ident(view)}", folder / f"{name}.parquet")
            counts[name] = table.rows
    return counts


def files_checksum(files: Iterable[tuple[str, Iterable[bytes | memoryview]]]) -> str:
    """The SHA-256 recorded for a stored case folder: each file's name, a NUL byte, then its
    bytes (given in chunks), the files in name order (the caller gives them so). A data
    version's files are checked against it (``intake.integrity.checksum_of``), and a bulk
    import hashes its files with it as it writes them."""
    digest = hashlib.sha256()
    for name, chunks in files:
        digest.update(name.encode() + b"\0")
        for chunk in chunks:
            digest.update(chunk)
    return digest.hexdigest()


def write_units_parquet(
    cases: CaseTables, codes: Sequence[str], folder_of: Callable[[str], Path]
) -> dict[str, dict[str, int]]:
    """Each unit's rows of each table as typed Parquet in ``folder_of(code)`` (which must
    exist), in key order, so the same records give the same bytes; row counts per unit and table.
    """
    counts: dict[str, dict[str, int]] = {}
    with duckdb.connect() as con:
        views = {name: table.register(con, f"split_{name}") for name, table in cases.tables.items()}
        for code in codes:
            counts[code] = {}
            for name, view in sorted(views.items()):
                order = ", ".join(ident(c) for c in TABLES[name].key) if name in TABLES else "1"
                where = f"FROM {ident(view)} WHERE unit_code = {quote(code)}"
                _copy(
                    con, f"SELECT * {where} ORDER BY {order}", folder_of(code) / f"{name}.parquet"
                )
                found = con.execute(f"SELECT count(*) {where}").fetchone()
                counts[code][name] = int(found[0]) if found else 0
    return counts


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    con.execute(f"COPY ({query}) TO '{_escape(target)}' (FORMAT parquet)")


def caseloads(folders: Path | Mapping[Path, Collection[str]]) -> pd.DataFrame:
    """Persons handled per unit (``unit_code, caseload``): the size measure pairing compares.

    ``folders`` is one case-record folder (every unit's rows in its ``persons*.parquet``), or
    several folders each with the units to count in it (a unit's own upload can replace its
    rows in a city-wide one, so each row is counted for one folder only).
    """
    con = duckdb.connect()
    try:
        if isinstance(folders, Path):
            return con.execute(
                "select unit_code, count(*)::double as caseload from read_parquet(?) group by 1",
                [str(folders / "persons*.parquet")],
            ).df()
        frames = [
            con.execute(
                "select unit_code, count(*)::double as caseload from read_parquet(?) "
                "where unit_code in (select unnest(?)) group by 1",
                [str(folder / "persons*.parquet"), list(codes)],
            ).df()
            for folder, codes in folders.items()
        ]
    finally:
        con.close()
    if not frames:
        return pd.DataFrame(columns=["unit_code", "caseload"])
    return pd.concat(frames, ignore_index=True).groupby("unit_code", as_index=False).sum()
