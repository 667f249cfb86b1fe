from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from grassroots.engine.caseformat import EVENT_TYPES, TABLES
from grassroots.engine.cases import read_cases
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.errors import MAX_PROBLEMS, InputError, Problem
from grassroots.engine.inputs import read_element_values, read_indicator_values, read_units

EVENTS_HEADER = "unit_code,event_id,case_id,event_type,event_date"
PERSONS_HEADER = (
    "unit_code,case_id,person_id,arrest_decision,arrest_decision_date,via_arrest_review"
)


def _csv(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _problems(folder: Path, **kwargs: object) -> list[Problem]:
    with pytest.raises(InputError) as error:
        read_cases(folder, **kwargs)  # type: ignore[arg-type]
    return error.value.problems


def test_it_reads_csv_tables_into_typed_columns(tmp_path: Path) -> None:
    _csv(tmp_path, "persons.csv", [PERSONS_HEADER, "410100,c1,p1,approved,2024-07-01,是"])
    table = read_cases(tmp_path).tables["persons"]
    assert table.arrow is not None
    row = table.arrow.to_pylist()[0]
    assert row["arrest_decision_date"] == dt.date(2024, 7, 1)
    assert row["via_arrest_review"] is True
    assert row["judgment"] is None  # an optional column the file lacks reads as NULL
    assert "judgment" not in table.present


def test_it_reads_a_gb18030_csv_with_chinese_text(tmp_path: Path) -> None:
    lines = [PERSONS_HEADER, "410100,许检刑诉〔2024〕1号,张三,not_approved,2024-08-02,否"]
    _csv(tmp_path, "persons.csv", lines, encoding="gb18030")
    table = read_cases(tmp_path).tables["persons"]
    assert table.arrow is not None
    row = table.arrow.to_pylist()[0]
    assert (row["case_id"], row["person_id"], row["via_arrest_review"]) == (
        "许检刑诉〔2024〕1号",
        "张三",
        False,
    )


def test_it_reads_a_utf8_csv_with_a_byte_order_mark(tmp_path: Path) -> None:
    _csv(tmp_path, "events.csv", [EVENTS_HEADER, "410100,e1,案1,protest,2024-07-01"], "utf-8-sig")
    table = read_cases(tmp_path).tables["events"]
    assert table.arrow is not None
    assert table.arrow.column_names[0] == "unit_code"
    assert table.arrow.to_pylist()[0]["case_id"] == "案1"


def test_it_reads_a_typed_parquet_file_in_place(tmp_path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "unit_code": ["410100"],
                "event_id": ["e1"],
                "case_id": ["c1"],
                "event_type": ["protest"],
                "event_date": [dt.date(2024, 7, 1)],
            }
        ),
        tmp_path / "events.parquet",
    )
    table = read_cases(tmp_path).tables["events"]
    assert table.arrow is None
    assert table.select_sql is not None
    assert "read_parquet" in table.select_sql


def test_it_accepts_timestamps_as_dates_in_parquet(tmp_path: Path) -> None:
    pd.DataFrame(
        {
            "unit_code": ["410100"],
            "event_id": ["e1"],
            "case_id": ["c1"],
            "event_type": ["protest"],
            "event_date": pd.to_datetime(["2024-07-01"]),
        }
    ).to_parquet(tmp_path / "events.parquet")
    table = read_cases(tmp_path).tables["events"]
    with duckdb.connect() as con:
        table.register(con)
        assert con.sql("SELECT event_date FROM events").fetchall() == [(dt.date(2024, 7, 1),)]


def test_it_rejects_an_unknown_column(tmp_path: Path) -> None:
    _csv(
        tmp_path, "events.csv", [EVENTS_HEADER + ",event_tpye", "410100,e1,c1,protest,2024-07-01,x"]
    )
    assert _problems(tmp_path) == [
        Problem(
            "events.csv",
            1,
            "event_tpye",
            "unknown column 'event_tpye' (did you mean 'event_type'?)",
        )
    ]


