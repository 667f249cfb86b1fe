"""An agency's file read against its declared columns into one immutable Parquet file.

The whole file is checked; every problem is located (file, sheet, row, column) and carries a
code the app words in the user's language, and nothing is written when there is one
(:class:`DatasetRejected`). Identity-number columns never reach the Parquet file in clear:
column ``c`` holds the keyed hash (the join key), ``c__masked`` the masked form and
``c__sealed`` the encrypted value (see ``idnumber``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from grassroots.engine.supervision import idnumber

KINDS = ("text", "integer", "decimal", "date", "id_number")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_PROBLEMS = 200
MASKED = "__masked"
SEALED = "__sealed"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False

    def __post_init__(self) -> None:
        if not NAME.match(self.name) or "__" in self.name:
            raise ValueError(f"column name {self.name!r}: lower-case letters, digits, _")
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class Problem:
    """One located problem; ``code`` is worded by the app, ``value`` is the offending text
    (never a clear identity number: those are masked before they get here)."""

    file: str
    code: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str = ""


class DatasetRejected(ValueError):
    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)[:MAX_PROBLEMS]
        super().__init__(
            "; ".join(
                f"{p.file} {p.sheet or ''} {p.row} {p.column} {p.code}" for p in self.problems[:10]
            )
        )


@dataclass
class Written:
    path: Path
    rows: int
    sha256: str  # of the source file as uploaded
    columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Keys:
    """What identity numbers are hashed and sealed with (the app passes its settings)."""

    hash_key: bytes
    seal_key: bytes


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", data, 0, 1, "neither UTF-8 nor GB18030")


def _csv_rows(data: bytes) -> Iterator[tuple[str | None, int, list[Any]]]:
    text = _decode(data)
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield None, number, row


def _excel_rows(path: Path) -> Iterator[tuple[str | None, int, list[Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield sheet.title, number, list(row)
    finally:
        book.close()


def _parquet_rows(path: Path) -> Iterator[tuple[str | None, int, list[Any]]]:
    table = pq.read_table(path)
    yield None, 1, list(table.column_names)
    for offset, row in enumerate(table.to_pylist(), start=2):
        yield None, offset, list(row.values())


def _rows(path: Path, data: bytes) -> Iterator[tuple[str | None, int, list[Any]]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _excel_rows(path)
    if suffix == ".parquet":
        return _parquet_rows(path)
    return _csv_rows(data)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _arrow_type(kind: str) -> pa.DataType:
    return {
        "text": pa.string(),
        "integer": pa.int64(),
        "decimal": pa.decimal128(18, 2),
        "date": pa.date32(),
        "id_number": pa.string(),
    }[kind]


def output_columns(columns: Sequence[Column]) -> list[str]:
    out: list[str] = []
    for c in columns:
        out.append(c.name)
        if c.kind == "id_number":
            out += [c.name + MASKED, c.name + SEALED]
    return out


def read_dataset(
    path: Path,
    columns: Sequence[Column],
    *,
    keys: Keys,
    target: Path,
    display_name: str | None = None,
    today: dt.date | None = None,
    sealer: Callable[[bytes, str], str] = idnumber.seal,
) -> Written:
    """Check ``path`` against ``columns`` and write ``target`` (Parquet), or raise DatasetRejected.

    The first row (first sheet of a workbook) names the columns; declared columns may come in
    any order, undeclared ones are dropped (only what was declared is kept)."""
    name = display_name or path.name
    problems: list[Problem] = []
    data = path.read_bytes()
    values: dict[str, list[Any]] = {c: [] for c in output_columns(columns)}
    try:
        rows = _rows(path, data)
        header_seen = False
        positions: dict[str, int] = {}
        count = 0
        for sheet, number, row in rows:
            if not header_seen:
                header_seen = True
                heads = [_text(h) for h in row]
                for c in columns:
                    if c.name not in heads:
                        problems.append(Problem(name, "missing_column", sheet, number, c.name))
                    else:
                        positions[c.name] = heads.index(c.name)
                if problems:
                    break
                continue
            if all(_text(v) == "" for v in row):
                continue
            count += 1
            for c in columns:
                raw = row[positions[c.name]] if positions[c.name] < len(row) else None
                _cell(c, raw, values, problems, keys, sealer, (name, sheet, number), today)
            if len(problems) >= MAX_PROBLEMS:
                break
        if not header_seen:
            problems.append(Problem(name, "empty_file"))
        elif not problems and count == 0:
            problems.append(Problem(name, "no_rows"))
    except UnicodeDecodeError:
        problems.append(Problem(name, "encoding"))
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        problems.append(Problem(name, "unreadable", value=type(exc).__name__))
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook raises many kinds (zipfile, xml)
        problems.append(Problem(name, "unreadable", value=type(exc).__name__))
    if problems:
        raise DatasetRejected(problems)
    fields = []
    for c in columns:
        fields.append(pa.field(c.name, _arrow_type(c.kind)))
        if c.kind == "id_number":
            fields += [
                pa.field(c.name + MASKED, pa.string()),
                pa.field(c.name + SEALED, pa.string()),
            ]
    table = pa.table({f.name: pa.array(values[f.name], type=f.type) for f in fields})
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target)
    return Written(target, table.num_rows, hashlib.sha256(data).hexdigest(), table.column_names)


def _cell(
    column: Column,
    raw: Any,
    values: dict[str, list[Any]],
    problems: list[Problem],
    keys: Keys,
    sealer: Callable[[bytes, str], str],
    where: tuple[str, str | None, int],
    today: dt.date | None,
) -> None:
    name, sheet, number = where
    text = _text(raw)

    def bad(code: str, shown: str | None = None) -> None:
        problems.append(
            Problem(name, code, sheet, number, column.name, text if shown is None else shown)
        )

    if text == "":
        if column.required or column.kind == "id_number":
            bad("required")
        values[column.name].append(None)
        if column.kind == "id_number":
            values[column.name + MASKED].append(None)
            values[column.name + SEALED].append(None)
        return
    value: Any = text
    if column.kind == "integer":
        try:
            value = int(text)
        except ValueError:
            bad("not_integer")
            value = None
    elif column.kind == "decimal":
        try:
            value = Decimal(text).quantize(Decimal("0.01"))
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            bad("not_decimal")
            value = None
    elif column.kind == "date":
        value = _date(raw)
        if value is None:
            bad("not_date")
    elif column.kind == "id_number":
        code = idnumber.check_id(text, today=today)
        if code is not None:
            bad("id_" + code, idnumber.mask(text))
            value = None
        else:
            values[column.name + MASKED].append(idnumber.mask(text))
            values[column.name + SEALED].append(sealer(keys.seal_key, text))
            value = idnumber.keyed_hash(keys.hash_key, text)
        if value is None:
            values[column.name + MASKED].append(None)
            values[column.name + SEALED].append(None)
    values[column.name].append(value)
