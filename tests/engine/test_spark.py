"""The Spark executor (issue 17.1): the element batches transpiled to Spark SQL and run by
PySpark over the same Parquet give exactly DuckDB's element values.

Runs in CI (the dev extra installs PySpark; scripts/system-deps.sh installs Java): no skip.
One SparkSession (``local[2]``) for the module; a small generated nation, one quarter. Most
of the time is the JVM starting and Spark planning, not the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from grassroots.cli import main
from grassroots.engine.cases import read_cases
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.compute import chosen_executor, compute_elements
from grassroots.engine.spark import spark_session, to_spark_sql
from grassroots.engine.synth import SynthOptions, generate

pytestmark = pytest.mark.slow

PERIOD = "2024Q4"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def nation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every unit of the nation (3,000+ units), a fiftieth of the usual caseload, one quarter."""
    out = tmp_path_factory.mktemp("nation")
    generate(out, SynthOptions(first=PERIOD, last=PERIOD, provinces=None, scale=0.02))
    return out


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["unit_code", "period", "element"]).reset_index(drop=True)


def test_spark_gives_duckdbs_element_values_on_a_generated_nation(spark: Any, nation: Path) -> None:
    cases = read_cases(nation)
    assert all(t.arrow is None for t in cases.tables.values())  # Parquet read in place by both
    catalogue = load_catalogue("spp-case-quality")
    # A quarter and its year: two groups of disjoint periods, two bucket plans.
    periods = [PERIOD, PERIOD[:4]]
    duck = compute_elements(cases, catalogue, periods, executor="duckdb")
    sparked = compute_elements(cases, catalogue, periods, executor="spark")
    assert len(duck) > 10_000
    assert duck["unit_code"].nunique() > 2_000  # units across the whole nation
    assert duck["value"].sum() > 0
    pd.testing.assert_frame_equal(_sorted(sparked), _sorted(duck))


def test_spark_reads_converted_csv_records_too(spark: Any, tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text(
        "unit_code,event_id,case_id,event_type,event_date\n"
        "410100,e1,c1,protest,2024-07-01\n410100,e2,c1,remand_first,2024-02-01\n"
        "410100,e3,c2,protest,2024-08-09\n410200,e4,c3,protest,2024-12-31\n",
        encoding="utf-8",
    )
    cases = read_cases(tmp_path)
    assert cases.tables["events"].arrow is not None
    catalogue = load_catalogue("spp-case-quality")
    duck = compute_elements(cases, catalogue, ["2024Q3", "2024"], executor="duckdb")
    sparked = compute_elements(cases, catalogue, ["2024Q3", "2024"], executor="spark")
    pd.testing.assert_frame_equal(_sorted(sparked), _sorted(duck))
    protests = sparked[(sparked.element == "extra_procedures") & (sparked.unit_code == "410100")]
    assert dict(zip(protests.period, protests.value, strict=True)) == {"2024": 3.0, "2024Q3": 2.0}


def test_the_batches_are_transpiled_not_passed_through() -> None:
    sql = to_spark_sql("SELECT count(*) FILTER (WHERE x = 'a') AS n FROM \"t\" GROUP BY 1")
    assert "`t`" in sql  # Spark's quoting, not DuckDB's


def test_the_executor_is_chosen_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRASSROOTS_EXECUTOR", raising=False)
    assert chosen_executor() == "duckdb"
    monkeypatch.setenv("GRASSROOTS_EXECUTOR", "spark")
    assert chosen_executor() == "spark"
    assert chosen_executor("duckdb") == "duckdb"
    with pytest.raises(ValueError, match="unknown executor"):
        chosen_executor("hadoop")


def test_evaluate_executor_spark_gives_the_same_result(
    spark: Any, nation: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRASSROOTS_EXECUTOR", raising=False)
    results = {}
    for executor in ("duckdb", "spark"):
        out = tmp_path / f"{executor}.json"
        args = ["evaluate", "--scheme", "core-business", "--period", PERIOD,
                "--cases", str(nation), "--out", str(out), "--executor", executor]  # fmt: skip
        assert main(args) == 0
        monkeypatch.delenv("GRASSROOTS_EXECUTOR", raising=False)
        results[executor] = json.loads(out.read_text(encoding="utf-8"))
    assert len(results["spark"]) > 1000
    assert results["spark"] == results["duckdb"]