def test_it_rejects_a_missing_required_column(tmp_path: Path) -> None:
    _csv(
        tmp_path, "events.csv", ["unit_code,event_id,case_id,event_date", "410100,e1,c1,2024-07-01"]
    )
    assert _problems(tmp_path) == [
        Problem("events.csv", 1, "event_type", "missing required column 'event_type'")
    ]


def test_it_rejects_an_unparsable_date_naming_file_row_and_column(tmp_path: Path) -> None:
    _csv(
        tmp_path,
        "persons.csv",
        [
            PERSONS_HEADER,
            "410100,c1,p1,approved,2024-07-01,true",
            "410100,c2,p1,approved,2024/07/02,false",
        ],
    )
    assert _problems(tmp_path) == [
        Problem(
            "persons.csv",
            3,
            "arrest_decision_date",
            "'2024/07/02' is not a date (expected YYYY-MM-DD)",
        )
    ]


def test_it_rejects_bad_yes_no_and_category_values(tmp_path: Path) -> None:
    _csv(tmp_path, "persons.csv", [PERSONS_HEADER, "410100,c1,p1,aproved,2024-07-01,maybe"])
    problems = _problems(tmp_path)
    assert [(p.row, p.column) for p in problems] == [
        (2, "arrest_decision"),
        (2, "via_arrest_review"),
    ]
    assert problems[0].message == "'aproved' is not one of: approved, not_approved"
    assert problems[1].message == "'maybe' is not a yes/no value (true/false/1/0/是/否)"


def test_it_rejects_a_duplicate_key_at_the_repeated_row(tmp_path: Path) -> None:
    _csv(
        tmp_path,
        "events.csv",
        [
            EVENTS_HEADER,
            "410100,e1,c1,protest,2024-07-01",
            "410100,e2,c1,protest,2024-07-01",
            "410100,e1,c2,remand_first,2024-07-03",
        ],
    )
    assert _problems(tmp_path) == [
        Problem(
            "events.csv",
            4,
            "event_id",
            "duplicate key (unit_code, event_id) = (410100, e1), first at row 2",
        )
    ]


def test_it_rejects_an_unknown_unit_code(tmp_path: Path) -> None:
    _csv(
        tmp_path,
        "events.csv",
        [
            EVENTS_HEADER,
            "410100,e1,c1,protest,2024-07-01",
            "410199,e2,c1,protest,2024-07-01",
            "410199,e3,c1,protest,2024-07-02",
        ],
    )
    assert _problems(tmp_path, units={"410100", "410102"}) == [
        Problem("events.csv", 3, "unit_code", "unknown unit code '410199' (1 more rows)")
    ]


def test_it_reports_problems_of_every_table_at_once(tmp_path: Path) -> None:
    _csv(tmp_path, "events.csv", [EVENTS_HEADER, "410100,e1,c1,protest,yesterday"])
    _csv(tmp_path, "persons.csv", [PERSONS_HEADER, ",c1,p1,approved,2024-07-01,1"])
    problems = _problems(tmp_path)
    assert {(p.source, p.row, p.column) for p in problems} == {
        ("events.csv", 2, "event_date"),
        ("persons.csv", 2, "unit_code"),
    }


def test_it_caps_the_problem_list(tmp_path: Path) -> None:
    rows = [f"410100,e{i},c1,protest,bad" for i in range(MAX_PROBLEMS + 50)]
    _csv(tmp_path, "events.csv", [EVENTS_HEADER, *rows])
    assert len(_problems(tmp_path)) == MAX_PROBLEMS


def test_it_numbers_parquet_rows_from_one(tmp_path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "unit_code": ["410100", "410100"],
                "event_id": ["e1", "e2"],
                "case_id": ["c1", "c1"],
                "event_type": ["protest", "protest"],
                "event_date": ["2024-07-01", "2024-13-01"],
            }
        ),
        tmp_path / "events.parquet",
    )
    assert _problems(tmp_path) == [
        Problem(
            "events.parquet", 2, "event_date", "'2024-13-01' is not a date (expected YYYY-MM-DD)"
        )
    ]


