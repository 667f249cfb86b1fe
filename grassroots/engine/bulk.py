"""One export covering many units split into one typed case folder per unit, in one pass.

A province's or the nation's case-system export holds every unit's rows for a period. Each
table file (CSV or Parquet) is read by DuckDB once, straight into its typed rows, held in
memory as an Arrow table, with a flag on each row that fails a value check of
:mod:`grassroots.engine.cases`. A CSV is parsed with its types by DuckDB's own reader (dates by
the reader, the text trimmed); when that parse fails anywhere, the file is read as text instead
and every value cast with the checks. The other checks (repeated keys, unknown units, rosters)
run over the typed rows, and only when some row is flagged is the file read again as text, to
name each bad value. An export already in key order (as case systems write them) has no
repeated key exactly when each row's key is greater than the one before: one comparison of
neighbours, instead of grouping millions of keys. The problems are *grouped by unit*: a unit
with a bad row is refused as a whole (all-or-nothing per unit) while the other units go on.

The accepted units' rows, in key order (sorted only when the file was not), are cut into one
slice per unit, and each slice written as ``<unit>/<table>.parquet`` by Arrow's Parquet writer on
as many threads as DuckDB has: the same bytes on every run (a unit's checksum depends on its
rows alone), hashed as they are written (``BulkSplit.checksums``: the SHA-256 the intake records
for a version's folder, without reading thousands of files back). The held rows serve the
element values too (``compute``), read by DuckDB in place.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "events.csv").write_text("unit_code,event_id,case_id,event_type,event_date\\n"
...     "410100,e1,c1,protest,2024-07-01\\n410200,e2,c2,protest,2024-13-01\\n")
>>> split = split_by_unit({"events": folder / "events.csv"}, folder / "out", units={"410100", "410200"})
>>> sorted(split.units), [str(p) for p in split.refused["410200"]]
(['410100'], ["events.csv row 3, column event_date: '2024-13-01' is not a date (expected YYYY-MM-DD)"])
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from grassroots.engine.caseformat import TABLES
from grassroots.engine.cases import CaseTable, CaseTables, files_checksum
from grassroots.engine.errors import Problem, raise_if_any
from grassroots.engine.inputs import (
    Field,
    RawTable,
    _conditions,
    _described,
    _text,
    any_bad,
    check_header,
    detect_encoding,
    ident,
    open_raw,
    quote,
    typed_select,
    utf8_copy,
)

_TYPED = "_typed_"  # the held typed rows of the accepted units: _typed_<table>
NO_UNIT = ""  # the key of rows without a unit code in ``BulkSplit.refused``
PER_UNIT = 20  # problems listed per refused unit (the count says how many more)
# Part of every file's bytes: changing it gives every unit new versions on the next import.
COMPRESSION = "snappy"

Held = dict[str, pa.Table]  # table name -> its typed rows (with ``_bad`` and ``_row``)


@dataclass
class BulkSplit:
    """``units``: accepted unit -> table -> rows, each in ``folder/<unit>/<table>.parquet``;
    ``checksums``: accepted unit -> SHA-256 of its folder (``intake.integrity.checksum_of``);
    ``refused``: unit -> its problems (file, row, column); ``cases_for(codes)``: some accepted
    units' rows as one case set (typed Parquet read in place)."""

    folder: Path
    units: dict[str, dict[str, int]] = field(default_factory=dict)
    refused: dict[str, list[Problem]] = field(default_factory=dict)
    rows: int = 0
    checksums: dict[str, str] = field(default_factory=dict)

    present: dict[str, frozenset[str]] = field(default_factory=dict)  # table -> its columns
    computed: object = None  # what ``split_by_unit``'s ``compute`` returned
    _writing: _Writing | None = field(default=None, repr=False)

    def written(self) -> dict[str, str]:
        """``checksums``, once every unit's files are written (with ``background`` they may
        still be being written when ``split_by_unit`` returns: the caller may go on meanwhile)."""
        writing = self._writing
        if writing is not None:
            try:
                self.checksums = writing.finish()
            except BaseException:
                writing.stop()  # interrupted while waiting: no thread outlives the call
                raise
            finally:
                self._writing = None
        return self.checksums

    def stop(self) -> None:
        """The writing given up (the caller failed before it needed the files)."""
        if self._writing is not None:
            self._writing.stop()
            self._writing = None

    def unit_folder(self, code: str) -> Path:
        return self.folder / f"unit_code={code}"

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
    background: bool = False,
) -> BulkSplit:
    """Check and split the case tables ``files`` (table name -> file) into ``out``.

    ``units``: the unit codes rows may belong to (any other unit's rows refuse that unit).
    ``roster``: ``unit_code, staff_id, department`` of the units that have a roster; rows
    naming a person or department outside it refuse their unit. A problem of the file itself
    (unreadable, unknown or missing column) refuses everything: InputError, nothing written.
    ``compute(cases_for, con, accepted)``: called while the units' files are being written
    (on other threads), with ``cases_for(codes)`` giving some accepted units' typed rows as a
    case set on ``con`` (element values from the rows in hand, not read back from thousands of
    small files); its result is ``BulkSplit.computed``. ``background``: the units' files may
    still be being written when this returns; ``BulkSplit.written()`` waits for them and gives
    their checksums (the caller goes on with the element values meanwhile).
    """
    out.mkdir(parents=True, exist_ok=True)
    split = BulkSplit(out / "units")
    refused: dict[str, list[Problem]] = defaultdict(list)
    held: Held = {}
    ordered: dict[str, bool] = {}  # table -> its held rows are in strictly increasing key order
    with duckdb.connect() as con:
        con.execute(f"SET temp_directory = {quote(str(out / '.spill'))}")
        con.execute("SET preserve_insertion_order = true")
        # The held rows must come out in the file's order (their position is their file row).
        # DuckDB runs an IN list of six values or more (a category check) as a join whose
        # output order, unlike a table's insertion, is not kept: kept as a list test here.
        con.execute("SET disabled_optimizers = 'in_clause'")
        con.register("_known_units", pa.table({"v": pa.array(sorted(units), pa.string())}))
        if roster is not None:
            con.register(
                "_roster", pa.Table.from_pandas(roster.astype("string"), preserve_index=False)
            )
        raws: dict[str, RawTable] = {}
        fatal: list[Problem] = []
        # Each CSV's encoding is found (the whole file decoded) on a thread of its own, the
        # next files' while DuckDB parses the one before.
        finding = ThreadPoolExecutor(1, thread_name_prefix="bulk-encoding")
        encodings = {
            name: finding.submit(detect_encoding, path)
            for name, path in sorted(files.items())
            if path.suffix.lower() == ".csv"
        }
        finding.shutdown(wait=False)  # the thread ends once the last file is decoded
        for name, path in sorted(files.items()):
            fields = [Field.of(c) for c in TABLES[name].columns.values()]
            found_encoding = encodings.get(name)
            known = found_encoding.result() if found_encoding is not None else None
            typed, bad = _load_typed(con, path, name, fields, fatal, held, known)
            if typed is None:
                continue
            raws[name] = typed
            if bad:
                # Some value is bad: the file is read again as text, for the row, column and
                # value of every problem (only then; a clean export is read once).
                raw = _load(con, path, f"raw_{name}")
                found = _problems(con, raw, name, fields, per_unit, roster is not None)
                for table in (f"raw_{name}_data", f"raw_{name}_held"):
                    con.execute(f"DROP TABLE IF EXISTS {ident(table)}")
                ordered[name] = False
            else:
                # Keys strictly increasing row after row: none repeats, nothing to sort.
                ordered[name] = _increasing(held[name], TABLES[name].key)
                found = _problems(
                    con, typed, name, [], per_unit, roster is not None, repeats=not ordered[name]
                )
            for code, problem in found:
                refused[code].append(problem)
        raise_if_any(fatal)
        present: set[str] = set()
        per_table: dict[str, dict[str | None, int]] = {}
        for name in raws:
            rows = con.execute(
                f"SELECT unit_code, count(*) FROM {ident(_TYPED + name)} GROUP BY 1"
            ).fetchall()
            per_table[name] = {code: int(n) for code, n in rows}
            split.rows += sum(int(n) for _, n in rows)
            present |= {str(code) for code, _ in rows if code is not None}
        accepted = sorted((present & set(units)) - set(refused))
        for name, counted in per_table.items():
            if set(counted) - set(accepted):
                _keep_accepted(con, held, name, accepted)
        split.units = {code: {} for code in accepted}
        for name, raw in raws.items():
            for code in accepted:
                split.units[code][name] = per_table[name].get(code, 0)
            split.present[name] = frozenset(raw.types)
        # The files are written on their own threads while the element values are computed
        # from the same held rows here (the writer needs no connection, the computing no file).
        writing = _start_writing(con, split, held, ordered)
        try:
            if compute is not None and accepted:
                split.computed = compute(partial(_held_cases, con, raws, split), con, accepted)
        except BaseException:
            writing.stop()
            raise
        split._writing = writing
    shutil.rmtree(out / ".spill", ignore_errors=True)
    split.refused = dict(sorted(refused.items()))
    if not background:
        split.written()
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
    ``con`` (the same typed rows the written files got)."""
    chosen = sorted(codes)
    name = f"_codes_{len(chosen)}_{abs(hash(tuple(chosen)))}"
    con.register(name, pa.table({"v": pa.array(chosen, pa.string())}))
    # The held rows are the accepted units' only: all of them need no filter.
    where = "" if set(chosen) == set(split.units) else f" WHERE unit_code IN (SELECT v FROM {name})"
    tables = {}
    for table, raw in raws.items():
        tables[table] = CaseTable(
            table,
            split.folder / "unit_code=*" / f"{table}.parquet",
            frozenset(raw.types),
            sum(split.units[c][table] for c in chosen),
            select_sql=f"SELECT {_columns(table)} FROM {ident(_TYPED + table)}{where}",
        )
    return CaseTables(split.folder, tables)


def _load_typed(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    fields: list[Field],
    fatal: list[Problem],
    held: Held,
    encoding: str | None,
) -> tuple[RawTable | None, bool]:
    """The file read once straight into its typed rows, held in ``held[name]`` and registered
    as ``_typed_<name>`` (values that do not convert are NULL there), with a ``_bad`` flag per
    row (any value check fails) and the file's row number ``_row``, and a view ``_rows_<name>``
    of them without the flag. Returns that view as a RawTable (None after a problem of the file
    itself, added to ``fatal``) and whether any row is bad."""
    source = f"_src_{name}"
    rows: pa.Table | None = None
    with tempfile.TemporaryDirectory(prefix=".bulk-", dir=path.parent) as tmp:
        native: str | None = None
        if path.suffix.lower() == ".csv":
            utf8 = (encoding or detect_encoding(path)) == "utf-8"
            text = path if utf8 else utf8_copy(path, Path(tmp))
            first = 2  # the header is row 1
            try:
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW {ident(source)} AS SELECT trim(COLUMNS(*)) "
                    f"FROM read_csv({quote(str(text))}, header = true, all_varchar = true)"
                )
                raw = _described(con, path.name, source)
            except duckdb.Error as error:
                message = str(error).splitlines()[0]
                fatal.append(Problem(path.name, None, None, f"unreadable CSV: {message}"))
                return None, False
            native = _native_csv(text, raw, fields)
        else:
            first = 1
            raw = open_raw(con, path, source)  # Parquet: InputError when unreadable
            raw.types.pop("_row", None)
        header = check_header(raw, fields)
        if header or "unit_code" not in raw.types:
            fatal += header
            return None, False
        if native is not None:
            # DuckDB's own typed CSV parse: the dates parsed by the reader (the same
            # '%Y-%m-%d' as the text check), the text trimmed. It fails on the first value it
            # cannot parse (or on anything else); the file is then read as text below, where
            # every bad value is flagged and later named. When it succeeds, each value is the
            # one the text path gives (a date it parses is a date the text check accepts).
            typed_raw = RawTable(
                raw.label, f"_native_{name}", _native_types(raw, fields), raw.sheet
            )
            try:
                con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(typed_raw.view)} AS {native}")
                rows = con.sql(
                    f"SELECT {typed_select(typed_raw, fields, lenient=True)}, "
                    f"({any_bad(typed_raw, fields)}) AS _bad FROM {ident(typed_raw.view)}"
                ).to_arrow_table()
            except duckdb.Error:
                rows = None
            con.execute(f"DROP VIEW IF EXISTS {ident(typed_raw.view)}")
        if rows is None:
            try:
                # Insertion order kept (preserve_insertion_order): the n-th row is the file's.
                rows = con.sql(
                    f"SELECT {typed_select(raw, fields, lenient=True)}, "
                    f"({any_bad(raw, fields)}) AS _bad FROM {ident(source)}"
                ).to_arrow_table()
            except duckdb.Error as error:
                message = str(error).splitlines()[0]
                what = "CSV" if first == 2 else "file"
                fatal.append(Problem(path.name, None, None, f"unreadable {what}: {message}"))
                return None, False
    # The file's row numbers as the user sees them (a CSV's header is its row 1).
    numbers = pa.array(np.arange(first, first + rows.num_rows, dtype=np.int64))
    held[name] = rows.append_column("_row", numbers)
    con.register(_TYPED + name, held[name])
    view = f"_rows_{name}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS SELECT * EXCLUDE (_bad) "
        f"FROM {ident(_TYPED + name)}"
    )
    con.execute(f"DROP VIEW {ident(source)}")
    bad = bool(pc.any(rows.column("_bad")).as_py())
    present = {c: t for c, t in _described(con, path.name, view).types.items() if c in raw.types}
    return RawTable(path.name, view, present, raw.sheet), bad


def _native_types(raw: RawTable, fields: list[Field]) -> dict[str, str]:
    """The columns of a CSV as DuckDB's typed parse gives them: dates DATE, the rest text."""
    kinds = {f.name: f.kind for f in fields}
    return {c: "DATE" if kinds.get(c) == "date" else "VARCHAR" for c in raw.types}


