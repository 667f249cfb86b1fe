"""Many stored versions read together (issue 20.4): ``read_many_cases`` checks the typed
Parquet of a period's versions in one pass per table and schema, and ``union_cases`` appends
parts of disjoint units with one scan. Both must give exactly what reading each folder alone
and the general union give, and name a problem exactly as ``read_cases`` does."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from grassroots.engine.cases import (
    _check_together,
    read_cases,
    read_many_cases,
    union_cases,
    write_parquet,
)
from grassroots.engine.errors import InputError, Problem

EVENTS = "unit_code,event_id,case_id,event_type,event_date"
PERSONS = "unit_code,case_id,person_id,arrest_decision,arrest_decision_date,via_arrest_review"


def _version(root: Path, name: str, tables: dict[str, list[str]]) -> Path:
    """A stored version: CSV checked by read_cases, written as typed Parquet (as intake does)."""
    raw, folder = root / f"{name}-raw", root / name
    raw.mkdir()
    folder.mkdir()
    for table, lines in tables.items():
        (raw / f"{table}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_parquet(read_cases(raw), folder)
    return folder


def _lacking(folder: Path) -> Path:
    """A version stored by another writer: persons with the required columns only."""
    folder.mkdir()
    text = pa.string()
    pq.write_table(
        pa.table(
            {
                "unit_code": pa.array(["410300", "410300"], text),
                "case_id": pa.array(["c5", "c5"], text),
                "person_id": pa.array(["p1", "p2"], text),
                "arrest_decision": pa.array(["approved", None], text),
            }
        ),
        folder / "persons.parquet",
    )
    return folder


@pytest.fixture
def versions(tmp_path: Path) -> list[Path]:
    return [
        _version(
            tmp_path,
            "a",
            {
                "events": [EVENTS, "410100,e1,c1,protest,2024-10-02"],
                "persons": [PERSONS, "410100,c1,p1,approved,2024-10-05,true"],
            },
        ),
        _version(
            tmp_path,
            "b",
            {
                "events": [
                    EVENTS,
                    "410200,e1,c9,protest,2024-11-02",
                    "410200,e2,c9,protest,2024-12-01",
                ],
                "persons": [PERSONS, "410200,c9,p1,,,"],
            },
        ),  # fmt: skip
        _lacking(tmp_path / "c"),  # another stored schema: four columns, no events
        _version(tmp_path, "d", {"events": [EVENTS], "persons": [PERSONS]}),  # no rows
    ]


def test_many_stored_versions_read_together_are_each_read_alone(versions: list[Path]) -> None:
    together = read_many_cases(versions)
    assert together == [read_cases(v) for v in versions]
    assert [t.tables["persons"].rows for t in together] == [1, 1, 2, 0]
    assert "via_arrest_review" not in together[2].tables["persons"].present
    units = {"410100", "410200", "410300"}
    assert read_many_cases(versions, units=units) == together
    with duckdb.connect() as con:  # and they were read together, not one by one
        assert _check_together(con, versions, units) == together


def _problems(call: object) -> list[Problem]:
    with pytest.raises(InputError) as error:
        call()  # type: ignore[operator]
    return list(error.value.problems)


@pytest.mark.parametrize("fault", ["repeated key", "value outside its category"])
def test_a_problem_of_one_version_is_named_as_reading_it_alone_names_it(
    versions: list[Path], fault: str
) -> None:
    bad = versions[1] / "events.parquet"  # written straight to the stored file
    table = pq.read_table(bad)
    rows = table.to_pylist()
    if fault == "repeated key":
        rows.append(dict(rows[0]))
    else:
        rows[1]["event_type"] = "picnic"
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), bad)
    alone = _problems(lambda: read_cases(versions[1]))
    assert len(alone) == 1
    assert ("duplicate key" if fault == "repeated key" else "'picnic'") in alone[0].message
    assert _problems(lambda: read_many_cases(versions)) == alone


def test_a_unit_the_caller_does_not_know_is_named_in_the_first_version_holding_it(
    versions: list[Path],
) -> None:
    known = {"410200", "410300"}
    unknown = _problems(lambda: read_many_cases(versions, units=known))
    assert unknown == _problems(lambda: read_cases(versions[0], units=known))
    assert "unknown unit code '410100'" in unknown[0].message


def test_disjoint_parts_are_appended_each_file_keeping_only_its_units(tmp_path: Path) -> None:
    # A city-wide upload holding two units, the second unit's own upload read for it instead.
    city = _version(
        tmp_path,
        "city",
        {
            "events": [
                EVENTS,
                "410100,e1,c1,protest,2024-10-02",
                "410200,e7,c2,protest,2024-10-03",
            ]
        },
    )
    own = _version(
        tmp_path,
        "own",
        {"events": [EVENTS, "410200,e8,c3,protest,2024-11-03", "410200,e9,c3,protest,2024-11-04"]},
    )
    parts = list(zip(read_many_cases([city, own]), [{"410100"}, {"410200"}], strict=True))
    events = union_cases(parts).tables["events"]
    assert events.arrow is not None
    assert events.arrow.select(["unit_code", "event_id"]).to_pylist() == [
        {"unit_code": "410100", "event_id": "e1"},
        {"unit_code": "410200", "event_id": "e8"},
        {"unit_code": "410200", "event_id": "e9"},
    ]
    # The same rows, columns and types as the general union (parts read alone, as CSV).
    general = union_cases(
        [
            (read_cases(tmp_path / "city-raw"), {"410100"}),
            (read_cases(tmp_path / "own-raw"), {"410200"}),
        ]
    ).tables["events"]
    assert general.arrow is not None
    assert events.arrow.equals(general.arrow)
    assert events.rows == general.rows == 3


def test_parts_of_different_stored_schemas_are_still_one_set(versions: list[Path]) -> None:
    cases = read_many_cases(versions)
    codes = [{"410100"}, {"410200"}, {"410300"}, {"410400"}]
    persons = union_cases(list(zip(cases, codes, strict=True))).tables["persons"]
    assert persons.rows == 4
    assert "via_arrest_review" not in persons.present  # one part lacks it
    assert persons.arrow is not None
    assert persons.arrow.column("person_id").to_pylist() == ["p1", "p1", "p1", "p2"]