def test_it_rejects_a_folder_without_case_tables(tmp_path: Path) -> None:
    assert "no persons, events or matters" in _problems(tmp_path)[0].message


# ---- element values, indicator values, units -------------------------------------------


def test_it_reads_element_values_and_drops_empty_values(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "elements.csv",
        ["unit_code,period,element,value", "410100,2024Q3,incoming,12", "410100,2024Q3,resolved,"],
    )
    frame = read_element_values(path)
    assert frame.to_dict("records") == [
        {"unit_code": "410100", "period": "2024Q3", "element": "incoming", "value": 12.0}
    ]


def test_it_rejects_bad_element_values_precisely(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "elements.csv",
        [
            "unit_code,period,element,value",
            "410100,2024Q3,incoming,12",
            "410100,2024Q5,incoming,12",
            "410100,2024Q3,resolved,twelve",
            "410100,2024Q3,pending_end,-3",
            "410100,2024Q3,incoming,13",
        ],
    )
    with pytest.raises(InputError) as error:
        read_element_values(path)
    assert error.value.problems == [
        Problem(
            "elements.csv",
            3,
            "period",
            "'2024Q5' is not a period (expected 2024, 2024Q3, 2024-07 or 2024Q3-YTD)",
        ),
        Problem("elements.csv", 4, "value", "'twelve' is not a number"),
        Problem("elements.csv", 5, "value", "-3 is negative (a count cannot be)"),
        Problem(
            "elements.csv",
            6,
            "element",
            "duplicate key (unit_code, period, element) = (410100, 2024Q3, incoming), first at row 2",
        ),
    ]


def test_it_rejects_an_unknown_element_when_given_a_catalogue(tmp_path: Path) -> None:
    path = _csv(tmp_path, "e.csv", ["unit_code,period,element,value", "410100,2024,resolvd,1"])
    with pytest.raises(InputError) as error:
        read_element_values(path, catalogue=load_catalogue("cepej"))
    assert error.value.problems == [
        Problem("e.csv", 2, "element", "unknown element 'resolvd' (did you mean 'resolved'?)")
    ]


def test_it_rejects_a_value_below_the_catalogue_minimum(tmp_path: Path) -> None:
    path = _csv(tmp_path, "e.csv", ["unit_code,period,element,value", "410100,2024,resolved,-1"])
    with pytest.raises(InputError) as error:
        read_element_values(path, catalogue=load_catalogue("cepej"))
    assert error.value.problems == [
        Problem("e.csv", 2, "value", "-1 is below the minimum 0 of resolved")
    ]


def test_it_reads_element_values_from_xlsx_and_names_the_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "数据"
    sheet.append(["unit_code", "period", "element", "value"])
    sheet.append([410100, "2024Q3", "incoming", 12])
    sheet.append([410100, "2024Q3", "resolved", "n/a"])
    workbook.save(tmp_path / "e.xlsx")
    with pytest.raises(InputError) as error:
        read_element_values(tmp_path / "e.xlsx")
    assert error.value.problems == [
        Problem("e.xlsx", 3, "value", "'n/a' is not a number", sheet="数据")
    ]


def test_it_reads_indicator_values_allowing_negative_values(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "i.parquet.csv",
        ["unit_code,period,indicator,value", "410100,2024Q3-YTD,growth,-2.5"],
    )
    frame = read_indicator_values(path)
    assert frame.to_dict("records") == [
        {"unit_code": "410100", "period": "2024Q3-YTD", "indicator": "growth", "value": -2.5}
    ]


def test_it_rejects_an_unknown_indicator_and_unit(tmp_path: Path) -> None:
    path = _csv(tmp_path, "i.csv", ["unit_code,period,indicator,value", "410199,2024,clearance,1"])
    with pytest.raises(InputError) as error:
        read_indicator_values(path, catalogue=load_catalogue("cepej"), units={"410100"})
    assert [(p.row, p.column, p.message) for p in error.value.problems] == [
        (2, "indicator", "unknown indicator 'clearance' (did you mean 'clearance_rate'?)"),
        (2, "unit_code", "unknown unit code '410199'"),
    ]


