"""Reported figures: the protected template, the dry run, the import, history and bad inputs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from grassroots.engine.errors import InputError
from grassroots.intake.figures import workbook
from grassroots.intake.figures.services import FiguresChanged, build_template, import_figures
from grassroots.intake.models import FigureUpload, ReportedValue, ValueChange
from grassroots.organisations.models import AuditEntry, Role, Unit


@pytest.fixture
def admin(make_member) -> object:
    return make_member(Role.PROVINCE_ADMIN, "370000", "admin")


@pytest.fixture
def city_template(province) -> bytes:
    return build_template(unit=Unit.objects.get(code="370100"), catalogue="cepej", period="2024Q3")


def _fill(
    template: bytes, values: dict[tuple[str, str], object], tmp_path: Path, name: str = "filled"
) -> Path:
    book = load_workbook(io.BytesIO(template))
    sheet = book[workbook.SHEET]
    for row in sheet.iter_rows(min_row=2):
        key = (row[0].value, row[3].value)
        if key in values:
            row[workbook.VALUE_COLUMN - 1].value = values[key]
    path = tmp_path / f"{name}.xlsx"
    book.save(path)
    return path


def _figures_state() -> tuple[int, int, int, int]:
    return (
        FigureUpload.objects.count(),
        ReportedValue.objects.count(),
        ValueChange.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_template_is_prefilled_protected_and_validated(city_template) -> None:
    book = load_workbook(io.BytesIO(city_template))
    sheet = book[workbook.SHEET]
    assert [c.value for c in sheet[1]] == list(workbook.HEADERS)
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[2], r[3]) for r in rows[:3]] == [
        ("370102", "2024Q3", "incoming"),
        ("370102", "2024Q3", "resolved"),
        ("370102", "2024Q3", "pending_end"),
    ]
    assert {r[0] for r in rows} == {"370102", "370103", "370104"}
    assert rows[0][4] == "新收案件数"
    assert sheet.protection.sheet is True
    assert sheet["A2"].protection.locked is True
    assert sheet.cell(row=2, column=workbook.VALUE_COLUMN).protection.locked is False
    [rule, *_] = sheet.data_validations.dataValidation
    assert (rule.type, rule.formula1) == ("decimal", "0.0")
    assert book[workbook.META_SHEET].sheet_state == "veryHidden"


def test_a_dry_run_shows_the_changes_and_saves_nothing(admin, city_template, tmp_path) -> None:
    path = _fill(city_template, {("370102", "incoming"): 120, ("370103", "resolved"): 80}, tmp_path)
    before = _figures_state()
    result = import_figures(path=path, actor=admin, dry_run=True)
    assert [(c.unit_code, c.element, c.old, c.new) for c in result.changes] == [
        ("370102", "incoming", None, 120.0),
        ("370103", "resolved", None, 80.0),
    ]
    assert result.upload is None
    assert _figures_state() == before


def test_an_import_saves_values_with_full_history(admin, city_template, tmp_path) -> None:
    first = _fill(city_template, {("370102", "incoming"): 120}, tmp_path)
    import_figures(path=first, actor=admin, dry_run=False)
    second = _fill(
        city_template, {("370102", "incoming"): 125, ("370102", "resolved"): 7}, tmp_path
    )
    result = import_figures(path=second, actor=admin, dry_run=False)
    value = ReportedValue.objects.get(unit__code="370102", element="incoming")
    assert value.value == 125
    history = [(c.old, c.new, c.actor_name, c.upload_id) for c in value.changes.order_by("id")]
    first_upload = FigureUpload.objects.order_by("id").first()
    assert history == [(None, 120, "admin", first_upload.pk), (120, 125, "admin", result.upload.pk)]
    assert result.upload.changed == 2
    assert AuditEntry.objects.filter(model="intake.reportedvalue").count() == 3


def _rejected(path: Path, actor, match: str, **kwargs) -> InputError:
    before = _figures_state()
    with pytest.raises(InputError) as info:
        import_figures(path=path, actor=actor, dry_run=False, **kwargs)
    assert match in str(info.value), str(info.value)
    assert _figures_state() == before
    return info.value


def test_it_rejects_a_template_of_another_period_or_catalogue(admin, city_template, tmp_path):
    path = _fill(city_template, {("370102", "incoming"): 1}, tmp_path)
    error = _rejected(
        path, admin, "this template is for period 2024Q3, not 2024Q4", period="2024Q4"
    )
    assert "catalogue" not in str(error)
    _rejected(path, admin, "this template is for catalogue cepej, not spp", catalogue="spp")


def test_it_rejects_a_renamed_or_missing_column(admin, city_template, tmp_path) -> None:
    book = load_workbook(io.BytesIO(city_template))
    sheet = book[workbook.SHEET]
    sheet.protection.sheet = False
    sheet["I1"] = "value"
    sheet.delete_cols(2)
    path = tmp_path / "renamed.xlsx"
    book.save(path)
    error = _rejected(
        path, admin, "填报 row 1, column B: column B should be '单位名称' but is '期间'"
    )
    assert any(p.column == "I" and "is missing" in p.message for p in error.problems)


def test_it_rejects_rows_of_units_outside_the_uploaders_scope(
    make_member, city_template, tmp_path
) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102", "clerk")
    path = _fill(city_template, {("370102", "incoming"): 1, ("370103", "incoming"): 2}, tmp_path)
    error = _rejected(path, clerk, "370103")
    # One problem per unit outside the clerk's scope, at its first row: 370103 and 370104.
    [problem, _] = error.problems
    assert (problem.sheet, problem.row, problem.column) == ("填报", 5, "单位代码")
    assert "outside your scope" in problem.message


def test_it_rejects_text_in_a_number_cell(admin, city_template, tmp_path) -> None:
    path = _fill(city_template, {("370102", "resolved"): "一百"}, tmp_path)
    error = _rejected(
        path, admin, "filled.xlsx sheet 填报 row 3, column 数值: '一百' is not a number"
    )
    assert len(error.problems) == 1


def test_it_rejects_a_value_out_of_its_range(admin, city_template, tmp_path) -> None:
    path = _fill(city_template, {("370103", "pending_end"): -4}, tmp_path)
    _rejected(path, admin, "row 7, column 数值: -4 is below the minimum 0 of pending_end")


def test_it_rejects_duplicate_rows(admin, city_template, tmp_path) -> None:
    book = load_workbook(io.BytesIO(city_template))
    sheet = book[workbook.SHEET]
    sheet.append([c.value for c in sheet[2]][:-1] + [5])
    path = tmp_path / "dupe.xlsx"
    book.save(path)
    _rejected(path, admin, f"row {sheet.max_row}")


def _repacked(template: bytes, tmp_path: Path, extra: dict[str, bytes]) -> Path:
    source = zipfile.ZipFile(io.BytesIO(template))
    path = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        for name, data in extra.items():
            out.writestr(name, data)
    return path


def test_it_rejects_a_workbook_with_macros(admin, city_template, tmp_path) -> None:
    path = _repacked(city_template, tmp_path, {"xl/vbaProject.bin": b"\x00" * 64})
    _rejected(path, admin, "contains macros")


def test_it_rejects_a_workbook_with_external_links(admin, city_template, tmp_path) -> None:
    path = _repacked(city_template, tmp_path, {"xl/externalLinks/externalLink1.xml": b"<x/>"})
    _rejected(path, admin, "links to external workbooks")


def test_it_rejects_an_xlsx_zip_bomb(admin, city_template, tmp_path) -> None:
    path = _repacked(city_template, tmp_path, {"xl/media/big.bin": b"\x00" * 30_000_000})
    _rejected(path, admin, "possible zip bomb")


def test_it_rejects_a_file_that_is_not_what_its_name_says(admin, tmp_path) -> None:
    path = tmp_path / "figures.xlsx"
    path.write_text("unit_code,period,element,value\n", encoding="utf-8")
    _rejected(path, admin, "is not an Excel .xlsx workbook")


def test_it_rejects_a_file_over_the_size_limit(admin, city_template, tmp_path, settings) -> None:
    from grassroots.intake.cases.staging import Limits

    settings.GRASSROOTS_INTAKE_LIMITS = Limits(max_bytes=1000)
    path = _fill(city_template, {}, tmp_path)
    _rejected(path, admin, "over the limit of 1,000 bytes")


def test_it_imports_a_csv_in_the_engine_format(admin, tmp_path) -> None:
    path = tmp_path / "figures.csv"
    path.write_text(
        "unit_code,period,element,value\n370102,2024Q3,incoming,9\n370202,2024Q3,incoming,\n",
        encoding="gb18030",
    )
    result = import_figures(
        path=path, actor=admin, dry_run=False, catalogue="cepej", period="2024Q3"
    )
    assert [(c.unit_code, c.new) for c in result.changes] == [("370102", 9.0)]
    assert ReportedValue.objects.get().value == 9


def test_a_csv_row_of_another_period_is_rejected(admin, tmp_path) -> None:
    path = tmp_path / "figures.csv"
    path.write_text("unit_code,period,element,value\n370102,2024Q2,incoming,9\n")
    _rejected(path, admin, "figures.csv row 2, column period: '2024Q2' is not this upload's period",
              catalogue="cepej", period="2024Q3")  # fmt: skip


def test_a_csv_with_a_nul_byte_after_its_first_8_kb_is_rejected(admin, tmp_path) -> None:
    """Issue 19.7: the content check once read only the first 8 KB, and the rest was stored."""
    path = tmp_path / "figures.csv"
    rows = "370102,2024Q3,incoming,9\n" * 400  # ~10 KB
    path.write_bytes(
        f"unit_code,period,element,value\n{rows}".encode() + b"370202,2024Q3,in\x00,1\n"
    )
    _rejected(path, admin, "NUL byte", catalogue="cepej", period="2024Q3")


def test_an_upload_saved_since_the_dry_run_is_not_mixed_in(admin, city_template, tmp_path) -> None:
    path = _fill(city_template, {("370102", "incoming"): 120}, tmp_path)
    dry = import_figures(path=path, actor=admin, dry_run=True)
    other = _fill(city_template, {("370102", "incoming"): 99}, tmp_path, "other")
    import_figures(path=other, actor=admin, dry_run=False)
    with pytest.raises(FiguresChanged):
        import_figures(path=path, actor=admin, dry_run=False, expected=dry.basis())
    assert ReportedValue.objects.get().value == 99


def test_the_marked_workbook_fills_each_bad_cell_and_explains_it(admin, city_template, tmp_path):
    path = _fill(city_template, {("370102", "resolved"): "abc"}, tmp_path)
    with pytest.raises(InputError) as info:
        import_figures(path=path, actor=admin, dry_run=True)
    marked = load_workbook(
        io.BytesIO(workbook.mark_problems(path.read_bytes(), info.value.problems))
    )
    cell = marked[workbook.SHEET].cell(row=3, column=workbook.VALUE_COLUMN)
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "'abc' is not a number" in cell.comment.text
    assert marked[workbook.SHEET].cell(row=2, column=workbook.VALUE_COLUMN).comment is None


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
     ("-5", "-5"), ("历下", "历下"), (None, "")],
)  # fmt: skip
def test_csv_export_cells_can_never_become_formulas(value, cell) -> None:
    assert workbook.safe_cell(value) == cell
