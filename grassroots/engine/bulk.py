"""One export covering many units split into one typed case folder per unit, in one pass.

A province's or the nation's case-system export holds every unit's rows for a period. Each
table file (CSV or Parquet) is read by DuckDB once, into a temporary table (spilling to disk
when it does not fit in memory); every check of :mod:`grassroots.engine.cases` then runs over
that table with the problems *grouped by unit*: a unit with a bad row is refused as a whole
(all-or-nothing per unit) while the other units go on. The accepted units' typed rows are
written by one partitioned ``COPY`` per table (``PARTITION_BY (unit_code)``), so each unit gets
its own ``<unit>/<table>.parquet`` (in key order, like ``write_units_parquet``), readable
together as one case set (``BulkSplit.cases_for``) for computing element values.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "events.csv").write_text("unit_code,event_id,case_id,event_type,event_date\\n"
...     "410100,e1,c1,protest,2024-07-01\\n410200,e2,c2,protest,2024-13-01\\n")
>>> split = split_by_unit({"events": folder / "events.csv"}, folder / "out", units={"410100", "410200"})
>>> sorted(split.units), [str(p) for p in split.refused["410200"]]
(['410100'], ["events.csv row 3, column event_date: '2024-13-01' is not a date (expected YYYY-MM-DD)"])
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from grassroots.engine.caseformat import TABLES
from grassroots.engine.cases import CaseTable, CaseTables
from grassroots.engine.errors import InputError, Problem, raise_if_any
from grassroots.engine.inputs import (
    Field,
    RawTable,
    _conditions,
    _text,
    check_header,
    ident,
    open_raw,
    quote,
    typed_select,
)

_TYPED = "_typed_"  # the held typed rows of the accepted units: _typed_<table>
NO_UNIT = ""  # the key of rows without a unit code in ``BulkSplit.refused``
PER_UNIT = 20  # problems listed per refused unit (the count says how many more)


@dataclass
class BulkSplit:
    """``units``: accepted unit -> table -> rows, each in ``folder/<unit>/<table>.parquet``;
    ``refused``: unit -> its problems (file, row, column); ``cases_for(codes)``: some accepted
    units' rows as one case set (typed Parquet read in place)."""

    folder: Path
    units: dict[str, dict[str, int]] = field(default_factory=dict)
    refused: dict[str, list[Problem]] = field(default_factory=dict)
    rows: int = 0

    present: dict[str, frozenset[str]] = field(default_factory=dict)  # table -> its columns
    computed: object = None  # what ``split_by_unit``'s ``compute`` returned

    def unit_folder(self, code: str) -> Path:
        return self.folder / f"unit_code={code}"  # the partitioned COPY's folder of the unit

    def cases_for(self, codes: Collection[str]) -> CaseTables:
        """The typed rows of these accepted units as one case set (their files read in place)."""
        tables = {}
        for name, present in self.present.items():
            files = [str(self.unit_folder(c) / f"{name}.parquet") for c in sorted(codes)]
            listed = ", ".join(quote(f) for f in files)
            tables[name] = CaseTable(
                name,
                self.folder / "unit_code=*" / f"{name}.parquet",
                present,
                sum(self.units[c][name] for c in codes),
                select_sql=f"SELECT * FROM read_parquet([{listed}])",
                typed="*",
            )
        return CaseTables(self.folder, tables)


def split_by_unit(
    files: Mapping[str, Path],
    out: Path,
    *,
    units: Collection[str],
    roster: pd.DataFrame | None = None,
    per_unit: int = PER_UNIT,
    compute: Compute | None = None,
) -> BulkSplit:
    """Check and split the case tables ``files`` (table name -> file) into ``out``.

    ``units``: the unit codes rows may belong to (any other unit's rows refuse that unit).
    ``roster``: ``unit_code, staff_id, department`` of the units that have a roster; rows
    naming a person or department outside it refuse their unit. A problem of the file itself
    (unreadable, unknown or missing column) refuses everything: InputError, nothing written.
    ``compute(cases_for, con, accepted)``: called once the units are written, while the checked rows are
    still held, with ``cases_for(codes)`` giving some accepted units' typed rows as a case set
    on ``con`` (element values from the rows in hand, not read back from thousands of small
    files); its result is ``BulkSplit.computed``.
    """
    out.mkdir(parents=True, exist_ok=True)
    split = BulkSplit(out / "units")
    refused: dict[str, list[Problem]] = defaultdict(list)
    with duckdb.connect() as con:
        con.execute(f"SET temp_directory = {quote(str(out / '.spill'))}")
        con.execute("SET preserve_insertion_order = true")
        con.register("_known_units", pa.table({"v": pa.array(sorted(units), pa.string())}))
        if roster is not None:
            con.register(
                "_roster", pa.Table.from_pandas(roster.astype("string"), preserve_index=False)
            )
        raws: dict[str, RawTable] = {}
        fatal: list[Problem] = []
        for name, path in sorted(files.items()):
            raw = _load(con, path, f"raw_{name}")
            fields = [Field.of(c) for c in TABLES[name].columns.values()]
            header = check_header(raw, fields)
            if header or "unit_code" not in raw.types:
                fatal += header
                continue
            raws[name] = raw
            for code, problem in _problems(con, raw, name, fields, per_unit, roster is not None):
                refused[code].append(problem)
        raise_if_any(fatal)
        present: set[str] = set()
        for raw in raws.values():
            unit = _text("unit_code", raw.types["unit_code"])
            rows = con.execute(
                f"SELECT {unit}, count(*) FROM {ident(raw.view)} GROUP BY 1"
            ).fetchall()
            split.rows += sum(int(n) for _, n in rows)
            present |= {str(code) for code, _ in rows if code is not None}
        accepted = sorted((present & set(units)) - set(refused))
        con.register("_accepted", pa.table({"v": pa.array(accepted, pa.string())}))
        split.units = {code: {} for code in accepted}
        for name, raw in raws.items():
            counts = _write(con, raw, name, out, split)
            for code in accepted:
                split.units[code][name] = counts.get(code, 0)
            split.present[name] = frozenset(raw.types)
        if compute is not None and accepted:
            split.computed = compute(partial(_held_cases, con, raws, split), con, accepted)
    shutil.rmtree(out / ".spill", ignore_errors=True)
    split.refused = dict(sorted(refused.items()))
    return split