def test_it_reads_a_gb18030_units_file(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "units.csv",
        [
            "unit_code,name,peer_group,parent",
            "411000,许昌市人民检察院,4100,",
            "411002,魏都区人民检察院,4110,411000",
        ],
        encoding="gb18030",
    )
    frame = read_units(path)
    assert frame["name"].tolist() == ["许昌市人民检察院", "魏都区人民检察院"]
    assert frame["parent"].tolist()[1] == "411000"


def test_it_rejects_a_units_file_with_an_unknown_parent(tmp_path: Path) -> None:
    path = _csv(
        tmp_path, "units.csv", ["unit_code,name,peer_group,parent", "411002,魏都,4110,411001"]
    )
    with pytest.raises(InputError) as error:
        read_units(path)
    assert error.value.problems == [
        Problem("units.csv", 2, "parent", "unknown parent unit '411001'")
    ]


def test_the_data_formats_page_documents_every_column_and_event_type() -> None:
    page = (Path(__file__).parents[2] / "docs" / "data-formats.md").read_text(encoding="utf-8")
    names = [c for table in TABLES.values() for c in table.columns] + list(EVENT_TYPES)
    assert [n for n in names if f"`{n}`" not in page] == []


def _events_parquet(folder: Path, rows: list[tuple[str, str]]) -> None:
    pq.write_table(
        pa.table(
            {
                "unit_code": [u for u, _ in rows],
                "event_id": [e for _, e in rows],
                "case_id": ["c1"] * len(rows),
                "event_type": ["protest"] * len(rows),
                "event_date": [dt.date(2024, 7, 1)] * len(rows),
            }
        ),
        folder / "events.parquet",
    )


@pytest.mark.parametrize(
    "rows",
    [
        # Sorted by key: the streaming check sees the repeat as a key that does not increase.
        [("410100", "e1"), ("410100", "e1"), ("410100", "e2")],
        # Unsorted: the hashed pass counts fewer keys than rows.
        [("410100", "e2"), ("410100", "e1"), ("410100", "e2")],
    ],
)
def test_a_repeated_key_in_parquet_is_found_sorted_or_not(
    tmp_path: Path, rows: list[tuple[str, str]]
) -> None:
    _events_parquet(tmp_path, rows)
    (problem,) = _problems(tmp_path)
    assert problem.row == 2 if rows[0] == rows[1] else problem.row == 3
    assert problem.message.startswith("duplicate key (unit_code, event_id)")


def test_a_good_parquet_file_is_proven_good_in_one_pass_sorted_or_not(tmp_path: Path) -> None:
    from grassroots.engine.inputs import increasing_keys

    sorted_rows = [("410100", "e1"), ("410100", "e2"), ("410200", "e1")]
    _events_parquet(tmp_path, sorted_rows)
    assert increasing_keys(tmp_path / "events.parquet", ("unit_code", "event_id"))
    assert read_cases(tmp_path, units={"410100", "410200"}).tables["events"].rows == 3
    _events_parquet(tmp_path, list(reversed(sorted_rows)))
    assert not increasing_keys(tmp_path / "events.parquet", ("unit_code", "event_id"))
    assert read_cases(tmp_path, units={"410100", "410200"}).tables["events"].rows == 3
    # An unknown unit is still named, whichever way the keys were proven distinct.
    assert [p.message for p in _problems(tmp_path, units={"410100"})] == [
        "unknown unit code '410200'"
    ]


