"""Reading tabular input files (CSV in UTF-8/GB18030, Parquet, xlsx) into DuckDB and checking
them with SQL, plus the two ways in besides case records: data element values and indicator
values (with a units file).

Each reader returns a pandas DataFrame or raises InputError listing every problem (file, row,
column). Rows are numbered as a user sees them: in CSV and xlsx the header is row 1, so the
first data row is row 2; in Parquet the first row is row 1.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "values.csv"
>>> _ = path.write_text("unit_code,period,element,value\\n410100,2024Q3,incoming,12\\n")
>>> read_element_values(path).to_dict("records")
[{'unit_code': '410100', 'period': '2024Q3', 'element': 'incoming', 'value': 12.0}]
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb
import pandas as pd
import pyarrow as pa

from grassroots.engine.caseformat import Column
from grassroots.engine.errors import MAX_PROBLEMS, InputError, Problem, raise_if_any
from grassroots.engine.expressions import did_you_mean

if TYPE_CHECKING:
    from grassroots.engine.catalogue import Catalogue

FieldKind = Literal["string", "date", "bool", "category", "int", "number", "period"]
SUFFIXES = (".parquet", ".csv", ".xlsx")
TRUE_WORDS = ("true", "1", "是")
FALSE_WORDS = ("false", "0", "否")
PERIOD_PATTERN = r"\d{4}(Q[1-4](-YTD)?|-(0[1-9]|1[0-2]))?"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    required: bool
    values: tuple[str, ...] = ()
    non_negative: bool = False

    @classmethod
    def of(cls, column: Column) -> Field:
        return cls(column.name, column.kind, column.required, column.values, column.kind == "int")


@dataclass(frozen=True)
class RawTable:
    """A file as a DuckDB view with a ``_row`` column (row number as the user sees it)."""

    label: str
    view: str
    types: dict[str, str]  # column name -> DuckDB type as read
    sheet: str | None = None

    def problem(self, row: int | None, column: str | None, message: str) -> Problem:
        return Problem(self.label, row, column, message, self.sheet)


# ---- encodings ---------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """``utf-8`` when the whole file decodes as UTF-8 (a BOM is fine), else ``gb18030``.

    Decoded in chunks with an incremental decoder, so a large file is never held in memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def utf8_copy(path: Path, directory: Path) -> Path:
    """A UTF-8 copy of a GB18030 CSV (DuckDB's CSV reader only knows UTF-8/16 and Latin-1
    without the ``encodings`` extension, which cannot be downloaded on an isolated network)."""
    target = directory / path.name
    try:
        with (
            path.open("r", encoding="gb18030", newline="") as source,
            target.open("w", encoding="utf-8", newline="") as sink,
        ):
            shutil.copyfileobj(source, sink, _CHUNK)
    except UnicodeDecodeError as exc:
        target.unlink(missing_ok=True)
        raise InputError(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    f"is neither UTF-8 nor GB18030 text (byte {exc.start + 1} cannot be "
                    "read): save it as UTF-8 CSV and upload it again",
                )
            ]
        ) from None
    return target