def _native_csv(text: Path, raw: RawTable, fields: list[Field]) -> str:
    """The SELECT of a UTF-8 CSV whose header ``raw`` gave, parsed with its types by DuckDB."""
    types = _native_types(raw, fields)
    spec = ", ".join(f"{quote(c)}: {quote(t)}" for c, t in types.items())
    columns = ", ".join(
        f"trim({ident(c)}) AS {ident(c)}" if t == "VARCHAR" else ident(c) for c, t in types.items()
    )
    return (
        f"SELECT {columns} FROM read_csv({quote(str(text))}, header = true, "
        f"columns = {{{spec}}}, dateformat = '%Y-%m-%d')"
    )


def _keep_accepted(
    con: duckdb.DuckDBPyConnection, held: Held, name: str, accepted: Sequence[str]
) -> None:
    """Only the accepted units' rows held for table ``name`` (what is written and computed)."""
    rows = held[name]
    chosen = pa.array(accepted, pa.string())
    held[name] = rows.filter(pc.fill_null(pc.is_in(rows.column("unit_code"), chosen), False))
    con.execute(f"DROP VIEW IF EXISTS {ident(f'_rows_{name}')}")
    con.register(_TYPED + name, held[name])


def _columns(name: str) -> str:
    """The typed columns of table ``name`` (the held table also has the ``_bad`` flag)."""
    return ", ".join(ident(c) for c in TABLES[name].columns)


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
    *,
    repeats: bool = True,
) -> list[tuple[str, Problem]]:
    """(unit, problem) for every refused row, at most ``per_unit`` per unit and check kind;
    ``repeats=False`` when no key can repeat (the rows' keys are strictly increasing)."""
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
    if repeats:
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
    # Repeated keys are rare: one aggregate over a 64-bit hash of the key says whether there
    # can be any at all before the rows of each are listed (a list per key, or grouping by the
    # text of every key, costs a lot on millions of rows). A hash collision only means the
    # exact query below runs, and it finds no repeat.
    if not con.execute(
        f"SELECT 1 FROM (SELECT {cols} FROM {ident(raw.view)}) GROUP BY hash({keys}) "
        "HAVING count(*) > 1 LIMIT 1"
    ).fetchall():
        return []
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