def _sorted_events(rows: int) -> dict[str, list[object]]:
    """Events in key order over three units (a good file)."""
    return {
        "unit_code": [("410100", "410200", "410300")[i * 3 // rows] for i in range(rows)],
        "event_id": [f"e{i:03d}" for i in range(rows)],
        "case_id": [f"c{i // 2}" for i in range(rows)],
        "event_type": ["protest"] * rows,
        "event_date": [dt.date(2024, 7, 1)] * rows,
    }


def _write_groups(folder: Path, columns: dict[str, list[object]]) -> Path:
    """The events as Parquet in row groups of 2 rows (key checks span row groups and the
    spans the cores check apart)."""
    path = folder / "events.parquet"
    table = pa.table(columns, schema=pa.schema([
        ("unit_code", pa.string()), ("event_id", pa.string()), ("case_id", pa.string()),
        ("event_type", pa.string()), ("event_date", pa.date32()),
    ]))  # fmt: skip
    pq.write_table(table, path, row_group_size=2)
    return path


def _validated(path: Path, units: set[str]) -> list[Problem]:
    """The problems the detailed checks find in ``path`` (what read_cases must report)."""
    from grassroots.engine.inputs import Field, open_raw, validate

    spec = TABLES["events"]
    with duckdb.connect() as con:
        raw = open_raw(con, path, "raw_events")
        fields = [Field.of(c) for c in spec.columns.values()]
        return validate(con, raw, fields, key=spec.key, members=[("unit_code", units, "unit code")])


UNITS = {"410100", "410200", "410300"}


def test_sorted_keys_are_proven_over_row_groups_with_their_units(tmp_path: Path) -> None:
    from grassroots.engine.inputs import sorted_keys

    path = _write_groups(tmp_path, _sorted_events(23))
    assert pq.ParquetFile(path).metadata.num_row_groups == 12
    proof = sorted_keys(path, ("unit_code", "event_id"))
    assert proof is not None
    assert (proof.rows, proof.first) == (23, UNITS)
    assert read_cases(tmp_path, units=UNITS).tables["events"].rows == 23


@pytest.mark.parametrize("at", range(1, 23))
def test_a_key_repeated_at_any_row_of_a_sorted_file_is_named(tmp_path: Path, at: int) -> None:
    """Within a row group, between row groups and between the spans read on different cores:
    every adjacent pair is compared, so a repeat anywhere is found (and named as before)."""
    from grassroots.engine.inputs import sorted_keys

    columns = _sorted_events(23)
    columns["unit_code"][at] = columns["unit_code"][at - 1]
    columns["event_id"][at] = columns["event_id"][at - 1]
    path = _write_groups(tmp_path, columns)
    assert sorted_keys(path, ("unit_code", "event_id")) is None
    problems = _problems(tmp_path, units=UNITS)
    assert problems == _validated(path, UNITS)
    assert [(p.row, p.column) for p in problems] == [(at + 1, "event_id")]
    assert problems[0].message.startswith("duplicate key (unit_code, event_id)")


@pytest.mark.parametrize(
    ("column", "row", "value", "message"),
    [
        ("event_type", 17, "protests", "'protests' is not one of: "),
        ("event_type", 3, None, "missing value"),
        ("event_type", 5, "", "missing value"),
        ("case_id", 20, "", "missing value"),
        ("case_id", 0, None, "missing value"),
        ("event_date", 9, None, "missing value"),
        ("unit_code", 22, "410400", "unknown unit code '410400'"),
        ("unit_code", 0, "", "missing value"),
        ("event_id", 0, "", "missing value"),
    ],
)
@pytest.mark.parametrize("ordered", [True, False])
def test_a_bad_value_in_a_parquet_file_is_named_as_the_detailed_checks_name_it(
    tmp_path: Path, column: str, row: int, value: object, message: str, ordered: bool
) -> None:
    """The quick paths (a sorted file: keys proven by their order; rows reversed: keys hashed;
    either way values checked one condition at a time in the Parquet scan) refuse the file,
    and the problems are the detailed checks'."""
    columns = _sorted_events(23)
    columns[column][row] = value
    if not ordered:
        columns = {name: values[::-1] for name, values in columns.items()}
        row = 22 - row
    path = _write_groups(tmp_path, columns)
    problems = _problems(tmp_path, units=UNITS)
    assert problems == _validated(path, UNITS)
    assert (problems[0].row, problems[0].column) == (row + 1, column)
    assert problems[0].message.startswith(message)
