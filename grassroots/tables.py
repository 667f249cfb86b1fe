"""A page's table as a file a province sends upward (below the apps; imports none).

One piece of code for every table page's "导出 Excel" and "导出 CSV": the page builds a
`TableExport` (title, scope, period, issuing unit, columns in the page language, the rows the
page shows in the page's order) and `download` answers with the file.

The Excel file carries a title block (title, scope, period, issuing unit, date, notes such as
the filters applied), then the table: bold headers frozen below the title block, column widths,
scores to one decimal, colours as a fill *and* a mark and word (● 绿, so the colour survives a
black-and-white print), A4 landscape fitted to the page width with the header row repeated on
every page. The CSV holds the same columns (UTF-8 with a BOM, so Excel reads the Chinese), and
no cell of either can start a formula (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from grassroots.engine.outputs import defuse_formula
from grassroots.i18n import english

# The most rows one export holds (setting GRASSROOTS_EXPORT_ROWS): a list over a province's years
# is larger than any reader wants in one file, and building it would hold a worker past its time.
EXPORT_ROWS = 20_000

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")

# Fills shared with the reports' spreadsheets (grassroots/reports/render/xlsx.py).
FILLS = {
    "green": PatternFill("solid", start_color="C8E6C9"),
    "yellow": PatternFill("solid", start_color="FFF59D"),
    "red": PatternFill("solid", start_color="FFCDD2"),
    "grey": PatternFill("solid", start_color="E0E0E0"),
}
HEADER_FILL = PatternFill("solid", start_color="DCE6F1")
FONT_NAME = "Noto Sans CJK SC"
BOLD = Font(bold=True, name=FONT_NAME)
FONT = Font(name=FONT_NAME)
TITLE_FONT = Font(bold=True, name=FONT_NAME, size=14)
MARKS = {"green": "●", "yellow": "▲", "red": "■", "grey": "○"}
WIDEST, NARROWEST = 40, 6
THIN = Side(style="thin", color="A6A6A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center")


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"  # shown to one decimal
    INTEGER = "integer"
    COLOUR = "colour"  # green | yellow | red | grey: a fill and its mark and word


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    digits: int = 1  # a NUMBER's decimals: scores one, a risk score between 0 and 1 two
    centred: bool = False  # short labels (a rank interval "3–7") read best centred
    signed: bool = False  # a change: "+1.5", "-2.0"


@dataclass
class TableExport:
    title: str
    scope: str  # the unit the table covers, by name
    period: str  # as the reader says it (2024年第四季度), or "" when the table has none
    issuer: str  # the exporting user's unit, by name
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]
    file_stem: str  # the file's name without its extension
    notes: Sequence[str] = field(default_factory=tuple)  # filters applied, "provisional" ...
    generated: dt.date | None = None  # today when not given
    frozen_columns: int = 0  # columns kept in view when scrolling right (the unit's name)
    # What must travel with the figures even in the CSV (its first line): "provisional data".
    warning: str = ""
    # Rows after the table's own (the page's totals line), bold in Excel; never cut by the cap.
    footer: Sequence[Sequence[object]] = ()


def export_cap() -> int:
    """The most rows an export holds; a page reads one more to know the list was cut."""
    return int(getattr(settings, "GRASSROOTS_EXPORT_ROWS", EXPORT_ROWS))


def capped(table: TableExport) -> TableExport:
    """The table cut to the export cap, with a note saying so (unchanged when it fits)."""
    cap = export_cap()
    if len(table.rows) <= cap:
        return table
    note = _("Only the first %(cap)s rows are exported: narrow the filters for the rest.") % {
        "cap": cap
    }
    # A warning travels even in the CSV: a reader of the file must know it is not the whole list.
    warning = f"{table.warning} {note}" if table.warning else note
    return replace(table, rows=list(table.rows[:cap]), warning=warning)


def colour_word(colour: str) -> str:
    """A colour as its mark and word in the reader's language ("● 绿", "● Green"); "" for none."""
    words = {
        "green": _("Green"),
        "yellow": _("Yellow"),
        "red": _("Red"),
        "grey": _("Grey"),
    }
    return f"{MARKS[colour]} {words[colour]}" if colour in words else ""


def wanted_format(request: HttpRequest) -> str | None:
    """``xlsx`` or ``csv`` when the page's export link asked for a file (``?format=``)."""
    wanted = request.GET.get("format", "")
    return wanted if wanted in FORMATS else None


