"""Running a model: its checked query over registered Parquet files, and the evidence of its leads.

A model's query returns one row per lead with at least these columns:

- ``subject``: the keyed hash of the person's identity number (a dataset's id_number column);
- ``unit_code``: the jurisdiction (a division code) the lead belongs to;
- ``risk_score`` (optional, default 1.0).

Every other column is a key field shown with the lead. The runner registers each table as a view
(sealed identity values left out), then locks DuckDB so that only the registered files can be
read, and runs the query with its parameters (``$name`` in the SQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from grassroots.engine.supervision.datasets import SEALED
from grassroots.engine.supervision.guard import SqlRefused, check_sql

REQUIRED = ("subject", "unit_code")
MAX_LEADS = 100_000
EVIDENCE_PER_TABLE = 20


@dataclass(frozen=True)
class Source:
    """A registered table: its Parquet files and the id_number columns in them."""

    files: Sequence[Path]
    id_columns: Sequence[str] = ()


@dataclass
class LeadRow:
    subject: str
    unit_code: str
    risk_score: float
    fields: dict[str, Any]


@dataclass
class Outcome:
    leads: list[LeadRow]
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # subject -> rows
    subjects: dict[str, tuple[str, str]] = field(default_factory=dict)  # subject -> masked, sealed
    seconds: float = 0.0


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _files(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def connect(
    sources: Mapping[str, Source], *, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per source, locked to those files."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    allowed: list[str] = []
    for name, source in sources.items():
        files = [Path(p).resolve() for p in source.files]
        allowed += [str(p) for p in files]
        scan = f"read_parquet({_files(files)}, union_by_name = true)"
        sealed = [c + SEALED for c in source.id_columns]
        exclude = f" EXCLUDE ({', '.join(_quote(c) for c in sealed)})" if sealed else ""
        con.execute(f"CREATE VIEW {_quote(name)} AS SELECT *{exclude} FROM {scan}")
        con.execute(f"CREATE VIEW {_quote('__sealed_' + name)} AS SELECT * FROM {scan}")
    con.execute("SET allowed_paths = " + _files([Path(p) for p in allowed]))
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_model(
    sql: str,
    sources: Mapping[str, Source],
    *,
    params: Mapping[str, Any] | None = None,
    with_evidence: bool = True,
    threads: int | None = None,
) -> Outcome:
    """The model's leads (SqlRefused when the query is refused or lacks the required columns)."""
    import time

    check_sql(sql, sources)
    started = time.perf_counter()
    con = connect(sources, threads=threads)
    try:
        wanted = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
        try:
            result = con.execute(sql, wanted) if wanted else con.execute(sql)
            names = [d[0] for d in result.description]
            rows = result.fetchmany(MAX_LEADS)
        except duckdb.Error as exc:
            raise SqlRefused("execution", str(exc).splitlines()[0][:300]) from None
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise SqlRefused("output", ", ".join(missing))
        leads: dict[str, LeadRow] = {}
        for raw in rows:
            record = dict(zip(names, raw, strict=True))
            subject = str(record.pop("subject"))
            unit = str(record.pop("unit_code"))
            risk = float(record.pop("risk_score", 1.0) or 0.0)
            fields = {k: _plain(v) for k, v in record.items() if not k.endswith(SEALED)}
            if subject not in leads or risk > leads[subject].risk_score:
                leads[subject] = LeadRow(subject, unit, risk, fields)
        outcome = Outcome(sorted(leads.values(), key=lambda r: (-r.risk_score, r.subject)))
        if with_evidence and leads:
            _evidence(con, sources, outcome)
        outcome.seconds = time.perf_counter() - started
        return outcome
    finally:
        con.close()


def _evidence(
    con: duckdb.DuckDBPyConnection, sources: Mapping[str, Source], outcome: Outcome
) -> None:
    subjects = [lead.subject for lead in outcome.leads]
    for name, source in sources.items():
        for column in source.id_columns:
            query = (
                f"SELECT * FROM {_quote('__sealed_' + name)} WHERE {_quote(column)} IN "
                f"(SELECT unnest($subjects)) ORDER BY ALL"
            )
            result = con.execute(query, {"subjects": subjects})
            names = [d[0] for d in result.description]
            counts: dict[str, int] = {}
            for raw in result.fetchall():
                row = dict(zip(names, raw, strict=True))
                subject = str(row[column])
                masked = row.get(column + "__masked")
                sealed = row.get(column + SEALED)
                if subject not in outcome.subjects and masked and sealed:
                    outcome.subjects[subject] = (str(masked), str(sealed))
                if counts.get(subject, 0) >= EVIDENCE_PER_TABLE:
                    continue
                counts[subject] = counts.get(subject, 0) + 1
                shown = {
                    k: _plain(v)
                    for k, v in row.items()
                    if not k.endswith(SEALED) and k not in source.id_columns
                }
                outcome.evidence.setdefault(subject, []).append({"table": name, **shown})
    for rows in outcome.evidence.values():
        rows.sort(key=_evidence_order)


def _evidence_order(row: dict[str, Any]) -> tuple[str, list[str]]:
    """By table, then by the row's dates (ISO strings), so payments read month by month."""
    dates = [v for v in row.values() if isinstance(v, str) and len(v) == 10 and v[4:5] == "-"]
    return str(row["table"]), dates


def preview(
    path: Path, id_columns: Sequence[str], *, limit: int = 20
) -> tuple[list[str], list[list[Any]]]:
    """The first rows of a stored dataset file, sealed values and keyed hashes left out."""
    con = duckdb.connect()
    try:
        hidden = [c + SEALED for c in id_columns] + list(id_columns)
        exclude = f" EXCLUDE ({', '.join(_quote(c) for c in hidden)})" if hidden else ""
        result = con.execute(
            f"SELECT *{exclude} FROM read_parquet({_files([Path(path)])}) LIMIT {int(limit)}"
        )
        names = [d[0] for d in result.description]
        return names, [[_plain(v) for v in row] for row in result.fetchall()]
    finally:
        con.close()
