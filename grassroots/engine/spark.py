"""The Spark executor: case records -> data element values on PySpark.

The same batches as :mod:`grassroots.engine.compute` (one ``GROUP BY unit_code, bucket``
aggregate per table and date column and group of disjoint periods), written in DuckDB's SQL,
transpiled to Spark SQL with SQLGlot and run by PySpark over the same Parquet files. The few
wide rows each batch returns (one per unit and period) are unpivoted and finished (real zeros
filled in) by the same DuckDB statement as the DuckDB executor's, so both give identical values.

PySpark is an optional extra (``pip install grassroots[spark]``) and Java a system package;
neither is needed unless this executor is chosen (``GRASSROOTS_EXECUTOR=spark`` or
``grassroots evaluate --executor spark``). The master URL is ``GRASSROOTS_SPARK_MASTER``
(default ``local[2]``; a cluster's ``spark://host:7077`` in production, where every worker
must see the Parquet files at the same path); the driver's heap is
``GRASSROOTS_SPARK_DRIVER_MEMORY`` (default 4g).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import sqlglot

from grassroots.engine.cases import CaseTable, CaseTables
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.inputs import ident

DEFAULT_MASTER = "local[2]"


def spark_master() -> str:
    return os.environ.get("GRASSROOTS_SPARK_MASTER", "").strip() or DEFAULT_MASTER


def spark_session(master: str | None = None) -> Any:
    """The process's SparkSession (created on first use, then reused)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            [
                Problem(
                    "executor",
                    None,
                    None,
                    "the Spark executor needs PySpark: pip install 'grassroots[spark]' "
                    "(and Java: apt-get install default-jre-headless)",
                )
            ]
        ) from None
    return (
        SparkSession.builder.master(master or spark_master())
        .appName("grassroots")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("GRASSROOTS_SPARK_PARTITIONS", "2"))
        .config("spark.sql.ansi.enabled", "false")
        # local[2]'s default 1 GB heap runs out on the nation's aggregates (OutOfMemoryError).
        .config("spark.driver.memory", os.environ.get("GRASSROOTS_SPARK_DRIVER_MEMORY", "4g"))
        .getOrCreate()
    )


def to_spark_sql(sql: str) -> str:
    """One DuckDB statement as Spark SQL."""
    (statement,) = sqlglot.transpile(sql, read="duckdb", write="spark")
    return statement


def long_values(
    cases: CaseTables,
    views: Mapping[str, str],
    mappings: Mapping[str, Sequence[tuple[int, str]]],
    queries: Sequence[tuple[str, Sequence[str]]],
    *,
    ctes: Sequence[tuple[str, str]] = (),
    session: Any = None,
) -> pd.DataFrame:
    """Long rows ``unit_code, period, element, value`` of the batch ``queries`` (DuckDB SQL,
    each with the element codes it computes) run on Spark over the case tables exposed as
    ``views`` (table name -> view name), with the (bucket, period) tables ``mappings`` and
    the intermediate queries ``ctes`` (name, DuckDB SQL) as temp views the queries read."""
    spark = session or spark_session()
    with tempfile.TemporaryDirectory(prefix="grassroots-spark-") as tmp:
        for name, table in cases.tables.items():
            _view(spark, table, Path(tmp), views[name])
        for name, rows in mappings.items():
            spark.createDataFrame(
                list(rows), "bucket BIGINT, period STRING"
            ).createOrReplaceTempView(name)
        for name, sql in ctes:
            spark.sql(to_spark_sql(sql)).createOrReplaceTempView(name)
        parts = []
        for sql, codes in queries:
            pairs = ", ".join(f"'{code}', CAST(`{code}` AS DOUBLE)" for code in codes)
            parts.append(
                f"SELECT unit_code, period, stack({len(codes)}, {pairs}) AS (element, value) "
                f"FROM ({to_spark_sql(sql)}) AS w"
            )
        # One Spark job for every batch and group; only the few aggregated rows come back.
        rows = spark.sql(" UNION ALL ".join(parts)).collect()
    return pd.DataFrame(
        {
            "unit_code": pd.Series([str(r[0]) for r in rows], dtype="str"),
            "period": pd.Series([str(r[1]) for r in rows], dtype="str"),
            "element": pd.Series([str(r[2]) for r in rows], dtype="str"),
            "value": pd.Series([r[3] for r in rows], dtype="float64"),
        }
    )


def _view(spark: Any, table: CaseTable, tmp: Path, view: str) -> None:
    """The typed table as Spark temp view ``view``: the Parquet file itself when read in place
    (its typed SELECT transpiled), else the converted rows written to Parquet first."""
    if table.arrow is None and table.typed is not None:
        spark.read.parquet(str(table.path.resolve())).createOrReplaceTempView(f"{view}__raw")
        select = to_spark_sql(f"SELECT {table.typed} FROM {ident(view + '__raw')}")
        spark.sql(select).createOrReplaceTempView(view)
        return
    if table.arrow is None:
        raise ValueError(f"{table.name}: no typed data to hand to Spark")
    path = tmp / f"{table.name}.parquet"
    pq.write_table(table.arrow, path)
    spark.read.parquet(str(path)).createOrReplaceTempView(view)