# ---- loading -----------------------------------------------------------------------------


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def open_raw(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> RawTable:
    """Expose ``path`` as view ``view``: CSV and xlsx as text columns, Parquet as stored."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS SELECT file_row_number + 1 AS "
                f"_row, * EXCLUDE (file_row_number) FROM read_parquet({quote(str(path))}, "
                "file_row_number = true)"
            )
            return _described(con, path.name, view)
        except duckdb.Error:
            # The reader's own message names the server's path: say what is wrong, not where.
            raise InputError(
                [Problem(path.name, None, None, "is not a readable Parquet file (damaged or fake)")]
            ) from None
    if suffix == ".xlsx":
        return _open_xlsx(con, path, view)
    if suffix != ".csv":
        raise InputError(
            [Problem(path.name, None, None, "expected a .csv, .parquet or .xlsx file")]
        )
    return _open_csv(con, path, view)


def _described(
    con: duckdb.DuckDBPyConnection, label: str, view: str, sheet: str | None = None
) -> RawTable:
    rows = con.execute(f"DESCRIBE {ident(view)}").fetchall()
    types = {str(r[0]): str(r[1]) for r in rows if r[0] != "_row"}
    return RawTable(label, view, types, sheet)


def _open_csv(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> RawTable:
    # The UTF-8 copy sits beside the file (the caller's staging folder), never in /tmp.
    with tempfile.TemporaryDirectory(prefix=".csv-", dir=path.parent) as tmp:
        source = path if detect_encoding(path) == "utf-8" else utf8_copy(path, Path(tmp))
        try:
            # Loaded into a table (insertion order kept) so rowid gives the file row.
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {ident(view + '_data')} AS SELECT * FROM "
                f"read_csv({quote(str(source))}, header = true, all_varchar = true)"
            )
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            raise InputError(
                [Problem(path.name, None, None, f"unreadable CSV: {message}")]
            ) from None
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS SELECT rowid + 2 AS _row, "
        f"trim(COLUMNS(*)) FROM {ident(view + '_data')}"
    )
    return _described(con, path.name, view)


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 410100 as 410100.0
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _open_xlsx(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> RawTable:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python()
    except Exception as error:  # calamine raises several unrelated types for a bad file
        raise InputError(
            [Problem(path.name, None, None, f"unreadable workbook: {error}")]
        ) from None
    header = [str(_cell(h) or f"column{i + 1}") for i, h in enumerate(rows[0] if rows else [])]
    data = {
        name: pa.array([_cell(r[i]) if i < len(r) else None for r in rows[1:]], pa.string())
        for i, name in enumerate(header)
    }
    data["_row"] = pa.array(range(2, len(rows) + 1), pa.int64())
    con.register(view + "_arrow", pa.table(data))
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS SELECT * FROM {ident(view + '_arrow')}"
    )
    return _described(con, path.name, view, sheet.name)


def find_file(folder: Path, stem: str) -> Path | None:
    for suffix in SUFFIXES:
        candidate = folder / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


# ---- checks (SQL over the raw view; Python only formats the few failing rows) ---------------


def check_header(raw: RawTable, fields: Sequence[Field]) -> list[Problem]:
    known = {f.name for f in fields}
    problems = [
        raw.problem(1, name, f"unknown column '{name}'{did_you_mean(name, known)}")
        for name in raw.types
        if name not in known
    ]
    problems += [
        raw.problem(1, f.name, f"missing required column '{f.name}'")
        for f in fields
        if f.required and f.name not in raw.types
    ]
    return problems


def _text(name: str, duck_type: str | None = "VARCHAR") -> str:
    """A column as text, empty as NULL. Text read from CSV/xlsx is trimmed (hand-edited files
    carry stray spaces); a typed Parquet column is not, which keeps big scans cheap."""
    if duck_type == "VARCHAR":
        return f"nullif({ident(name)}, '')"
    if duck_type in ("DATE", "BOOLEAN", "BIGINT", "INTEGER"):
        return f"CAST({ident(name)} AS VARCHAR)"  # never empty, never padded
    return f"nullif(trim(CAST({ident(name)} AS VARCHAR)), '')"


def _native(kind: FieldKind, duck_type: str) -> bool:
    """Whether a stored Parquet type already guarantees the kind (no text check needed)."""
    if kind == "date":
        # pandas writes datetime64 columns as TIMESTAMP: the date part is what counts.
        return duck_type == "DATE" or duck_type.startswith("TIMESTAMP")
    if kind == "bool":
        return duck_type == "BOOLEAN"
    return kind in ("int", "number") and duck_type in {
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
        "UINTEGER", "UBIGINT",
    } | ({"FLOAT", "DOUBLE"} if kind == "number" else set())  # fmt: skip


def _never_blank(duck_type: str) -> bool:
    """Whether a non-NULL value of ``duck_type`` always has a non-blank text (``_text`` is
    NULL exactly when the value is)."""
    return (
        _native("number", duck_type)
        or _native("date", duck_type)
        or duck_type in ("BOOLEAN", "DATE")
        or duck_type.startswith("DECIMAL")
    )


def _conditions(field: Field, duck_type: str) -> list[tuple[str, str]]:
    """(SQL condition true for a bad value, message template with {v}) for one column."""
    v = _text(field.name, duck_type)
    checks: list[tuple[str, str]] = []
    if field.required:
        # The same as ``{v} IS NULL``, in forms a Parquet scan answers from its statistics
        # (no NULL, no empty text in a row group: not read) instead of row by row: a date,
        # yes/no or number is never blank as text, and text is blank when NULL or empty.
        column = ident(field.name)
        if _never_blank(duck_type):
            blank = f"{column} IS NULL"
        elif duck_type == "VARCHAR":
            blank = f"({column} IS NULL OR {column} = '')"
        else:
            blank = f"{v} IS NULL"
        checks.append((blank, "missing value"))
    native = _native(field.kind, duck_type)
    if field.kind == "date" and not native:
        checks.append(
            (f"{v} IS NOT NULL AND try_strptime({v}, '%Y-%m-%d') IS NULL",
             "'{v}' is not a date (expected YYYY-MM-DD)")
        )  # fmt: skip
    elif field.kind == "bool" and not native:
        words = ", ".join(quote(w) for w in TRUE_WORDS + FALSE_WORDS)
        checks.append(
            (f"lower({v}) NOT IN ({words})", "'{v}' is not a yes/no value (true/false/1/0/是/否)")
        )
    elif field.kind == "category" and field.values:
        allowed = ", ".join(quote(w) for w in field.values)
        checks.append(
            (f"{v} NOT IN ({allowed})", "'{v}' is not one of: " + ", ".join(field.values))
        )
    elif field.kind == "int" and not native:
        checks.append(
            (f"{v} IS NOT NULL AND try_cast({v} AS BIGINT) IS NULL", "'{v}' is not a whole number")
        )
    elif field.kind == "number" and not native:
        checks.append(
            (f"{v} IS NOT NULL AND try_cast({v} AS DOUBLE) IS NULL", "'{v}' is not a number")
        )
    elif field.kind == "period":
        checks.append(
            (f"NOT regexp_full_match({v}, {quote(PERIOD_PATTERN)})",
             "'{v}' is not a period (expected 2024, 2024Q3, 2024-07 or 2024Q3-YTD)")
        )  # fmt: skip
    if field.non_negative:
        checks.append((f"try_cast({v} AS DOUBLE) < 0", "{v} is negative (a count cannot be)"))
    return checks


def check_values(
    con: duckdb.DuckDBPyConnection, raw: RawTable, fields: Sequence[Field]
) -> list[Problem]:
    """Every bad value, found in one pass over the file."""
    checks = [
        (f.name, condition, message)
        for f in fields
        if f.name in raw.types
        for condition, message in _conditions(f, raw.types[f.name])
    ]
    if not checks:
        return []
    flags = ", ".join(
        f"CASE WHEN {condition} THEN coalesce({_text(name, raw.types[name])}, '') END AS c{i}"
        for i, (name, condition, _) in enumerate(checks)
    )
    where = " OR ".join(f"coalesce({condition}, false)" for _, condition, _ in checks)
    rows = con.execute(
        f"SELECT _row, {flags} FROM {ident(raw.view)} WHERE {where} ORDER BY _row LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    return [
        raw.problem(int(row[0]), name, message.replace("{v}", str(value)))
        for row in rows
        for (name, _, message), value in zip(checks, row[1:], strict=True)
        if value is not None
    ][:MAX_PROBLEMS]


def check_duplicates(
    con: duckdb.DuckDBPyConnection, raw: RawTable, key: Sequence[str]
) -> list[Problem]:
    """Rows repeating an earlier row's key, at the repeat (the first occurrence is named)."""
    if not all(k in raw.types for k in key):
        return []
    cols = ", ".join(ident(k) for k in key)
    # Find the (rare) repeated keys with a plain hash aggregate first; only then fetch rows.
    repeated = con.execute(
        f"SELECT {cols} FROM {ident(raw.view)} GROUP BY {cols} HAVING count(*) > 1 "
        f"LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    if not repeated:
        return []
    con.register(
        "_repeated_keys", pa.Table.from_pylist([dict(zip(key, r, strict=True)) for r in repeated])
    )
    rows = con.execute(
        f"SELECT _row, min(_row) OVER (PARTITION BY {cols}) AS first, {cols} FROM {ident(raw.view)} "
        f"SEMI JOIN _repeated_keys USING ({cols}) ORDER BY _row"
    ).fetchall()
    con.unregister("_repeated_keys")
    names = ", ".join(key)
    return [
        raw.problem(
            int(row[0]),
            key[-1],
            f"duplicate key ({names}) = ({', '.join(str(v) for v in row[2:])}), "
            f"first at row {row[1]}",
        )
        for row in rows
        if row[0] != row[1]
    ][:MAX_PROBLEMS]


def check_members(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    column: str,
    allowed: Collection[str],
    *,
    what: str,
) -> list[Problem]:
    """Values of ``column`` not in ``allowed``: one problem per unknown value, at its first row."""
    if column not in raw.types:
        return []
    con.register("_allowed_values", pa.table({"v": pa.array(sorted(allowed), pa.string())}))
    v = _text(column, raw.types[column])
    rows = con.execute(
        f"SELECT min(_row), {v} AS v, count(*) FROM {ident(raw.view)} WHERE {v} IS NOT NULL "
        f"AND {v} NOT IN (SELECT v FROM _allowed_values) GROUP BY ALL ORDER BY 1 LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    con.unregister("_allowed_values")
    problems = []
    for first, value, count in rows:
        more = f" ({count - 1} more rows)" if count > 1 else ""
        # Near-miss unit codes are usually different real units: no "did you mean" for them.
        suggest = what != "unit code" and len(allowed) < 5000
        hint = did_you_mean(str(value), allowed) if suggest else ""
        problems.append(raw.problem(int(first), column, f"unknown {what} '{value}'{hint}{more}"))
    return problems


def any_bad(raw: RawTable, fields: Sequence[Field]) -> str:
    """SQL true for a row whose value fails any of the fields' value checks (``check_values``'
    conditions, one pass): the rows to read again and word problem by problem."""
    conditions = [
        condition
        for f in fields
        if f.name in raw.types
        for condition, _ in _conditions(f, raw.types[f.name])
    ]
    return " OR ".join(f"coalesce({c}, false)" for c in conditions) or "false"


def quick_check(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    fields: Sequence[Field],
    *,
    key: Sequence[str] = (),
    members: Iterable[tuple[str, Collection[str], str]] = (),
    parquet: Path | None = None,
) -> int | None:
    """The file's row count when its values, keys and members are all fine, found in one pass
    (issue 20.2); None when anything fails, and ``validate`` then finds and words each problem.
    The header is ``check_header``'s, not checked here.

    Keys: a Parquet file (``parquet``, the file of ``raw``) whose keys strictly increase row by
    row has no repeated key; that is checked over the key columns alone on every core
    (``sorted_keys``: files written in key order, as intake stores them and the generator
    writes them), which also proves the key columns present and non-empty and gives the
    distinct values of the first (the unit codes the member check needs), so the SQL pass
    reads only the other columns' checks. Otherwise keys are compared by a 64-bit hash in the
    pass: equal keys always hash alike, so as many distinct hashes as rows proves them
    distinct; fewer (a repeat, or a rare collision) sends the file to the exact check. Members
    are checked on the distinct values the pass gives."""
    checked = [(c, set(allowed)) for c, allowed, _ in members if c in raw.types]
    keyed = bool(key) and all(k in raw.types for k in key)
    view = ident(raw.view)
    proof = sorted_keys(parquet, key) if keyed and parquet is not None else None
    if keyed and proof is None:
        # A Parquet file's values are checked in its scan (``_any_bad_column``), not here.
        bad = any_bad(raw, fields) if parquet is None else "false"
        h = f"hash({', '.join(ident(k) for k in key)})"
        found = con.execute(
            f"SELECT count(*), coalesce(sum(n), 0), coalesce(sum(bad), 0) FROM (SELECT {h} AS h, "
            f"count(*) AS n, count(*) FILTER (WHERE {bad}) AS bad FROM {view} GROUP BY h)"
        ).fetchall()[0]
        groups, rows, failed = (int(x) for x in found)
        if groups != rows or failed:
            return None
        if parquet is not None and _any_bad_column(con, raw, fields):
            return None
        for column, allowed in checked:
            text = _text(column, raw.types[column])
            values = con.execute(f"SELECT DISTINCT {text} FROM {view}").fetchall()
            if _unknown(values, [(column, allowed)]):
                return None
        return rows
    if proof is not None:
        # Text key columns have no check but "present" (kind string), which the proof covers.
        fields = [f for f in fields if not (f.name in key and f.kind == "string")]
        if raw.types[key[0]] == "VARCHAR":  # the proof's values are the column's text
            for column, allowed in checked:
                if column == key[0] and _unknown([(v,) for v in proof.first], [(column, allowed)]):
                    return None
            checked = [(c, allowed) for c, allowed in checked if c != key[0]]
        if not checked:
            return None if _any_bad_column(con, raw, fields) else proof.rows
    bad = any_bad(raw, fields)
    if proof is not None and not checked and bad == "false":
        return proof.rows
    texts = [_text(c, raw.types[c]) for c, _ in checked]
    cols = "".join(f"{t} AS m{i}, " for i, t in enumerate(texts))
    group = f" GROUP BY {', '.join(f'm{i}' for i in range(len(texts)))}" if texts else ""
    per_value = con.execute(
        f"SELECT {cols}count(*), count(*) FILTER (WHERE {bad}) FROM {view}{group}"
    ).fetchall()
    if any(row[-1] for row in per_value) or _unknown([row[:-2] for row in per_value], checked):
        return None
    return sum(int(row[-2]) for row in per_value)


def _any_bad_column(con: duckdb.DuckDBPyConnection, raw: RawTable, fields: Sequence[Field]) -> bool:
    """Whether any value fails its check, one condition at a time: each is a filter on one
    column, which DuckDB pushes into the Parquet scan, where a dictionary-encoded column (a
    category) is checked on its dictionary, not row by row (62M persons: 0.2 s of CPU against
    7 s for the same conditions ORed in one pass; an OR, even of one column's two
    conditions, is not pushed down)."""
    counts = [
        f"SELECT count(*) AS n FROM {ident(raw.view)} WHERE coalesce({condition}, false)"
        for f in fields
        if f.name in raw.types
        for condition, _ in _conditions(f, raw.types[f.name])
    ]
    if not counts:
        return False
    found = con.execute(f"SELECT sum(n) FROM ({' UNION ALL '.join(counts)})").fetchall()
    return bool(found[0][0])


def _unknown(values: Iterable[Sequence[object]], checked: Sequence[tuple[str, set[str]]]) -> bool:
    return any(
        v is not None and v not in allowed
        for row in values
        for v, (_, allowed) in zip(row, checked, strict=True)
    )


@dataclass(frozen=True)
class SortedKeys:
    """What one streaming pass over a Parquet file's key columns proved: the keys strictly
    increase row by row, none is NULL and no text key is empty (so no key repeats and the key
    columns need no other check); ``rows`` rows; ``first`` the distinct values of the first
    key column (a unit code: the member check needs nothing else)."""

    rows: int
    first: frozenset[object]


def increasing_keys(path: Path, key: Sequence[str]) -> bool:
    """Whether the key columns of Parquet file ``path`` strictly increase row by row (no NULL,
    no empty text): then no key repeats."""
    return sorted_keys(path, key) is not None


def sorted_keys(path: Path, key: Sequence[str]) -> SortedKeys | None:
    """``SortedKeys`` of Parquet file ``path`` when its keys strictly increase row by row, else
    None. The row groups are read in contiguous spans on every core (PyArrow decodes and
    compares without the GIL); each span checks its rows and the boundaries between its row
    groups, and the spans' boundaries are compared last, so every adjacent pair is compared."""
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
        types = [handle.schema_arrow.field(k).type for k in key]
        groups = handle.metadata.num_row_groups
    except (KeyError, OSError, pa.ArrowException):
        return None
    if not key or not all(pa.types.is_string(t) or pa.types.is_integer(t) for t in types):
        return None
    pieces = min(groups, 4 * (os.cpu_count() or 1))
    spans = [range(groups * i // pieces, groups * (i + 1) // pieces) for i in range(pieces)]
    workers = min(len(spans), os.cpu_count() or 1)
    try:
        with ThreadPoolExecutor(max(workers, 1)) as pool:
            found = list(pool.map(lambda span: _sorted_span(path, key, span), spans))
    except (OSError, pa.ArrowException):
        return None  # a damaged row group: the SQL pass meets it and says so
    if any(f is None for f in found):
        return None
    last: tuple[object, ...] | None = None
    rows, first = 0, set()
    for span in found:
        assert span is not None
        n, head, tail, values = span
        if n == 0:
            continue
        if last is not None and not head > last:
            return None
        last, rows = tail, rows + n
        first |= values
    return SortedKeys(rows, frozenset(first))


_Span = tuple[int, tuple[object, ...], tuple[object, ...], set[object]]


def _sorted_span(path: Path, key: Sequence[str], span: range) -> _Span | None:
    """(rows, first key, last key, distinct first-column values) of row groups ``span`` when
    their keys strictly increase, none NULL or empty; else None."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    rows, head, last = 0, (), None
    values: set[object] = set()
    for group in span:
        table = handle.read_row_group(group, columns=list(key), use_threads=False)
        n = table.num_rows
        if n == 0:
            continue
        cols = [table.column(k).combine_chunks() for k in key]
        if any(c.null_count for c in cols):
            return None
        for c in cols:
            if pa.types.is_string(c.type) and pc.min(pc.binary_length(c)).as_py() == 0:
                return None
        start = tuple(c[0].as_py() for c in cols)
        if last is not None and not start > last:
            return None
        if n > 1:
            later, earlier = [c.slice(1) for c in cols], [c.slice(0, n - 1) for c in cols]
            greater = pc.greater(later[0], earlier[0])
            equal = pc.equal(later[0], earlier[0])
            changed = pc.invert(equal)
            for a, b in zip(later[1:], earlier[1:], strict=True):
                greater = pc.or_(greater, pc.and_(equal, pc.greater(a, b)))
                equal = pc.and_(equal, pc.equal(a, b))
            if not pc.all(greater).as_py():
                return None
            values.update(later[0].filter(changed).to_pylist())
        values.add(start[0])
        head = head or start
        last = tuple(c[n - 1].as_py() for c in cols)
        rows += n
    return (rows, head, last, values) if last is not None else (0, (), (), set())


def typed_select(raw: RawTable, fields: Sequence[Field], *, lenient: bool = False) -> str:
    """SELECT list turning the (checked) raw columns into typed ones; absent columns are NULL.
    ``lenient``: a value that does not convert becomes NULL instead of an error (for rows
    not yet checked, whose problems are found by the same pass)."""
    return ", ".join(
        f"{_typed(f, raw.types.get(f.name), lenient)} AS {ident(f.name)}" for f in fields
    )


def _typed(field: Field, duck_type: str | None, lenient: bool = False) -> str:
    sql_type = {"date": "DATE", "bool": "BOOLEAN", "int": "BIGINT", "number": "DOUBLE"}.get(
        field.kind, "VARCHAR"
    )
    if duck_type is None:
        return f"CAST(NULL AS {sql_type})"
    if field.kind == "date" and duck_type.startswith("TIMESTAMP"):
        return f"CAST({ident(field.name)} AS DATE)"
    if _native(field.kind, duck_type) or duck_type == sql_type:
        return ident(field.name)
    v = _text(field.name, duck_type)
    try_ = "try_" if lenient else ""
    if field.kind == "date":
        return f"CAST({try_}strptime({v}, '%Y-%m-%d') AS DATE)"
    if field.kind == "bool":
        yes = ", ".join(quote(w) for w in TRUE_WORDS)
        no = ", ".join(quote(w) for w in FALSE_WORDS)
        return f"CASE WHEN lower({v}) IN ({yes}) THEN TRUE WHEN lower({v}) IN ({no}) THEN FALSE END"
    return f"{try_.upper()}CAST({v} AS {sql_type})"


def validate(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    fields: Sequence[Field],
    *,
    key: Sequence[str] = (),
    members: Iterable[tuple[str, Collection[str], str]] = (),
) -> list[Problem]:
    """All problems of one file: header, values, duplicate keys, unknown members."""
    problems = check_header(raw, fields)
    if any(p.message.startswith("missing required") for p in problems):
        return problems  # values cannot be checked against a header that is not there
    problems += check_values(con, raw, fields)
    if key:
        problems += check_duplicates(con, raw, key)
    for column, allowed, what in members:
        problems += check_members(con, raw, column, allowed, what=what)
    return problems[:MAX_PROBLEMS]


# ---- the other two ways in ---------------------------------------------------------------

UNIT_FIELDS = (
    Field("unit_code", "string", True),
    Field("name", "string", True),
    Field("peer_group", "string", True),
    Field("parent", "string", False),
)


def _values_fields(code_column: str, *, non_negative: bool) -> tuple[Field, ...]:
    return (
        Field("unit_code", "string", True),
        Field("period", "period", True),
        Field(code_column, "string", True),
        Field("value", "number", False, non_negative=non_negative),
    )


def _read(
    path: Path,
    fields: Sequence[Field],
    *,
    key: Sequence[str],
    members: Sequence[tuple[str, Collection[str], str]] = (),
    extra: str = "",
) -> tuple[pd.DataFrame, RawTable]:
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(str(path), None, None, "no such file")])
    with duckdb.connect() as con:
        raw = open_raw(con, path, "input")
        raise_if_any(validate(con, raw, fields, key=key, members=members))
        frame = con.execute(
            f"SELECT _row, {typed_select(raw, fields)} FROM input {extra} ORDER BY _row"
        ).df()
    return frame, raw


def read_units(path: Path) -> pd.DataFrame:
    """The units file: ``unit_code, name, peer_group[, parent]``; parents must be listed units."""
    frame, raw = _read(path, UNIT_FIELDS, key=("unit_code",))
    codes = set(frame["unit_code"])
    problems = [
        raw.problem(int(row), "parent", f"unknown parent unit '{parent}'")
        for row, parent in zip(frame["_row"].tolist(), frame["parent"].tolist(), strict=True)
        if isinstance(parent, str) and parent not in codes
    ]  # a loop over units (thousands at most), not over case rows
    raise_if_any(problems)
    return frame.drop(columns="_row").reset_index(drop=True)


def read_element_values(
    path: Path, *, catalogue: Catalogue | None = None, units: Collection[str] | None = None
) -> pd.DataFrame:
    """``unit_code, period, element, value``; empty values are absent (dropped), never 0.

    Checks: unknown/missing columns, malformed periods, non-numeric and negative values (an
    element with a catalogue ``min`` below 0 may be negative), duplicate keys, unknown elements
    (with ``catalogue``) and unknown units (with ``units``)."""
    members = _members("element", catalogue.elements if catalogue else None, units)
    frame, raw = _read(
        path,
        _values_fields("element", non_negative=catalogue is None),
        key=("unit_code", "period", "element"),
        members=members,
        extra="WHERE value IS NOT NULL AND trim(CAST(value AS VARCHAR)) <> ''",
    )
    if catalogue is not None:
        raise_if_any(_range_problems(frame, catalogue, raw))
    return frame.drop(columns="_row").reset_index(drop=True)


def read_indicator_values(
    path: Path, *, catalogue: Catalogue | None = None, units: Collection[str] | None = None
) -> pd.DataFrame:
    """``unit_code, period, indicator, value`` (values may be negative: e.g. a growth rate)."""
    members = _members("indicator", catalogue.indicators if catalogue else None, units)
    frame, _ = _read(
        path,
        _values_fields("indicator", non_negative=False),
        key=("unit_code", "period", "indicator"),
        members=members,
        extra="WHERE value IS NOT NULL AND trim(CAST(value AS VARCHAR)) <> ''",
    )
    return frame.drop(columns="_row").reset_index(drop=True)


def _members(
    column: str, codes: Collection[str] | None, units: Collection[str] | None
) -> list[tuple[str, Collection[str], str]]:
    members: list[tuple[str, Collection[str], str]] = []
    if codes is not None:
        members.append((column, set(codes), column))
    if units is not None:
        members.append(("unit_code", set(units), "unit code"))
    return members


def _range_problems(frame: pd.DataFrame, catalogue: Catalogue, raw: RawTable) -> list[Problem]:
    problems = []
    for code, element in catalogue.elements.items():
        rows = frame[frame["element"] == code]
        low, high = element.lowest, element.max
        if low is not None:
            problems += [
                raw.problem(int(r), "value", f"{v:g} is below the minimum {low:g} of {code}")
                for r, v in zip(
                    rows["_row"][rows["value"] < low],
                    rows["value"][rows["value"] < low],
                    strict=True,
                )
            ]
        if high is not None:
            problems += [
                raw.problem(int(r), "value", f"{v:g} is above the maximum {high:g} of {code}")
                for r, v in zip(
                    rows["_row"][rows["value"] > high],
                    rows["value"][rows["value"] > high],
                    strict=True,
                )
            ]
    return sorted(problems, key=lambda p: p.row or 0)
