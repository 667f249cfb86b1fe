"""The supervision engine: identity numbers, dataset reading, the SQL guard, the three models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from grassroots.engine.supervision import datasets, idnumber, runner, synth
from grassroots.engine.supervision.guard import SqlRefused, check_sql

KEYS = datasets.Keys(b"test-hash-key", idnumber.fernet_key(b"test-seal"))


def test_identity_numbers_are_checked_by_length_date_and_check_digit() -> None:
    good = idnumber.make_id("370102", dt.date(1950, 2, 28), 7)
    assert idnumber.check_id(good) is None
    assert idnumber.check_id(good.lower()) is None
    assert idnumber.check_id(good[:-1]) == "length"
    assert idnumber.check_id("37010219500228A07X") == "characters"
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert idnumber.check_id(wrong) == "check_digit"
    feb30 = "37010219500230007"
    assert idnumber.check_id(feb30 + idnumber.check_digit(feb30)) == "birth_date"
    # The published example of GB 11643.
    assert idnumber.check_id("11010519491231002X") is None


def test_hash_is_keyed_seal_opens_only_with_its_key_and_mask_hides_the_middle() -> None:
    number = "11010519491231002X"
    assert idnumber.keyed_hash(b"a", number) == idnumber.keyed_hash(b"a", number.lower())
    assert idnumber.keyed_hash(b"a", number) != idnumber.keyed_hash(b"b", number)
    sealed = idnumber.seal(KEYS.seal_key, number)
    assert number not in sealed
    assert idnumber.unseal(KEYS.seal_key, sealed) == number
    with pytest.raises(ValueError, match="cannot be opened"):
        idnumber.unseal(idnumber.fernet_key(b"other"), sealed)
    assert idnumber.mask(number) == "1101**********002X"


def _spec() -> list[datasets.Column]:
    return list(synth.DATASETS["death_records"].columns)


def test_a_gb18030_file_is_read_and_no_clear_number_reaches_parquet(tmp_path: Path) -> None:
    number = idnumber.make_id("370103", dt.date(1938, 5, 1), 3)
    src = tmp_path / "deaths.csv"
    src.write_bytes(
        f"id_number,name,region_code,death_date\n{number},张三,370103,2024/03/05\n".encode(
            "gb18030"
        )
    )
    written = datasets.read_dataset(src, _spec(), keys=KEYS, target=tmp_path / "out.parquet")
    assert written.rows == 1
    data = (tmp_path / "out.parquet").read_bytes()
    assert number.encode() not in data
    import pyarrow.parquet as pq

    row = pq.read_table(written.path).to_pylist()[0]
    assert row["name"] == "张三"
    assert row["death_date"] == dt.date(2024, 3, 5)
    assert row["id_number"] == idnumber.keyed_hash(KEYS.hash_key, number)
    assert row["id_number__masked"] == idnumber.mask(number)


def test_a_bad_file_is_rejected_whole_with_located_problems(tmp_path: Path) -> None:
    good = idnumber.make_id("370103", dt.date(1938, 5, 1), 3)
    bad = good[:17] + ("1" if good[17] == "0" else "0")
    src = tmp_path / "deaths.csv"
    src.write_text(
        "id_number,name,region_code,death_date\n"
        f"{good},甲,370103,2024-03-05\n{bad},乙,370103,2024-13-01\n,丙,370103,2024-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(datasets.DatasetRejected) as caught:
        datasets.read_dataset(src, _spec(), keys=KEYS, target=tmp_path / "out.parquet")
    found = {(p.row, p.column, p.code) for p in caught.value.problems}
    assert found == {
        (3, "id_number", "id_check_digit"),
        (3, "death_date", "not_date"),
        (4, "id_number", "required"),
    }
    assert all(bad not in p.value for p in caught.value.problems)
    assert not (tmp_path / "out.parquet").exists()


def test_an_excel_sheet_missing_a_declared_column_names_the_sheet(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "死亡名单"
    sheet.append(["id_number", "name", "region_code"])
    book.save(tmp_path / "deaths.xlsx")
    with pytest.raises(datasets.DatasetRejected) as caught:
        datasets.read_dataset(
            tmp_path / "deaths.xlsx", _spec(), keys=KEYS, target=tmp_path / "o.parquet"
        )
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.row, problem.column, problem.code) == (
        "死亡名单",
        1,
        "death_date",
        "missing_column",
    )


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "file"),
        ("SELECT * FROM read_parquet('x.parquet')", "file"),
        ("SELECT * FROM glob('/*')", "file"),
        ("SELECT * FROM '/etc/passwd.csv'", "file"),
        ("COPY death_records TO '/tmp/x.csv'", "statement"),
        ("ATTACH '/tmp/x.db'", "statement"),
        ("INSTALL httpfs", "statement"),
        ("LOAD httpfs", "statement"),
        ("PRAGMA database_list", "statement"),
        ("SET threads = 1", "statement"),
        ("INSERT INTO death_records VALUES (1)", "write"),
        ("DELETE FROM death_records", "write"),
        ("CREATE TABLE x AS SELECT 1", "write"),
        ("SELECT getenv('HOME')", "system"),
        ("SELECT * FROM duckdb_settings()", "system"),
        ("SELECT * FROM secret_table", "table"),
        ("SELECT * FROM main.death_records", "table"),
        ("SELECT 1; SELECT 2", "several"),
        ("SELEC 1", "syntax"),
    ],
)
def test_the_guard_refuses_each_kind(sql: str, kind: str) -> None:
    with pytest.raises(SqlRefused) as caught:
        check_sql(sql, ["death_records", "elderly_allowances"])
    assert caught.value.kind == kind


def test_the_guard_lets_a_select_with_ctes_and_parameters_through() -> None:
    check_sql(
        "WITH d AS (SELECT * FROM death_records) SELECT * FROM d JOIN elderly_allowances USING (id_number) WHERE 1 = $x",
        ["death_records", "elderly_allowances"],
    )


def _registered(tmp_path: Path, planted: synth.Planted) -> dict[str, runner.Source]:
    sources = {}
    for name, spec in synth.DATASETS.items():
        csv = synth.write_csv(planted.rows[name], spec, tmp_path / f"{name}.csv")
        out = datasets.read_dataset(
            csv, spec.columns, keys=KEYS, target=tmp_path / f"{name}.parquet"
        )
        sources[name] = runner.Source([out.path], ["id_number"])
    return sources


def _found(model: synth.ModelSpec, sources: dict[str, runner.Source]) -> set[str]:
    params = {k: v["default"] for k, v in model.parameters.items()}
    outcome = runner.run_model(model.sql, {n: sources[n] for n in model.datasets}, params=params)
    return {lead.subject for lead in outcome.leads}


@pytest.mark.parametrize("model", synth.MODELS, ids=lambda m: m.code)
def test_each_model_finds_exactly_its_planted_cases(tmp_path: Path, model: synth.ModelSpec) -> None:
    planted = synth.build(seed=5)
    assert planted.leads[model.code]
    want = {idnumber.keyed_hash(KEYS.hash_key, n) for n in planted.leads[model.code]}
    assert _found(model, _registered(tmp_path, planted)) == want


def test_changing_one_planted_record_changes_the_leads(tmp_path: Path) -> None:
    planted = synth.build(seed=5)
    model = synth.DECEASED_ALLOWANCE
    victim = sorted(planted.leads[model.code])[0]
    for row in planted.rows["death_records"]:
        if row["id_number"] == victim:
            row["death_date"] = "2024-12-31"  # died after the last payment: no longer a lead
    found = _found(model, _registered(tmp_path, planted))
    want = {idnumber.keyed_hash(KEYS.hash_key, n) for n in planted.leads[model.code] - {victim}}
    assert found == want


def test_the_runner_cannot_read_other_files_even_past_the_guard(tmp_path: Path) -> None:
    planted = synth.build(seed=5)
    sources = _registered(tmp_path, planted)
    con = runner.connect({"death_records": sources["death_records"]})
    with pytest.raises(Exception, match="disabled"):
        con.execute(f"SELECT * FROM read_parquet('{sources['pension_payments'].files[0]}')")
    con.close()


def test_a_query_without_subject_and_unit_is_refused(tmp_path: Path) -> None:
    sources = _registered(tmp_path, synth.build(seed=5))
    with pytest.raises(SqlRefused) as caught:
        runner.run_model(
            "SELECT name FROM death_records", {"death_records": sources["death_records"]}
        )
    assert caught.value.kind == "output"


def test_a_parquet_file_is_read_like_a_csv(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    number = idnumber.make_id("370104", dt.date(1933, 7, 9), 12)
    pq.write_table(
        pa.table(
            {
                "region_code": ["370104"],
                "id_number": [number],
                "name": ["李四"],
                "death_date": [dt.date(2024, 6, 1)],
                "extra": [1],
            }
        ),
        tmp_path / "in.parquet",
    )
    written = datasets.read_dataset(
        tmp_path / "in.parquet", _spec(), keys=KEYS, target=tmp_path / "out.parquet"
    )
    row = pq.read_table(written.path).to_pylist()[0]
    assert row["death_date"] == dt.date(2024, 6, 1)
    assert "extra" not in row
    assert row["id_number"] == idnumber.keyed_hash(KEYS.hash_key, number)


def test_exactly_one_check_character_completes_any_17_digits() -> None:
    import random

    rng = random.Random(7)
    for _ in range(200):
        first = f"{rng.randrange(110000, 659999)}{dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000)):%Y%m%d}{rng.randrange(1000):03d}"
        valid = [c for c in "0123456789X" if idnumber.check_id(first + c) is None]
        assert valid == [idnumber.check_digit(first)]
