"""Excel (.xlsx): a cover sheet, then one sheet per table with Chinese headers, unit names,
colours with their word beside them, frozen header rows, and no cell that starts a formula."""

from __future__ import annotations

import io
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment

from grassroots.engine.outputs import defuse_formula
from grassroots.reports.content import Content, Table
from grassroots.reports.render.zipfix import fixed_zip
from grassroots.tables import BOLD, FILLS, FONT, HEADER_FILL


def safe_text(text: str) -> str:
    """Text a spreadsheet would run as a formula (= + - @ ...) gets a leading quote."""
    return defuse_formula(text)


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    cell = _value(ws, row, column, value)
    cell.font = FONT
    return cell


def _value(ws: Any, row: int, column: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "表"
    base, n = clean, 2
    while clean in used:
        suffix = f"({n})"
        clean, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(clean)
    return clean


def _table_sheet(wb: Any, table: Table, used: set[str]) -> None:
    ws = wb.create_sheet(_sheet_name(table.sheet or table.title, used))
    for col, text in enumerate(table.headers, start=1):
        cell = _put(ws, 1, col, text)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[cell.column_letter].width = max(10, min(28, 2.2 * len(text)))
    # A cell's look is copied from the first cell of its colour: assigning the font and fill
    # to each cell hashes them every time, most of a national bulletin's spreadsheet time.
    looks: dict[str, Any] = {}
    for r, row in enumerate(table.rows, start=2):
        for col, value in enumerate(row, start=1):
            shown = value.number if value.number is not None else value.text
            look = looks.get(value.colour)
            if look is None:
                cell = _put(ws, r, col, shown)
                if value.colour in FILLS:
                    cell.fill = FILLS[value.colour]
                looks[value.colour] = copy(cell._style)
            else:
                cell = _value(ws, r, col, shown)
                cell._style = copy(look)
    ws.freeze_panes = "B2" if len(table.headers) > 6 else "A2"


def render_xlsx(content: Content) -> bytes:
    wb = Workbook()
    cover = wb.active
    cover.title = "封面"
    h = content.header
    lines = [
        ("密级标识", h.marking),
        ("发文机关", h.issuer),
        ("标题", h.title),
        ("期号", h.number),
        ("日期", h.issued_on.isoformat()),
    ]
    for section in content.sections:
        for text in section.paragraphs:
            lines.append((section.title, text))
    for r, (label, text) in enumerate(lines, start=1):
        _put(cover, r, 1, label).font = BOLD
        _put(cover, r, 2, text)
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 100
    used = {"封面"}
    for table in content.tables():
        _table_sheet(wb, table, used)
    props = wb.properties
    props.creator = props.lastModifiedBy = h.issuer
    props.title = h.title
    props.created = props.modified = content.stamp.replace(tzinfo=None)
    buffer = io.BytesIO()
    wb.save(buffer)
    return fixed_zip(buffer.getvalue(), content.stamp)
