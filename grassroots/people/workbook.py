"""The roster workbook: the template a unit fills in, and reading it back.

Two sheets: ``部门`` (department code, name) and ``人员`` (one row per person). Categories and
yes/no cells carry Excel list validation; a hidden sheet names the format and the unit. The
safety checks (zip bomb, macros, external links) and the marking of bad cells are the figures
upload's (``intake/figures/workbook.py``). Every problem names file, sheet, row and column (the
column's letter, its header in the message) in the page's language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from grassroots.engine.errors import InputError, Problem
from grassroots.intake.cases.services import upload_limits
from grassroots.intake.figures.workbook import check_xlsx_safety
from grassroots.people.models import Category

FORMAT = "grassroots-roster-1"
META_SHEET = "_template"
DEPARTMENTS_SHEET = "部门"
PEOPLE_SHEET = "人员"
DEPARTMENT_HEADERS = ("部门代码", "部门名称")
PEOPLE_HEADERS = (
    "工号", "姓名", "人员类别", "部门代码", "职务", "职级", "出生年份", "入职年份",
    "员额", "人才库", "部门负责人",
)  # fmt: skip
CATEGORY_LABELS = {
    Category.PROSECUTOR: "员额检察官",
    Category.ASSISTANT: "检察官助理",
    Category.CLERK: "书记员",
    Category.ADMIN: "司法行政人员",
    Category.LEADER: "院领导",
}
CATEGORY_BY_LABEL = {label: category for category, label in CATEGORY_LABELS.items()}
YES, NO = "是", "否"
MAX_ROWS = 5000


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    name: str


@dataclass(frozen=True)
class PersonRow:
    staff_number: str
    name: str
    category: Category
    department: str
    post: str
    grade: str
    birth_year: int
    joined_year: int | None
    quota_seat: bool
    talent_pool: bool
    heads_department: bool


@dataclass(frozen=True)
class Roster:
    departments: list[DepartmentRow]
    people: list[PersonRow]


def build_template(
    *, unit_code: str, departments: list[DepartmentRow], people: list[PersonRow]
) -> bytes:
    """The roster template of one unit, filled with its current roster (if any)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = DEPARTMENTS_SHEET
    sheet.append(list(DEPARTMENT_HEADERS))
    for d in departments:
        sheet.append([d.code, d.name])
    _style(sheet, (14, 28))
    staff = book.create_sheet(PEOPLE_SHEET)
    staff.append(list(PEOPLE_HEADERS))
    for p in people:
        staff.append(
            [
                p.staff_number,
                p.name,
                CATEGORY_LABELS[p.category],
                p.department,
                p.post,
                p.grade,
                p.birth_year,
                p.joined_year,
                _yes(p.quota_seat),
                _yes(p.talent_pool),
                _yes(p.heads_department),
            ]  # fmt: skip
        )
    _style(staff, (12, 12, 16, 12, 16, 16, 10, 10, 8, 8, 10))
    categories = DataValidation(
        type="list", formula1='"' + ",".join(CATEGORY_LABELS.values()) + '"', allow_blank=False
    )
    yes_no = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    years = DataValidation(type="whole", operator="between", formula1="1940", formula2="2100")
    categories.add(f"C2:C{MAX_ROWS}")
    yes_no.add(f"I2:K{MAX_ROWS}")
    years.add(f"G2:H{MAX_ROWS}")
    for rule in (categories, yes_no, years):
        staff.add_data_validation(rule)
    meta = book.create_sheet(META_SHEET)
    meta.append(["format", FORMAT])
    meta.append(["unit", unit_code])
    meta.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _yes(value: bool) -> str:
    return YES if value else NO


def _style(sheet: object, widths: tuple[int, ...]) -> None:
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(sheet, Worksheet)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"


# ---------------------------------------------------------------------------------------------
# Reading back


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheets(name: str, path: Path) -> dict[str, list[list[object]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = set(book.sheet_names)
        return {
            sheet: [list(r) for r in book.get_sheet_by_name(sheet).to_python()]
            for sheet in (DEPARTMENTS_SHEET, PEOPLE_SHEET, META_SHEET)
            if sheet in names
        }
    except Exception:  # calamine raises several unrelated types
        raise InputError(
            [Problem(name, None, None, _("the file is not a readable workbook"))]
        ) from None


def _header_problems(
    name: str, sheet: str, header: list[object], expected: tuple[str, ...]
) -> list[Problem]:
    problems = []
    for i, want in enumerate(expected):
        got = _text(header[i]) if i < len(header) else ""
        if got != want:
            letter = get_column_letter(i + 1)
            problems.append(
                Problem(
                    name,
                    1,
                    letter,
                    _("column %(letter)s should be “%(want)s” but is “%(got)s”")
                    % {"letter": letter, "want": want, "got": got},
                    sheet=sheet,
                )  # fmt: skip
            )
    return problems


def read_roster(name: str, data: bytes, *, unit_code: str, year: int) -> Roster:
    """The roster in an uploaded workbook; InputError with every problem found."""
    check_xlsx_safety(name, data, upload_limits())
    import tempfile

    with tempfile.TemporaryDirectory(prefix="grassroots-roster-") as tmp:
        path = Path(tmp) / "roster.xlsx"
        path.write_bytes(data)
        sheets = _sheets(name, path)
    meta = {_text(r[0]): _text(r[1]) for r in sheets.get(META_SHEET, []) if len(r) >= 2}
    if meta.get("format") != FORMAT:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    None,
                    _("not a Grassroots roster template (download it from the roster page)"),
                )
            ]
        )
    if meta.get("unit") != unit_code:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    None,
                    _("this template was made for unit %(made)s, not %(unit)s")
                    % {"made": meta.get("unit", ""), "unit": unit_code},
                    sheet=META_SHEET,
                )  # fmt: skip
            ]
        )
    problems: list[Problem] = []
    for sheet in (DEPARTMENTS_SHEET, PEOPLE_SHEET):
        if sheet not in sheets:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    _("the workbook has no sheet named %(sheet)s") % {"sheet": sheet},
                )
            )
    if problems:
        raise InputError(problems)
    dept_rows = sheets[DEPARTMENTS_SHEET]
    people_rows = sheets[PEOPLE_SHEET]
    problems += _header_problems(
        name, DEPARTMENTS_SHEET, dept_rows[0] if dept_rows else [], DEPARTMENT_HEADERS
    )
    problems += _header_problems(
        name, PEOPLE_SHEET, people_rows[0] if people_rows else [], PEOPLE_HEADERS
    )
    if problems:
        raise InputError(problems)
    departments = _departments(name, dept_rows, problems)
    people = _people(name, people_rows, {d.code for d in departments}, year, problems)
    if problems:
        raise InputError(problems)
    return Roster(departments, people)


