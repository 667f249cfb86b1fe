"""`grassroots import cases PATH`: one line on success, every problem on failure, exit 2."""

from __future__ import annotations

from grassroots.cli import main
from grassroots.intake.models import DataVersion


def test_import_cases_stores_a_version_and_says_so(clerk, data_dir, export, capsys) -> None:
    code = main(["import", "cases", str(export), "--unit", "370102", "--period", "2024Q3",
                 "--user", "clerk"])  # fmt: skip
    out = capsys.readouterr().out
    version = DataVersion.objects.get()
    assert code == 0
    assert f"data version {version.pk} for 370102 2024Q3: 5 rows (events 2, persons 3)" in out
    assert (data_dir / "versions" / str(version.pk) / "persons.parquet").is_file()


def test_import_cases_lists_every_problem_and_writes_nothing(clerk, state, export, capsys) -> None:
    (export / "persons.csv").write_text(
        "unit_code,case_id,person_id,arrest_decision\n370102,c1,p1,maybe\n370102,c1,p1,approved\n",
        encoding="utf-8",
    )
    before = state()
    code = main(["import", "cases", str(export), "--unit", "370102", "--period", "2024Q3",
                 "--user", "clerk"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "export: rejected, nothing was written:" in err
    assert "persons.csv row 2, column arrest_decision: 'maybe'" in err
    assert "persons.csv row 3" in err  # the duplicate key
    assert state() == before


def test_import_cases_refuses_a_unit_outside_the_users_scope(clerk, state, export, capsys) -> None:
    before = state()
    code = main(["import", "cases", str(export), "--unit", "370202", "--period", "2024Q3",
                 "--user", "clerk"])  # fmt: skip
    assert code == 2
    assert "no unit 370202 in the scope of clerk" in capsys.readouterr().err
    assert state() == before


def test_import_figures_dry_run_lists_changes_then_the_import_saves_them(
    make_member, data_dir, tmp_path, capsys
) -> None:
    from grassroots.intake.models import ReportedValue
    from grassroots.organisations.models import Role

    make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    path = tmp_path / "figures.csv"
    path.write_text("unit_code,period,element,value\n370102,2024Q3,incoming,12\n")
    args = ["import", "figures", str(path), "--user", "admin", "--catalogue", "cepej",
            "--period", "2024Q3"]  # fmt: skip
    assert main([*args, "--dry-run"]) == 0
    assert "370102 2024Q3 incoming: — -> 12\n1 rows read, 1 values would change" in (
        capsys.readouterr().out
    )
    assert not ReportedValue.objects.exists()
    assert main(args) == 0
    assert ReportedValue.objects.get().value == 12


def test_import_figures_writes_the_marked_workbook_on_problems(
    make_member, data_dir, tmp_path, capsys
) -> None:
    from openpyxl import load_workbook

    from grassroots.intake.figures.services import build_template
    from grassroots.intake.figures.workbook import SHEET, VALUE_COLUMN
    from grassroots.organisations.models import Role, Unit

    make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    template = tmp_path / "t.xlsx"
    template.write_bytes(
        build_template(unit=Unit.objects.get(code="370102"), catalogue="cepej", period="2024Q3")
    )
    book = load_workbook(template)
    book[SHEET].cell(row=2, column=VALUE_COLUMN).value = "n/a"
    book.save(template)
    marked = tmp_path / "marked.xlsx"
    assert (
        main(["import", "figures", str(template), "--user", "admin", "--marked", str(marked)]) == 2
    )
    assert "t.xlsx sheet 填报 row 2, column 数值: 'n/a' is not a number" in capsys.readouterr().err
    assert load_workbook(marked)[SHEET].cell(row=2, column=VALUE_COLUMN).comment is not None


def test_import_cases_refuses_fake_parquet_and_bad_bytes_with_exit_2(
    clerk, state, export, capsys
) -> None:
    """Issue 19.7: these once ended in a traceback instead of the problem list."""
    (export / "persons.csv").unlink()
    (export / "persons.parquet").write_bytes(b"PAR1" + b"\x00garbage" * 100 + b"PAR1")
    (export / "events.csv").write_bytes(b"case_id,unit_code\n\xff\xfe\xfa,370102\n")
    before = state()
    code = main(["import", "cases", str(export), "--unit", "370102", "--period", "2024Q3",
                 "--user", "clerk"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert "persons.parquet" in err or "events.csv" in err
    assert "nothing was written" in err
    assert state() == before
