"""The shared table export (grassroots/tables.py) without a database: every cell kind, the
title block, the print set-up and formula safety, read back as a user's spreadsheet would."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
from django.utils import translation

from grassroots.tables import Column, Kind, TableExport, csv_bytes, download, xlsx_bytes

TABLE = TableExport(
    title="=标题",
    scope="济南市人民检察院",
    period="2024年第四季度",
    issuer="山东省人民检察院",
    columns=[
        Column("单位"),
        Column("得分", Kind.NUMBER),
        Column("件数", Kind.INTEGER),
        Column("颜色", Kind.COLOUR),
        Column("风险分", Kind.NUMBER, digits=2),
        Column("变化", Kind.NUMBER, signed=True),
    ],
    rows=[
        ["=HYPERLINK(1)", 76.76598228596627, 3, "red", 0.456, 1.25],
        ["\tTAB", -2.04, None, "green", None, -0.5],
        ["@cmd", None, 12, "", 0.1, 0.0],
    ],
    file_stem="表-2024Q4",
    notes=["筛选：颜色 红"],
    generated=dt.date(2026, 12, 6),
)


def test_the_excel_file_and_the_csv_hold_the_same_safe_cells() -> None:
    with translation.override("zh-hans"):
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(TABLE))).active
        rows = list(csv.reader(io.StringIO(csv_bytes(TABLE).decode("utf-8-sig"))))
    block = [sheet.cell(r, 1).value for r in range(1, 7)]
    assert block == ["'=标题", "范围：济南市人民检察院", "期间：2024年第四季度",
                     "制表单位：山东省人民检察院", "制表日期：2026-12-06", "说明：筛选：颜色 红"]  # fmt: skip
    top = 8
    assert (
        [c.value for c in sheet[top]]
        == rows[0]
        == ["单位", "得分", "件数", "颜色", "风险分", "变化"]
    )
    body = [[c.value for c in r] for r in sheet.iter_rows(min_row=top + 1)]
    assert body == [
        ["'=HYPERLINK(1)", 76.8, 3, "■ 红", 0.46, 1.2],
        ["'\tTAB", -2.0, None, "● 绿", None, -0.5],
        ["'@cmd", None, 12, None, 0.1, 0.0],
    ]
    assert rows[1:] == [
        ["'=HYPERLINK(1)", "76.8", "3", "■ 红", "0.46", "+1.2"],
        ["'\tTAB", "-2.0", "", "● 绿", "", "-0.5"],
        ["'@cmd", "", "12", "", "0.10", "0.0"],
    ]
    assert sheet.cell(top + 1, 2).number_format == "0.0"
    assert sheet.cell(top + 1, 5).number_format == "0.00"
    assert sheet.cell(top + 1, 6).number_format == "+0.0;-0.0;0.0"
    assert sheet.cell(top + 1, 4).fill.start_color.rgb.endswith("FFCDD2")
    assert sheet.cell(top, 1).font.bold
    assert sheet.freeze_panes == f"A{top + 1}"
    assert sheet.print_title_rows == f"${top}:${top}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth == 1


def test_english_pages_get_english_words_and_the_file_its_name() -> None:
    with translation.override("en"):
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(TABLE))).active
        response = download(TABLE, "csv")
    assert sheet.cell(2, 1).value.startswith("Scope")
    assert sheet.cell(9, 4).value == "■ Red"
    assert response["Content-Type"].startswith("text/csv")
    assert "filename*=UTF-8''%E8%A1%A8-2024Q4.csv" in response["Content-Disposition"]