Compute = Callable[
    [Callable[[Collection[str]], CaseTables], duckdb.DuckDBPyConnection, list[str]], object
]


def _held_cases(
    con: duckdb.DuckDBPyConnection,
    raws: Mapping[str, RawTable],
    split: BulkSplit,
    codes: Collection[str],
) -> CaseTables:
    """The typed rows of the accepted units ``codes`` from the held tables, as a case set on
    ``con`` (the same typed SELECT the written files got)."""
    chosen = sorted(codes)
    name = f"_codes_{len(chosen)}_{abs(hash(tuple(chosen)))}"
    con.register(name, pa.table({"v": pa.array(chosen, pa.string())}))
    tables = {}
    for table, raw in raws.items():
        tables[table] = CaseTable(
            table,
            split.folder / "unit_code=*" / f"{table}.parquet",
            frozenset(raw.types),
            sum(split.units[c][table] for c in chosen),
            select_sql=f"SELECT * FROM {ident(_TYPED + table)} "
            f"WHERE unit_code IN (SELECT v FROM {name})",
        )
    return CaseTables(split.folder, tables)


def _load(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> RawTable:
    """The file read once: CSV into a temporary table (``open_raw`` does that), Parquet too."""
    raw = open_raw(con, path, view)
    if path.suffix.lower() == ".parquet":
        con.execute(f"CREATE TEMP TABLE {ident(view + '_held')} AS SELECT * FROM {ident(view)}")
        return RawTable(raw.label, view + "_held", raw.types, raw.sheet)
    return raw


def _problems(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    name: str,
    fields: list[Field],
    per_unit: int,
    roster: bool,
) -> list[tuple[str, Problem]]:
    """(unit, problem) for every refused row, at most ``per_unit`` per unit and check kind."""
    unit = _text("unit_code", raw.types["unit_code"])
    found: list[tuple[str, Problem]] = []
    checks = [
        (f.name, condition, message)
        for f in fields
        if f.name in raw.types
        for condition, message in _conditions(f, raw.types[f.name])
    ]
    if checks:
        flags = ", ".join(
            f"CASE WHEN {condition} THEN coalesce({_text(n, raw.types[n])}, '') END AS c{i}"
            for i, (n, condition, _) in enumerate(checks)
        )
        where = " OR ".join(f"coalesce({condition}, false)" for _, condition, _ in checks)
        rows = con.execute(
            f"SELECT {unit} AS u, _row, count(*) OVER (PARTITION BY {unit}) AS bad, {flags} "
            f"FROM {ident(raw.view)} WHERE {where} "
            f"QUALIFY row_number() OVER (PARTITION BY {unit} ORDER BY _row) <= {per_unit} "
            "ORDER BY u, _row"
        ).fetchall()
        for row in rows:
            code = str(row[0]) if row[0] is not None else NO_UNIT
            for (column, _, message), value in zip(checks, row[3:], strict=True):
                if value is not None:
                    found.append(
                        (code, raw.problem(int(row[1]), column, message.replace("{v}", str(value))))
                    )
    # Rows of units the importer may not import for (or that do not exist).
    for code, first, count in con.execute(
        f"SELECT {unit}, min(_row), count(*) FROM {ident(raw.view)} WHERE {unit} IS NOT NULL "
        f"AND {unit} NOT IN (SELECT v FROM _known_units) GROUP BY 1 ORDER BY 2"
    ).fetchall():
        more = f" ({count - 1} more rows)" if count > 1 else ""
        found.append(
            (str(code), raw.problem(int(first), "unit_code", f"unknown unit code '{code}'{more}"))
        )
    found += _duplicates(con, raw, name, per_unit)
    if roster:
        found += _roster(con, raw, name, per_unit)
    return found


def _duplicates(
    con: duckdb.DuckDBPyConnection, raw: RawTable, name: str, per_unit: int
) -> list[tuple[str, Problem]]:
    key = TABLES[name].key
    if not all(k in raw.types for k in key):
        return []
    cols = ", ".join(f"{_text(k, raw.types[k])} AS k{i}" for i, k in enumerate(key))
    keys = ", ".join(f"k{i}" for i in range(len(key)))
    rows = con.execute(
        f"SELECT * FROM (SELECT {keys}, list(_row ORDER BY _row) AS seen FROM (SELECT {cols}, "
        f"_row FROM {ident(raw.view)}) GROUP BY {keys} HAVING count(*) > 1) "
        f"QUALIFY row_number() OVER (PARTITION BY k0 ORDER BY seen[1]) <= {per_unit}"
    ).fetchall()
    names = ", ".join(key)
    found = []
    for row in rows:
        values, at = row[: len(key)], row[len(key)]
        for repeat in at[1:]:
            message = (
                f"duplicate key ({names}) = ({', '.join(str(v) for v in values)}), "
                f"first at row {at[0]}"
            )
            code = str(values[0]) if values[0] is not None else NO_UNIT
            found.append((code, raw.problem(int(repeat), key[-1], message)))
    return found


def _roster(
    con: duckdb.DuckDBPyConnection, raw: RawTable, name: str, per_unit: int
) -> list[tuple[str, Problem]]:
    """The engine's roster check (``roster.handler_problems``), by unit and with file rows."""
    unit = _text("unit_code", raw.types["unit_code"])
    found = []
    for column, what, wanted in (
        ("prosecutor_id", "staff number", "staff_id"),
        ("department", "department", "department"),
    ):
        if column not in raw.types:
            continue
        value = _text(column, raw.types[column])
        rows = con.execute(
            f"SELECT {unit} AS u, _row, {value} FROM {ident(raw.view)} AS c "
            f"WHERE {value} IS NOT NULL AND {unit} IN (SELECT unit_code FROM _roster) "
            f"AND NOT EXISTS (SELECT 1 FROM _roster r WHERE r.unit_code = {unit} "
            f"AND r.{wanted} = {value}) "
            f"QUALIFY row_number() OVER (PARTITION BY u ORDER BY _row) <= {per_unit} "
            "ORDER BY u, _row"
        ).fetchall()
        found += [
            (
                str(code),
                raw.problem(int(row), column, f"{what} {v!r} is not in the roster of unit {code}"),
            )
            for code, row, v in rows
        ]
    return found


def _write(
    con: duckdb.DuckDBPyConnection, raw: RawTable, name: str, out: Path, split: BulkSplit
) -> dict[str, int]:
    """One partitioned COPY of the accepted units' typed rows; each partition then moved to
    ``<unit>/<name>.parquet`` (an empty typed file for a unit without rows in this table)."""
    fields = [Field.of(c) for c in TABLES[name].columns.values()]
    unit = _text("unit_code", raw.types["unit_code"])
    typed = f"SELECT {typed_select(raw, fields)} FROM {ident(raw.view)}"
    order = ", ".join(ident(k) for k in TABLES[name].key)
    split.folder.mkdir(exist_ok=True)
    # Every table into the same unit folders (unit_code=<code>/<name>_0.parquet): no per-table
    # folders to create and remove again, which costs more than the rows on a slow file system.
    # The accepted units' typed rows are held too: the element values are computed from them.
    con.execute(
        f"CREATE TEMP TABLE {ident(_TYPED + name)} AS {typed} "
        f"WHERE {unit} IN (SELECT v FROM _accepted)"
    )
    con.execute(
        f"COPY (SELECT * FROM {ident(_TYPED + name)} ORDER BY {order}) "
        f"TO {quote(str(split.folder))} (FORMAT parquet, PARTITION_BY (unit_code), "
        f"WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN '{name}_{{i}}', OVERWRITE_OR_IGNORE true)"
    )
    empty = out / f".empty-{name}.parquet"
    con.execute(f"COPY ({typed} LIMIT 0) TO {quote(str(empty))} (FORMAT parquet)")
    counts: dict[str, int] = {}
    for code in split.units:
        target = split.unit_folder(code)
        written = target / f"{name}_0.parquet"
        if (target / f"{name}_1.parquet").exists():
            raise InputError([Problem(name, None, None, f"unit {code}: split into several files")])
        if written.exists():
            written.rename(target / f"{name}.parquet")
        else:
            target.mkdir(exist_ok=True)
            shutil.copyfile(empty, target / f"{name}.parquet")
    for code, n in con.execute(
        f"SELECT unit_code, count(*) FROM {ident(_TYPED + name)} GROUP BY 1"
    ).fetchall():
        counts[str(code)] = int(n)
    empty.unlink(missing_ok=True)
    return counts
