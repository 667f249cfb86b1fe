"""Write a long-form evaluation result as CSV, JSON, Parquet or Excel, atomically.

Every writer first writes a temporary file in the target's directory and renames it over the
target, so a failure half-way (a full disk, a bad value) never leaves a partial output behind and
a reader never sees one.

>>> import pandas as pd, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
>>> write_result(pd.DataFrame({"unit_code": ["370102"], "value": [-1.5]}), out)
>>> out.read_text(encoding="utf-8").splitlines()
['unit_code,value', '370102,-1.5']
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# The long-form result, in this order; `why` and `colour_share` may follow.
RESULT_COLUMNS: tuple[str, ...] = (
    "unit_code",
    "period",
    "node",
    "level",
    "value",
    "score",
    "rank_peer",
    "rank_all",
    "colour",
    "flags",
    "rank_q05",
    "rank_median",
    "rank_q95",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("why", "colour_share")


class OutputFormat(Enum):
    CSV = ".csv"
    JSON = ".json"
    PARQUET = ".parquet"
    XLSX = ".xlsx"


class UnsupportedFormatError(ValueError):
    """The output file's suffix names no format we write."""


def output_format(path: Path) -> OutputFormat:
    """The format a file name asks for, by its suffix.

    >>> output_format(Path("x.XLSX"))
    <OutputFormat.XLSX: '.xlsx'>
    """
    suffix = path.suffix.lower()
    for fmt in OutputFormat:
        if fmt.value == suffix:
            return fmt
    known = ", ".join(f.value for f in OutputFormat)
    raise UnsupportedFormatError(f"{path.name}: unknown output format {suffix!r} (use {known})")


def order_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Exactly the result columns in contract order (missing ones added empty), then ``why``
    and ``colour_share`` when present; working columns of the scorer are left out.

    >>> list(order_columns(pd.DataFrame({"why": ["x"], "depth": [0], "unit_code": ["1"]})).columns)
    ['unit_code', 'period', 'node', 'level', 'value', 'score', 'rank_peer', 'rank_all', 'colour', 'flags', 'rank_q05', 'rank_median', 'rank_q95', 'why']
    """
    out = frame.copy()
    for col in RESULT_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA if col in ("period", "node", "level", "colour", "flags") else math.nan
    extras = [c for c in OPTIONAL_COLUMNS if c in out.columns]
    return out[[*RESULT_COLUMNS, *extras]]


def write_result(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` in the format its suffix names, atomically."""
    writer = _WRITERS[output_format(path)]
    with _atomic_path(path) as tmp:
        writer(frame, tmp)


@contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    # Same directory as the target, so the final rename never crosses file systems.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp creates the file 0600; give the result the permissions any new file would get.
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --- CSV --------------------------------------------------------------------------------------

# A spreadsheet treats text starting with these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def defuse_formula(text: str) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula; leave real numbers alone.

    >>> defuse_formula("=HYPERLINK(1)"), defuse_formula("-2.5"), defuse_formula("-x")
    ("'=HYPERLINK(1)", '-2.5', "'-x")
    """
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def _defused(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        # Numeric columns are numbers already: a negative value must stay a number.
        if pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        out[col] = out[col].map(_defuse_cell).astype(object)
    return out


def _defuse_cell(value: Any) -> Any:
    return defuse_formula(value) if isinstance(value, str) else value


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    _defused(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


# --- JSON -------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _json_value(value.item())
    if isinstance(value, np.ndarray):
        return [_json_value(v) for v in value.tolist()]
    if isinstance(value, float) and math.isinf(value):
        return None  # JSON has no infinity either
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Plain-Python records with NaN/NA as None.

    >>> records(pd.DataFrame({"a": [1.0, float("nan")]}))
    [{'a': 1.0}, {'a': None}]
    """
    columns = [str(c) for c in frame.columns]
    return [
        {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def _write_json(frame: pd.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        json.dump(records(frame), fh, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


# --- Parquet ----------------------------------------------------------------------------------


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


# --- Excel ------------------------------------------------------------------------------------

# Fills for the three colours and "no data"; the colour is also written as text, so the sheet
# still reads correctly for a colour-blind reader or on a black-and-white printout.
COLOUR_FILLS: dict[str, str] = {
    "red": "F8696B",
    "yellow": "FFEB84",
    "green": "63BE7B",
    "grey": "BFBFBF",
}


def _colour_key(value: Any) -> str | None:
    if isinstance(value, Enum):
        value = value.value
    if not isinstance(value, str):
        return None
    key = value.strip().lower()
    return "grey" if key == "gray" else key


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    # Write-only mode streams rows: a national result (~100k rows) stays fast and small in memory.
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("result")
    ws.freeze_panes = "B2"  # header row and unit column stay in view
    bold = Font(bold=True)
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(ws, value=str(name))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    fills = {k: PatternFill("solid", start_color=v, end_color=v) for k, v in COLOUR_FILLS.items()}
    colour_at = list(frame.columns).index("colour") if "colour" in frame.columns else -1
    for row in frame.itertuples(index=False, name=None):
        cells = [_xlsx_cell(ws, WriteOnlyCell, v) for v in row]
        if colour_at >= 0:
            fill = fills.get(_colour_key(row[colour_at]) or "")
            if fill is not None:
                cells[colour_at].fill = fill
        ws.append(cells)
    wb.save(path)


def _xlsx_cell(ws: Any, cell_type: Callable[..., Any], value: Any) -> Any:
    value = _json_value(value)
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, list | tuple | dict):
        value = json.dumps(value, ensure_ascii=False)
    cell = cell_type(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # openpyxl would otherwise store it as a live formula
    return cell


_WRITERS: dict[OutputFormat, Callable[[pd.DataFrame, Path], None]] = {
    OutputFormat.CSV: _write_csv,
    OutputFormat.JSON: _write_json,
    OutputFormat.PARQUET: _write_parquet,
    OutputFormat.XLSX: _write_xlsx,
}