def _departments(
    name: str, rows: list[list[object]], problems: list[Problem]
) -> list[DepartmentRow]:
    found: dict[str, int] = {}
    departments = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_text(c) for c in row] + ["", ""]
        code, title = cells[0], cells[1]
        if not code and not title:
            continue

        def bad(column: str, message: str, number: int = number) -> None:
            header = DEPARTMENT_HEADERS[0 if column == "A" else 1]
            problems.append(
                Problem(name, number, column, f"{header}: {message}", sheet=DEPARTMENTS_SHEET)
            )

        if not code:
            bad("A", _("a department code is required"))
        elif len(code) > 20:
            bad("A", _("at most 20 characters"))
        elif code in found:
            bad("A", _("%(code)s is already on row %(row)s") % {"code": code, "row": found[code]})
        else:
            found[code] = number
        if not title:
            bad("B", _("a department name is required"))
        departments.append(DepartmentRow(code, title[:100]))
    return departments


def _people(
    name: str, rows: list[list[object]], departments: set[str], year: int, problems: list[Problem]
) -> list[PersonRow]:
    seen: dict[str, int] = {}
    people = []
    if len(rows) - 1 > MAX_ROWS:
        problems.append(
            Problem(
                name,
                None,
                None,
                _("at most %(n)s people per workbook") % {"n": MAX_ROWS},
                sheet=PEOPLE_SHEET,
            )
        )
        return []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_text(c) for c in row] + [""] * len(PEOPLE_HEADERS)
        if not any(cells[: len(PEOPLE_HEADERS)]):
            continue
        before = len(problems)

        def bad(index: int, message: str, number: int = number) -> None:
            header = PEOPLE_HEADERS[index]
            problems.append(
                Problem(
                    name,
                    number,
                    get_column_letter(index + 1),
                    f"{header}: {message}",
                    sheet=PEOPLE_SHEET,
                )
            )

        staff_number, person_name, category_label, department = (
            cells[0],
            cells[1],
            cells[2],
            cells[3],
        )
        if not staff_number:
            bad(0, _("a staff number is required"))
        elif len(staff_number) > 20:
            bad(0, _("at most 20 characters"))
        elif staff_number in seen:
            bad(
                0,
                _("%(number)s is already on row %(row)s")
                % {"number": staff_number, "row": seen[staff_number]},
            )
        else:
            seen[staff_number] = number
        if not person_name:
            bad(1, _("a name is required"))
        category = CATEGORY_BY_LABEL.get(category_label)
        if category is None:
            bad(
                2,
                _("“%(value)s” is not one of %(allowed)s")
                % {"value": category_label, "allowed": "、".join(CATEGORY_LABELS.values())},
            )
        if department and department not in departments:
            bad(3, _("%(code)s is not on the departments sheet") % {"code": department})
        birth = _year(cells[6], year, required=True, bad=lambda m: bad(6, m))
        joined = _year(cells[7], year, required=False, bad=lambda m: bad(7, m))
        flags = []
        for index in (8, 9, 10):
            value = cells[index]
            if value not in (YES, NO, ""):
                bad(index, _("“%(value)s” is not 是 or 否") % {"value": value})
            flags.append(value == YES)
        if category == Category.PROSECUTOR:
            flags[0] = True  # every prosecutor holds a quota seat
        if len(problems) == before and category is not None and birth is not None:
            people.append(
                PersonRow(
                    staff_number,
                    person_name[:50],
                    category,
                    department,
                    cells[4][:50],
                    cells[5][:50],
                    birth,
                    joined,
                    flags[0],
                    flags[1],
                    flags[2],
                )  # fmt: skip
            )
    return people


def _year(text: str, year: int, *, required: bool, bad: object) -> int | None:
    assert callable(bad)
    if not text:
        if required:
            bad(_("a year is required"))
        return None
    try:
        value = int(text)
    except ValueError:
        bad(_("“%(value)s” is not a year") % {"value": text})
        return None
    if not 1940 <= value <= year:
        bad(_("%(value)s is not a year between 1940 and %(year)s") % {"value": value, "year": year})
        return None
    return value
