"""One export covering many units split into one typed case folder per unit, in one pass.

A province's or the nation's case-system export holds every unit's rows for a period. Each
table file (CSV or Parquet) is read by DuckDB once, straight into its typed rows in a held
table (spilling to disk when it does not fit in memory), with a flag on each row that fails a
value check of :mod:`grassroots.engine.cases`. A CSV is parsed with its types by DuckDB's own
reader (dates by the reader, the text trimmed); when that parse fails anywhere, the file is
read as text instead and every value cast with the checks. The other checks (repeated keys,
unknown units, rosters) run over the typed rows, and only when some row is flagged is the file
read again as text, to name each bad value. The problems are *grouped by unit*: a unit with a bad row is
refused as a whole (all-or-nothing per unit) while the other units go on. The accepted units' typed rows are
written by partitioned ``COPY`` statements (``PARTITION_BY (unit_code)``), one thread per range
of units, so each unit gets its own ``<unit>/<table>.parquet`` in key order (like
``write_units_parquet``) and with the same bytes on every run, readable together as one case
set (``BulkSplit.cases_for``) for computing element values.

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
import tempfile
import threading
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
            fields = [Field.of(c) for c in TABLES[name].columns.values()]
            typed, bad = _load_typed(con, path, name, fields, fatal)
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
            else:
                found = _problems(con, typed, name, [], per_unit, roster is not None)
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
        con.register("_accepted", pa.table({"v": pa.array(accepted, pa.string())}))
        for name, held in per_table.items():
            if set(held) - set(accepted):
                _keep_accepted(con, name)
        split.units = {code: {} for code in accepted}
        _write(con, out, split, {name: per_table[name] for name in raws})
        for name, raw in raws.items():
            for code in accepted:
                split.units[code][name] = per_table[name].get(code, 0)
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
) -> tuple[RawTable | None, bool]:
    """The file read once straight into its typed table ``_typed_<name>`` (values that do not
    convert are NULL there) with a ``_bad`` flag per row (any value check fails), and a view
    ``_rows_<name>`` of it with the file's row numbers. Returns that view as a RawTable (None
    after a problem of the file itself, added to ``fatal``) and whether any row is bad."""
    source = f"_src_{name}"
    with tempfile.TemporaryDirectory(prefix=".bulk-", dir=path.parent) as tmp:
        native: str | None = None
        if path.suffix.lower() == ".csv":
            text = path if detect_encoding(path) == "utf-8" else utf8_copy(path, Path(tmp))
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
        held = ident(_TYPED + name)
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
                con.execute(
                    f"CREATE TABLE {held} AS SELECT "
                    f"{typed_select(typed_raw, fields, lenient=True)}, "
                    f"({any_bad(typed_raw, fields)}) AS _bad FROM {ident(typed_raw.view)}"
                )
            except duckdb.Error:
                con.execute(f"DROP TABLE IF EXISTS {held}")
                native = None
            con.execute(f"DROP VIEW IF EXISTS {ident(typed_raw.view)}")
        if native is None:
            bad = any_bad(raw, fields)
            try:
                # Insertion order kept (preserve_insertion_order): rowid gives the file row.
                con.execute(
                    f"CREATE TABLE {held} AS SELECT "
                    f"{typed_select(raw, fields, lenient=True)}, ({bad}) AS _bad "
                    f"FROM {ident(source)}"
                )
            except duckdb.Error as error:
                message = str(error).splitlines()[0]
                what = "CSV" if first == 2 else "file"
                fatal.append(Problem(path.name, None, None, f"unreadable {what}: {message}"))
                return None, False
    view = f"_rows_{name}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS SELECT rowid + {first} AS _row, "
        f"* EXCLUDE (_bad) FROM {ident(_TYPED + name)}"
    )
    con.execute(f"DROP VIEW {ident(source)}")
    found = con.execute(f"SELECT 1 FROM {ident(_TYPED + name)} WHERE _bad LIMIT 1").fetchall()
    present = {c: t for c, t in _described(con, path.name, view).types.items() if c in raw.types}
    return RawTable(path.name, view, present, raw.sheet), bool(found)


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


def _keep_accepted(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Only the accepted units' rows held in ``_typed_<name>``: the Parquet writer takes a
    column's nullability from the whole held table, so refused rows (their bad values NULL)
    must not change the bytes, and so the checksum, of the accepted units' files."""
    held, kept = ident(_TYPED + name), ident(f"_kept_{name}")
    con.execute(f"DROP VIEW IF EXISTS {ident(f'_rows_{name}')}")
    con.execute(
        f"CREATE TABLE {kept} AS SELECT * FROM {held} WHERE unit_code IN (SELECT v FROM _accepted)"
    )
    con.execute(f"DROP TABLE {held}")
    con.execute(f"ALTER TABLE {kept} RENAME TO {held}")


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