@dataclass
class _Writing:
    """The units' files being written: ``finish()`` waits for all of them (a failure raised
    once every thread has stopped) and returns each unit's checksum."""

    pool: ThreadPoolExecutor
    pending: list[Future[tuple[str, str]]]

    def finish(self) -> dict[str, str]:
        self.pool.shutdown(wait=True)
        return dict(future.result() for future in self.pending)

    def stop(self) -> None:
        """No more units started; those being written are waited for."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def _start_writing(
    con: duckdb.DuckDBPyConnection, split: BulkSplit, held: Held, ordered: Mapping[str, bool]
) -> _Writing:
    """The accepted units' typed rows of every table to ``<unit>/<table>.parquet``, each file
    in key order and byte for byte the same whatever the threads did (the checksum of a unit's
    version must depend on its rows alone), with each unit folder's SHA-256 (as
    ``intake.integrity.checksum_of``: name, bytes, in name order), hashed as written.

    The held rows, in key order (sorted by DuckDB only when the file was not), hold each unit's
    rows together, in the order of the unit codes: one slice per unit and table, encoded by
    Arrow's Parquet writer, then written, one unit after another on as many threads as DuckDB
    has (each thread's file calls on its own; one thread writing every file while the caller
    works in Python waited for the interpreter at each of them). A unit without rows in a
    table gets an empty typed file."""
    split.folder.mkdir(exist_ok=True)
    codes = sorted(split.units)
    tables: dict[str, pa.Table] = {}
    starts: dict[str, dict[str, int]] = {}
    for name, rows in held.items():
        columns = list(TABLES[name].columns)
        if ordered.get(name) or _increasing(rows, TABLES[name].key):
            tables[name] = rows.select(columns)
        else:
            tables[name] = con.sql(
                f"SELECT {_columns(name)} FROM {ident(_TYPED + name)} ORDER BY {_key(name)}"
            ).to_arrow_table()
        offsets = np.cumsum([0] + [split.units[code][name] for code in codes])
        starts[name] = {code: int(offsets[i]) for i, code in enumerate(codes)}
        if int(offsets[-1]) != tables[name].num_rows:
            raise RuntimeError(f"{name}: {tables[name].num_rows} rows held, {offsets[-1]} counted")
    files = sorted((f"{name}.parquet", name) for name in tables)

    def write(code: str) -> tuple[str, str]:
        folder = split.unit_folder(code)
        folder.mkdir()
        written: list[tuple[str, list[memoryview]]] = []
        for file_name, name in files:
            rows = tables[name].slice(starts[name][code], split.units[code][name])
            if rows.num_rows and {
                rows.column("unit_code")[0].as_py(),
                rows.column("unit_code")[-1].as_py(),
            } != {code}:
                raise RuntimeError(f"{name}: the rows of unit {code} are not together")
            data = memoryview(_parquet(rows))
            written.append((file_name, [data]))
            descriptor = os.open(folder / file_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                view = data
                while view:
                    view = view[os.write(descriptor, view) :]
            finally:
                os.close(descriptor)
        return code, files_checksum(written)  # as checksum_of reads them back

    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="bulk-write")
    return _Writing(pool, [pool.submit(write, code) for code in codes])


def _parquet(rows: pa.Table) -> pa.Buffer:
    """``rows`` as the bytes of a Parquet file: one contiguous chunk per column first, so the
    pages (and the bytes) do not depend on how the held rows happened to be chunked."""
    if any(column.num_chunks > 1 for column in rows.columns):
        rows = rows.combine_chunks()
    sink = pa.BufferOutputStream()
    # Without Arrow's own copy of the schema in the file's metadata: the Parquet types say the
    # same (text, DATE, BOOLEAN, BIGINT), and thousands of small files need not carry it.
    pq.write_table(rows, sink, compression=COMPRESSION, store_schema=False)
    return sink.getvalue()


def _key(name: str) -> str:
    return ", ".join(ident(k) for k in TABLES[name].key)


def _increasing(rows: pa.Table, key: Sequence[str]) -> bool:
    """Whether every row's key is greater than the one before (the key columns compared in
    turn, text by its bytes as DuckDB sorts it): rows in key order with no key repeated."""
    count = rows.num_rows
    if count < 2:
        return True
    after: pa.ChunkedArray | None = None
    for name in reversed(key):
        column = rows.column(name)
        this, before = column.slice(1), column.slice(0, count - 1)
        greater = pc.greater(this, before)
        after = (
            greater
            if after is None
            else pc.or_kleene(greater, pc.and_kleene(pc.equal(this, before), after))
        )
    return bool(pc.all(pc.fill_null(after, False)).as_py())