def download(table: TableExport, fmt: str) -> HttpResponse:
    """The table as an attachment in ``fmt`` (xlsx or csv); the security middleware writes the
    one export entry of the audit log for it. Every export holds at most ``export_cap()`` rows."""
    table = capped(table)
    if fmt == "csv":
        response = HttpResponse(csv_bytes(table), content_type=CSV)
    else:
        response = HttpResponse(xlsx_bytes(table), content_type=XLSX)
    name = f"{table.file_stem}.{'csv' if fmt == 'csv' else 'xlsx'}"
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    return response


# --- cells ------------------------------------------------------------------------------------


def _value(column: Column, value: object) -> Any:
    """What a cell holds: numbers as numbers (rounded as shown), text made formula-safe."""
    if value is None or value == "":
        return None
    if column.kind == Kind.COLOUR:
        return colour_word(str(value)) or None
    if (
        column.kind == Kind.NUMBER
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return round(float(value), column.digits)
    if (
        column.kind == Kind.INTEGER
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return int(value)
    return defuse_formula(str(value))


def _csv_text(column: Column, value: object) -> Any:
    shown = _value(column, value)
    if shown is None:
        return ""
    if isinstance(shown, float | int) and column.signed and shown != 0:
        return f"{shown:+.{column.digits if isinstance(shown, float) else 0}f}"
    if isinstance(shown, float):
        return f"{shown:.{column.digits}f}"
    return shown


def _display_width(text: str) -> int:
    """Characters as a spreadsheet column measures them: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# --- CSV --------------------------------------------------------------------------------------


def csv_bytes(table: TableExport) -> bytes:
    """The header row and the rows (the same columns as the Excel file), UTF-8 with a BOM; a
    warning the figures must carry (provisional data) comes first, on a line of its own."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if table.warning:
        writer.writerow([defuse_formula(table.warning)])
    writer.writerow([defuse_formula(c.header) for c in table.columns])
    for row in [*table.rows, *table.footer]:
        writer.writerow([_csv_text(c, v) for c, v in zip(table.columns, row, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- Excel ------------------------------------------------------------------------------------


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a live formula, whatever openpyxl would guess
    cell.font = FONT
    return cell


def title_block(table: TableExport) -> list[tuple[str, str]]:
    """The lines above the table: (label, text); the title's label is empty."""
    generated = table.generated or timezone.localdate()
    lines = [("", table.title), (_("Scope covered"), table.scope)]
    if table.period:
        lines.append((_("Period covered"), table.period))
    lines += [
        (_("Issuing unit"), table.issuer),
        (_("Generated on"), generated.isoformat()),
    ]
    lines += [(_("Notes"), note) for note in [table.warning, *table.notes] if note]
    return lines


def xlsx_bytes(table: TableExport) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = (table.title.translate({ord(c): "_" for c in "[]:*?/\\"}) or "Sheet")[:31]
    width = max(1, len(table.columns))
    block = title_block(table)
    colon = ": " if english() else "："
    for r, (label, text) in enumerate(block, start=1):
        cell = _put(ws, r, 1, defuse_formula(f"{label}{colon}{text}" if label else text))
        if not label:
            cell.font = TITLE_FONT
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    header_row = len(block) + 2  # one blank line between the block and the table
    widths = [_display_width(c.header) for c in table.columns]
    for col, column in enumerate(table.columns, start=1):
        cell = _put(ws, header_row, col, defuse_formula(column.header))
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, GRID
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    footer_from = header_row + 1 + len(table.rows)
    for r, row in enumerate([*table.rows, *table.footer], start=header_row + 1):
        for col, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            shown = _value(column, value)
            cell = _put(ws, r, col, shown)
            cell.border = GRID
            if r >= footer_from:
                cell.font = BOLD
            if column.centred or column.kind in (Kind.INTEGER, Kind.COLOUR):
                cell.alignment = CENTRE
            if column.kind in (Kind.NUMBER, Kind.INTEGER):
                shape = "0." + "0" * column.digits if column.kind == Kind.NUMBER else "0"
                cell.number_format = f"+{shape};-{shape};{shape}" if column.signed else shape
            elif column.kind == Kind.COLOUR and str(value) in FILLS:
                cell.fill = FILLS[str(value)]
            if shown is not None:
                chars = _display_width(str(_csv_text(column, value)))
                widths[col - 1] = max(widths[col - 1], chars)
                if chars > WIDEST:  # a long text (evidence, key fields) wraps in its column
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, chars in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(WIDEST, max(NARROWEST, chars + 2))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=table.frozen_columns + 1).coordinate
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "&P / &N"
    props = wb.properties
    props.creator = props.lastModifiedBy = table.issuer
    props.title = table.title
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