def _write(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    split: BulkSplit,
    counts: Mapping[str, Mapping[str | None, int]],
) -> None:
    """The accepted units' typed rows of every table to ``<unit>/<table>.parquet``, each file
    in key order, byte for byte the same whatever the threads did (the checksum of a unit's
    version must depend on its rows alone).

    DuckDB's partitioned ``COPY`` on several threads interleaves, within one unit's file, the
    chunks each thread wrote (even after an ``ORDER BY``: 165 of 2,858 files differed between
    two runs of the same national export). So each ``COPY`` runs on one thread, over the held
    rows in their file order when that is already key order (checked with one window pass,
    cheaper than the sort) and sorted otherwise; the units are cut into contiguous ranges
    (four per DuckDB thread), written by as many connections as DuckDB has threads at once.
    A unit without rows in a table gets an empty typed file."""
    split.folder.mkdir(exist_ok=True)
    names = sorted(counts)
    ordered = {name: _in_key_order(con, name) for name in names}
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    per_unit = {code: sum(counts[n].get(code, 0) for n in names) for code in split.units}
    # More ranges than threads, taken from one queue: a thread that the machine slows down
    # (another process on the core) leaves its next ranges to the others.
    queue = iter(_ranges(sorted(per_unit), per_unit, 4 * max(1, threads)))
    taking = threading.Lock()
    errors: list[BaseException] = []

    def write(cursor: duckdb.DuckDBPyConnection) -> None:
        try:
            while not errors:
                with taking:
                    taken = next(queue, None)
                if taken is None:
                    return
                low, high = taken
                for name in names:
                    order = "" if ordered[name] else " ORDER BY " + _key(name)
                    # Every table into the same unit folders (unit_code=<code>/<name>_0.parquet):
                    # no per-table folders to create and remove again.
                    cursor.execute(
                        f"COPY (SELECT {_columns(name)} FROM {ident(_TYPED + name)} "
                        f"WHERE unit_code BETWEEN {quote(low)} AND {quote(high)}{order}) "
                        f"TO {quote(str(split.folder))} (FORMAT parquet, "
                        f"PARTITION_BY (unit_code), WRITE_PARTITION_COLUMNS true, "
                        f"FILENAME_PATTERN '{name}_{{i}}', OVERWRITE_OR_IGNORE true)"
                    )
        except BaseException as error:  # re-raised in the calling thread
            errors.append(error)
        finally:
            cursor.close()

    con.execute("SET threads = 1")
    try:
        workers = [
            threading.Thread(target=write, args=(con.cursor(),)) for _ in range(max(1, threads))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        con.execute(f"SET threads = {threads}")
    if errors:
        raise errors[0]
    for name in names:
        empty = out / f".empty-{name}.parquet"
        con.execute(
            f"COPY (SELECT {_columns(name)} FROM {ident(_TYPED + name)} LIMIT 0) "
            f"TO {quote(str(empty))} (FORMAT parquet)"
        )
        for code in split.units:
            target = split.unit_folder(code)
            written = target / f"{name}_0.parquet"
            if (target / f"{name}_1.parquet").exists():
                message = f"unit {code}: split into several files"
                raise InputError([Problem(name, None, None, message)])
            if written.exists():
                written.rename(target / f"{name}.parquet")
            else:
                target.mkdir(exist_ok=True)
                shutil.copyfile(empty, target / f"{name}.parquet")
        empty.unlink(missing_ok=True)


def _key(name: str) -> str:
    return ", ".join(ident(k) for k in TABLES[name].key)


def _in_key_order(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the held rows of table ``name`` are in strictly increasing key order as held
    (the file's order; an export written in key order needs no sort before it is split)."""
    key = TABLES[name].key
    before = ", ".join(f"lag({ident(k)}) OVER w AS p{i}" for i, k in enumerate(key))
    # Strictly after the row before: the first differing key column is greater.
    after = "false"
    for i in reversed(range(len(key))):
        k = ident(key[i])
        after = f"({k} > p{i} OR ({k} = p{i} AND {after}))"
    found = con.execute(
        f"SELECT count(*) FROM (SELECT {', '.join(ident(k) for k in key)}, {before} "
        f"FROM {ident(_TYPED + name)} WINDOW w AS (ORDER BY rowid)) "
        f"WHERE p0 IS NOT NULL AND NOT coalesce({after}, false)"
    ).fetchall()
    return int(found[0][0]) == 0


def _ranges(codes: list[str], rows: Mapping[str, int], parts: int) -> list[tuple[str, str]]:
    """``codes`` (sorted) cut into at most ``parts`` contiguous ranges of about equal rows."""
    total = sum(rows.values())
    ranges: list[tuple[str, str]] = []
    start, acc = 0, 0
    for i, code in enumerate(codes):
        acc += rows[code]
        if len(ranges) < parts - 1 and acc >= total * (len(ranges) + 1) / parts:
            ranges.append((codes[start], code))
            start = i + 1
    if start < len(codes):
        ranges.append((codes[start], codes[-1]))
    return ranges
