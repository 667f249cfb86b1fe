"""The synthetic data generator: deterministic, in the case-record format, with planted truth."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from grassroots.cli import main as cli_main
from grassroots.engine.caseformat import TABLES
from grassroots.engine.synth import (
    OutputFormat,
    SynthError,
    SynthOptions,
    generate,
    staff_figures,
)
from grassroots.reference.units import procuratorate_units

CASE_TABLES = ("persons", "events", "matters")
FIRST, LAST = "2023Q1", "2024Q4"


def _checksums(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def shandong(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shandong")
    generate(out, SynthOptions(first=FIRST, last=LAST, provinces=("37",), seed=1, scale=0.5))
    return out


@pytest.fixture(scope="module")
def truth(shandong: Path) -> dict[str, object]:
    return json.loads((shandong / "truth.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_same_seed_gives_byte_identical_files(shandong: Path, tmp_path: Path) -> None:
    generate(tmp_path, SynthOptions(first=FIRST, last=LAST, provinces=("37",), seed=1, scale=0.5))
    assert _checksums(tmp_path) == _checksums(shandong)


def test_another_seed_gives_other_records(shandong: Path, tmp_path: Path) -> None:
    generate(tmp_path, SynthOptions(first=FIRST, last=LAST, provinces=("37",), seed=2, scale=0.5))
    assert _checksums(tmp_path)["persons.parquet"] != _checksums(shandong)["persons.parquet"]


def test_it_writes_every_file(shandong: Path) -> None:
    names = {p.name for p in shandong.iterdir()}
    assert names == {
        "units.csv",
        "roster.csv",
        "truth.json",
        "persons.parquet",
        "events.parquet",
        "matters.parquet",
    }


@pytest.mark.parametrize("table", CASE_TABLES)
def test_columns_match_the_case_format_exactly(shandong: Path, table: str) -> None:
    schema = pq.read_schema(shandong / f"{table}.parquet")
    assert schema.names == list(TABLES[table].columns)


@pytest.mark.parametrize("table", CASE_TABLES)
def test_category_values_are_allowed_ones(shandong: Path, table: str) -> None:
    data = pq.read_table(shandong / f"{table}.parquet")
    for column in TABLES[table].columns.values():
        if column.kind != "category":
            continue
        seen = {v for v in data.column(column.name).to_pylist() if v is not None}
        assert seen, column.name
        assert seen <= set(column.values), column.name


@pytest.mark.parametrize("table", CASE_TABLES)
def test_required_columns_have_no_nulls(shandong: Path, table: str) -> None:
    data = pq.read_table(shandong / f"{table}.parquet")
    for column in TABLES[table].columns.values():
        if column.required:
            assert data.column(column.name).null_count == 0, column.name


@pytest.mark.parametrize("table", CASE_TABLES)
def test_every_date_lies_within_the_requested_periods(shandong: Path, table: str) -> None:
    data = pq.read_table(shandong / f"{table}.parquet")
    for column in TABLES[table].columns.values():
        if column.kind != "date":
            continue
        values = [v for v in data.column(column.name).to_pylist() if v is not None]
        assert values, column.name
        assert min(values) >= date(2023, 1, 1), column.name
        assert max(values) <= date(2024, 12, 31), column.name


def test_table_keys_are_unique(shandong: Path) -> None:
    con = duckdb.connect()
    for table in CASE_TABLES:
        key = ", ".join(TABLES[table].key)
        rows, distinct = con.execute(
            f"select count(*), count(distinct ({key})) from '{shandong}/{table}.parquet'"
        ).fetchone() or (0, -1)
        assert rows == distinct > 0, table


def test_events_belong_to_cases_in_persons(shandong: Path) -> None:
    con = duckdb.connect()
    orphans = con.execute(
        f"select count(*) from '{shandong}/events.parquet' e anti join "
        f"'{shandong}/persons.parquet' p using (unit_code, case_id)"
    ).fetchone()
    assert orphans == (0,)


def test_only_grassroots_units_have_records_but_units_csv_lists_all(shandong: Path) -> None:
    with (shandong / "units.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "unit_code", "name", "peer_group", "parent", "level", "kind",
        "headcount", "procurators", "under_45_share",
    ]  # fmt: skip
    assert len(rows) == len(procuratorate_units(["37"]))
    grassroots = {r["unit_code"] for r in rows if r["level"] == "grassroots"}
    in_data = set(pq.read_table(shandong / "persons.parquet").column("unit_code").to_pylist())
    assert in_data == grassroots
    assert {r["level"] for r in rows} == {"province", "city", "grassroots"}


def test_caseloads_vary_with_unit_size_and_staff_follow_them(shandong: Path) -> None:
    con = duckdb.connect()
    rows = con.execute(
        f"select u.unit_code, count(*) n, any_value(u.headcount) staff "
        f"from '{shandong}/persons.parquet' p join read_csv('{shandong}/units.csv', "
        f"all_varchar=true) u using (unit_code) group by 1"
    ).fetchall()
    counts = sorted(n for _, n, _ in rows)
    assert counts[-1] > 4 * counts[0]  # a big urban district several times a rural county
    staff_corr = con.execute(
        "select corr(n, staff::double) from (select unnest($1) n, unnest($2) staff)",
        [[n for _, n, _ in rows], [s for _, _, s in rows]],
    ).fetchone()
    assert staff_corr is not None
    assert staff_corr[0] > 0.5


def test_rates_are_near_the_national_levels(shandong: Path) -> None:
    con = duckdb.connect()
    non_arrest, non_prosecution, plea = con.execute(
        f"""select
          avg((arrest_decision = 'not_approved')::int),
          avg((prosecution_decision = 'not_prosecuted')::int),
          avg(plea_leniency::int)
        from '{shandong}/persons.parquet'"""
    ).fetchone() or (0, 0, 0)
    assert 0.29 < non_arrest < 0.39
    assert 0.16 < non_prosecution < 0.24
    assert 0.80 < plea < 0.92


def test_the_case_to_procedure_ratio_is_plausible(shandong: Path) -> None:
    con = duckdb.connect()
    ratio = con.execute(
        f"""with c as (
              select unit_code, case_id,
                bool_or(arrest_review_received is not null) ar,
                bool_or(prosecution_review_received is not null) pr,
                bool_or(via_arrest_review) via
              from '{shandong}/persons.parquet' group by all),
            an as (select count(*) filter (where ar) + count(*) filter (where pr and not via) n
                   from c)
            select 1 + (select count(*) from '{shandong}/events.parquet') / (select n from an)"""
    ).fetchone()
    assert ratio is not None
    assert 1.3 <= ratio[0] <= 1.9


def test_truth_plants_35_weak_units_in_shandong_and_exactly_one_relapser(
    truth: dict[str, object],
) -> None:
    weak = truth["weak_units"]
    improving = truth["improving_units"]
    relapsing = truth["relapsing_units"]
    assert isinstance(weak, list)
    assert isinstance(improving, list)
    assert isinstance(relapsing, list)
    assert len(weak) == len(set(weak)) == 35
    assert len(relapsing) == 1
    assert 0 < len(improving) < 35
    assert set(improving) | set(relapsing) <= set(weak)
    assert not set(improving) & set(relapsing)
    assert truth["seed"] == 1


def test_truth_quality_paths_follow_the_trajectories(truth: dict[str, object]) -> None:
    units = truth["units"]
    assert isinstance(units, dict)
    periods = truth["periods"]
    assert periods == [f"{y}Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]
    relapser = units[truth["relapsing_units"][0]]["quality"]  # type: ignore[index]
    path = [relapser[p] for p in periods]
    assert max(path) > path[0] + 1.0  # it improved ...
    assert path[-1] < max(path) - 1.0  # ... and fell back
    for code in truth["improving_units"]:  # type: ignore[attr-defined]
        q = units[code]["quality"]
        assert q[periods[-1]] > q[periods[0]] + 1.0
    steady = [u for u in units.values() if u["trajectory"] == "steady"]
    assert (
        min(u["quality"][periods[0]] for u in steady)
        > max(
            units[c]["quality"][periods[0]]
            for c in truth["weak_units"]  # type: ignore[attr-defined]
        )
        - 0.5
    )


def _unit_rates(folder: Path) -> dict[str, tuple[float, float, float]]:
    """Per unit over 2023: remand share of reviewed cases, extension share, plea leniency."""
    con = duckdb.connect()
    rows = con.execute(
        f"""with cases as (
              select unit_code, case_id from '{folder}/persons.parquet'
              where prosecution_review_received < date '2024-01-01'
              group by all),
            ev as (select unit_code, case_id,
                     bool_or(event_type = 'remand_first') remand,
                     bool_or(event_type = 'review_extension_first') ext
                   from '{folder}/events.parquet' group by all),
            plea as (select unit_code, avg(plea_leniency::int) plea
                     from '{folder}/persons.parquet'
                     where review_concluded_date < date '2024-01-01' group by 1)
            select c.unit_code, avg(coalesce(remand, false)::int), avg(coalesce(ext, false)::int),
                   any_value(plea.plea)
            from cases c left join ev using (unit_code, case_id) join plea using (unit_code)
            group by 1"""
    ).fetchall()
    return {code: (remand, ext, plea) for code, remand, ext, plea in rows}


def test_weak_units_have_measurably_worse_raw_rates(
    shandong: Path, truth: dict[str, object]
) -> None:
    rates = _unit_rates(shandong)
    weak = set(truth["weak_units"])  # type: ignore[arg-type]

    def mean(index: int, group: bool) -> float:
        values = [r[index] for code, r in rates.items() if (code in weak) == group]
        return sum(values) / len(values)

    assert mean(0, True) > 1.5 * mean(0, False)  # remands
    assert mean(1, True) > 1.5 * mean(1, False)  # extensions
    assert mean(2, True) < mean(2, False) - 0.05  # plea leniency


def test_csv_format_writes_the_same_rows(shandong: Path, tmp_path: Path) -> None:
    options = SynthOptions(
        first=FIRST, last=LAST, provinces=("37",), seed=1, scale=0.5, fmt=OutputFormat.CSV
    )
    summary = generate(tmp_path, options)
    con = duckdb.connect()
    for table in CASE_TABLES:
        header = (tmp_path / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.replace('"', "").split(",") == list(TABLES[table].columns)
        parquet_rows = pq.read_metadata(shandong / f"{table}.parquet").num_rows
        assert summary.rows[table] == parquet_rows
        (csv_rows,) = con.execute(f"select count(*) from '{tmp_path}/{table}.csv'").fetchone() or (
            0,
        )
        assert csv_rows == parquet_rows


def test_weak_units_scale_with_province_size(tmp_path: Path) -> None:
    summary = generate(
        tmp_path, SynthOptions(first="2024Q1", last="2024Q1", provinces=("11", "37"), scale=0.05)
    )
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    beijing = [c for c in summary.weak_units if c.startswith("11")]
    assert len(beijing) == round(16 * 35 / 136)
    assert len([c for c in truth["relapsing_units"] if c.startswith("11")]) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SynthOptions(first="2024Q3", last="2023Q1"), "after"),
        (SynthOptions(first="2024X1"), "not a period"),
        (SynthOptions(first="2024"), "not a quarter"),
        (SynthOptions(provinces=("99",)), "unknown province"),
        (SynthOptions(scale=0), "positive"),
    ],
)
def test_it_rejects_bad_options(tmp_path: Path, options: SynthOptions, message: str) -> None:
    with pytest.raises(SynthError, match=message):
        generate(tmp_path, options)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--from", "2024Q5"],
        ["--from", "2024Q3", "--to", "2024Q1"],
        ["--province", "99"],
    ],
)
def test_the_command_exits_2_with_one_line_on_bad_arguments(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["generate", "--out", str(tmp_path / "x"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grassroots generate: ")
    assert err.count("\n") == 1


def test_the_command_writes_a_small_province(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["generate", "--province", "37", "--from", "2024Q4", "--to", "2024Q4"]
    assert cli_main([*argv, "--seed", "3", "--scale", "0.05", "--out", str(out)]) == 0
    assert "35 planted weak" in capsys.readouterr().out
    assert (out / "events.parquet").exists()


def test_generate_imports_no_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys, grassroots.commands.generate, grassroots.engine.synth;"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_staff_figures_are_stable_and_plausible() -> None:
    first = staff_figures(["370102", "370124", "370000"], seed=1)
    again = staff_figures(["370102"], seed=1)
    assert first["370102"] == again["370102"]
    for figures in first.values():
        assert 20 <= figures.headcount <= 600
        assert 0.3 * figures.headcount <= figures.procurators <= 0.46 * figures.headcount
        assert 25 <= figures.under_45_share <= 85
    with pytest.raises(KeyError):
        staff_figures(["379999"], seed=1)
