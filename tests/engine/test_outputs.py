"""Output writers: column order, formula-safe CSV, JSON nulls, coloured Excel, atomic writes."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from grassroots.engine import outputs
from grassroots.engine.outputs import RESULT_COLUMNS, order_columns, write_result


def _result() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "why": ["low remand rate", "=cmd|' /C calc'!A0", None],
            "unit_code": ["370102", "370103", "370104"],
            "period": ["2024Q4"] * 3,
            "node": ["remand_rate", "remand_rate", "core"],
            "level": ["indicator", "indicator", "scheme"],
            "value": [-3.25, 12.5, math.nan],
            "score": [80.0, 20.0, math.nan],
            "rank_peer": [1, 2, 3],
            "rank_all": [1.0, 2.0, math.nan],
            "colour": ["green", "red", "grey"],
            "flags": ["", "-outlier", "missing"],
        }
    )


def test_it_keeps_exactly_the_contract_columns_then_why_and_colour_share() -> None:
    frame = _result().assign(depth=0, peer_group="370100", colour_share=0.5)
    ordered = order_columns(frame)
    assert list(ordered.columns) == [*RESULT_COLUMNS, "why", "colour_share"]
    assert ordered["rank_q05"].isna().all()


def test_csv_prefixes_formula_text_but_keeps_negative_numbers(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    write_result(order_columns(_result()), out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["value"] == "-3.25"  # a number, not text: no quote
    assert rows[1]["why"] == "'=cmd|' /C calc'!A0"
    assert rows[1]["flags"] == "'-outlier"
    assert rows[0]["why"] == "low remand rate"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1+1", "'+1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\r=1", "'\r=1"),
        ("-12.5", "-12.5"),
        ("+3e5", "+3e5"),
        ("safe", "safe"),
    ],
)
def test_it_defuses_every_formula_start(text: str, expected: str) -> None:
    assert outputs.defuse_formula(text) == expected


def test_json_is_records_with_nan_as_null(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    write_result(order_columns(_result()), out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    assert len(data) == 3
    assert data[2]["value"] is None
    assert data[2]["rank_q05"] is None
    assert data[0]["value"] == -3.25
    assert data[0]["rank_peer"] == 1


def test_parquet_round_trips_the_result(tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    frame = order_columns(_result())
    write_result(frame, out)
    back = pq.read_table(out).to_pandas()
    assert list(back.columns) == list(frame.columns)
    assert back["value"].iloc[0] == -3.25


def test_xlsx_fills_colour_cells_keeps_colour_text_and_freezes_header(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    write_result(order_columns(_result()), out)
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header[: len(RESULT_COLUMNS)] == list(RESULT_COLUMNS)
    assert ws[1][0].font.bold
    assert ws.freeze_panes == "B2"
    col = header.index("colour") + 1
    colours = {ws.cell(row=r, column=col).value: ws.cell(row=r, column=col) for r in (2, 3, 4)}
    assert set(colours) == {"green", "red", "grey"}
    assert colours["red"].fill.fgColor.rgb.endswith(outputs.COLOUR_FILLS["red"])
    assert colours["green"].fill.fgColor.rgb.endswith(outputs.COLOUR_FILLS["green"])
    assert colours["grey"].fill.fgColor.rgb.endswith(outputs.COLOUR_FILLS["grey"])


def test_xlsx_stores_formula_like_text_as_text(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    write_result(order_columns(_result()), out)
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=3, column=header.index("why") + 1)
    assert cell.value == "=cmd|' /C calc'!A0"
    assert cell.data_type == "s"


def test_it_leaves_no_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_write(frame: pd.DataFrame, path: Path) -> None:
        path.write_text("partial", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setitem(outputs._WRITERS, outputs.OutputFormat.CSV, half_write)
    with pytest.raises(OSError, match="disk full"):
        write_result(_result(), tmp_path / "r.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r.csv"
    out.write_text("old", encoding="utf-8")

    def broken(frame: pd.DataFrame, path: Path) -> None:
        raise ValueError("bad value")

    monkeypatch.setitem(outputs._WRITERS, outputs.OutputFormat.CSV, broken)
    with pytest.raises(ValueError, match="bad value"):
        write_result(_result(), out)
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_it_rejects_an_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(outputs.UnsupportedFormatError, match="txt"):
        write_result(_result(), tmp_path / "r.txt")
    assert list(tmp_path.iterdir()) == []


def test_the_written_file_has_ordinary_permissions_not_the_temporary_files(tmp_path: Path) -> None:
    import os

    from grassroots.engine.outputs import write_result

    old = os.umask(0o022)
    try:
        target = tmp_path / "r.csv"
        write_result(pd.DataFrame({"unit_code": ["370102"], "value": [1.0]}), target)
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644
