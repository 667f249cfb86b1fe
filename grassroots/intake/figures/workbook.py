"""The reporting workbook: build the template, refuse unsafe files, read it back, mark problems.

Layout (sheet ``填报``): a header row, then one row per unit × reported element with the unit,
period, element and its Chinese name, unit of measure and allowed range already filled in; only
the value column is editable (sheet protection) and it carries Excel data validation for the
range. A very hidden sheet ``_template`` names the catalogue, period and unit the template was
made for, so a workbook of another scheme or period is recognised and refused.

Rows of the sheet map one to one onto rows of the engine's element-values format
(``unit_code, period, element, value``), so the engine's own checks can run on it and its row
numbers are the sheet's row numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation

from grassroots.engine.catalogue import Catalogue, Element
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.outputs import defuse_formula
from grassroots.intake.cases.staging import Limits

SHEET = "填报"
META_SHEET = "_template"
FORMAT = "grassroots-figures-1"
# (header shown, the engine column it feeds or None for a display-only column)
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("单位代码", "unit_code"),
    ("单位名称", None),
    ("期间", "period"),
    ("数据元素代码", "element"),
    ("数据元素名称", None),
    ("计量单位", None),
    ("最小值", None),
    ("最大值", None),
    ("数值", "value"),
)
HEADERS = tuple(h for h, _ in COLUMNS)
VALUE_COLUMN = HEADERS.index("数值") + 1
ENGINE_TO_HEADER = {engine: h for h, engine in COLUMNS if engine}
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class UnitRef:
    code: str
    name: str


@dataclass(frozen=True)
class Template:
    catalogue: str
    period: str
    scope: str  # the unit code the template was made for (a unit or a city)


def reported_elements(catalogue: Catalogue) -> list[Element]:
    return [e for e in catalogue.elements.values() if e.reported]


def build_template(
    *, catalogue: Catalogue, period: str, scope: str, units: Sequence[UnitRef], password: str
) -> bytes:
    """The protected template for ``units`` (one unit, or every unit of a city)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    elements = reported_elements(catalogue)
    for unit in units:
        for element in elements:
            sheet.append(
                [
                    unit.code,
                    unit.name,
                    period,
                    element.code,
                    element.name_zh,
                    element.unit,
                    element.min,
                    element.max,
                    None,
                ]  # fmt: skip
            )
    last = sheet.max_row
    _protect_values(sheet, elements, len(units), last, password)
    for i, width in enumerate((10, 24, 10, 18, 24, 10, 10, 10, 14), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    meta = book.create_sheet(META_SHEET)
    for row in (("format", FORMAT), ("catalogue", catalogue.name), ("period", period),
                ("scope", scope)):  # fmt: skip
        meta.append(list(row))
    meta.sheet_state = "veryHidden"
    meta.protection.password = password
    meta.protection.sheet = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _protect_values(
    sheet: object, elements: list[Element], units: int, last: int, password: str
) -> None:
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(sheet, Worksheet)
    letter = get_column_letter(VALUE_COLUMN)
    for row in range(2, last + 1):
        sheet.cell(row=row, column=VALUE_COLUMN).protection = UNLOCKED
    # One validation per element: its rows repeat every len(elements) rows.
    for offset, element in enumerate(elements):
        low = element.lowest if element.lowest is not None else -1e15
        high = element.max if element.max is not None else 1e15
        rule = DataValidation(
            type="decimal", operator="between", formula1=str(low), formula2=str(high),
            showErrorMessage=True, errorTitle="数值超出范围",
            error=f"{element.name_zh}：允许范围 {low:g} 至 {high:g}",
        )  # fmt: skip
        rows = range(2 + offset, last + 1, len(elements)) if units else range(0)
        # One sqref assignment: adding cells one by one is quadratic in openpyxl.
        rule.sqref = MultiCellRange(" ".join(f"{letter}{row}" for row in rows))
        sheet.add_data_validation(rule)
    sheet.protection.password = password
    sheet.protection.sheet = True
    sheet.protection.formatCells = False


# ---------------------------------------------------------------------------------------------
# Reading back


def check_xlsx_safety(name: str, data: bytes, limits: Limits) -> None:
    """Refuse a workbook that is not a zip, is a zip bomb, or carries macros or external links."""
    if not data.startswith(b"PK\x03\x04"):
        raise _problem(name, "is not an Excel .xlsx workbook (its content is not a zip package)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _problem(name, f"is a damaged workbook ({exc})") from None
    with archive:
        infos = archive.infolist()
        total = sum(i.file_size for i in infos)
        if total > limits.max_uncompressed or total > limits.max_ratio * max(len(data), 1):
            raise _problem(
                name,
                f"the workbook would expand to {total:,} bytes from {len(data):,}: refused "
                "as a possible zip bomb",
            )
        names = [i.filename.lower() for i in infos]
        if any(n.endswith("vbaproject.bin") for n in names):
            raise _problem(name, "the workbook contains macros (VBA): refused")
        if any(n.startswith("xl/externallinks/") for n in names):
            raise _problem(name, "the workbook has links to external workbooks: refused")


def _problem(name: str, message: str, **where: object) -> InputError:
    return InputError([Problem(name, None, None, message)])


def read_template_meta(name: str, path: Path) -> Template:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_name(META_SHEET).to_python()
    except Exception:  # calamine raises several unrelated types
        raise InputError(
            [Problem(name, None, None, "not a Grassroots figures template (no template sheet)")]
        ) from None
    meta = {str(r[0]): str(r[1]) for r in rows if len(r) >= 2}
    if meta.get("format") != FORMAT:
        raise _problem(name, "not a Grassroots figures template (unknown template format)")
    return Template(meta.get("catalogue", ""), meta.get("period", ""), meta.get("scope", ""))


def sheet_rows(name: str, path: Path) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
        rows: list[list[object]] = [list(row) for row in sheet]
    except Exception:
        raise InputError(
            [Problem(name, None, None, f"the workbook has no sheet named {SHEET}", sheet=SHEET)]
        ) from None
    return rows


def header_problems(name: str, header: Sequence[object]) -> list[Problem]:
    got = [str(h).strip() if h is not None else "" for h in header]
    problems = []
    for i, expected in enumerate(HEADERS):
        actual = got[i] if i < len(got) else ""
        if actual != expected:
            letter = get_column_letter(i + 1)
            what = f"is '{actual}'" if actual else "is missing"
            problems.append(
                Problem(
                    name,
                    1,
                    letter,
                    f"column {letter} should be '{expected}' but {what}",
                    sheet=SHEET,
                )  # fmt: skip
            )
    return problems


def to_engine_csv(rows: list[list[object]], target: Path) -> None:
    """The sheet's data rows as the engine's element-values CSV, row for row."""
    picks = [i for i, (_, engine) in enumerate(COLUMNS) if engine]
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([COLUMNS[i][1] for i in picks])
        for row in rows[1:]:
            writer.writerow([_text(row[i]) if i < len(row) else "" for i in picks])


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def mark_problems(data: bytes, problems: Sequence[Problem]) -> bytes:
    """The uploaded workbook with each bad cell filled red and the reason as a comment."""
    book = load_workbook(io.BytesIO(data))
    for problem in problems:
        sheet = book[problem.sheet] if problem.sheet in book.sheetnames else book.worksheets[0]
        column = _column_index(problem.column)
        cell = sheet.cell(row=problem.row or 1, column=column or 1)
        cell.fill = BAD_FILL
        text = (
            problem.message if cell.comment is None else f"{cell.comment.text}\n{problem.message}"
        )
        cell.comment = Comment(text, "Grassroots")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _column_index(column: str | None) -> int | None:
    if not column:
        return None
    if column in HEADERS:
        return HEADERS.index(column) + 1
    from openpyxl.utils import column_index_from_string

    try:
        return int(column_index_from_string(column))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# A cell that a spreadsheet cannot turn into a formula (the exports: grassroots/tables.py)


def safe_cell(value: object) -> str:
    """Text for a cell; a leading = + - @ (tab, CR) is escaped with a quote (OWASP), a plain
    negative number stays a number."""
    return defuse_formula("" if value is None else str(value))
