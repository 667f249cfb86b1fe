"""The SQL guard: a model is one read-only SELECT over registered tables, nothing else.

``check_sql(sql, registered)`` parses with SQLGlot (DuckDB dialect) and raises
:class:`SqlRefused` with a ``kind`` the app words in the user's language:

- ``syntax``: SQLGlot cannot parse it;
- ``several``: more than one statement;
- ``write``: INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, MERGE … anywhere;
- ``statement``: COPY, ATTACH, DETACH, INSTALL, LOAD, PRAGMA, SET, EXPORT, CALL … or any other
  statement that is not a query;
- ``file``: a function that reads files (read_csv, read_parquet, glob …) or a quoted file name
  in FROM;
- ``system``: a function that reaches outside the query (getenv, network scans, DuckDB's
  catalogue functions …);
- ``table``: a table that is not registered (or a qualified name such as main.t).

The runner also locks DuckDB (no file access but the registered files), so the guard is the
clear message and the lock the wall.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

logging.getLogger("sqlglot").setLevel(logging.ERROR)

FILE_FUNCTIONS = frozenset(
    {
        "read_csv",
        "read_csv_auto",
        "read_parquet",
        "parquet_scan",
        "parquet_metadata",
        "parquet_schema",
        "parquet_file_metadata",
        "parquet_kv_metadata",
        "read_json",
        "read_json_auto",
        "read_json_objects",
        "read_ndjson",
        "read_ndjson_auto",
        "read_ndjson_objects",
        "read_text",
        "read_blob",
        "read_xlsx",
        "glob",
        "sniff_csv",
        "csv_scan",
        "json_scan",
        "iceberg_scan",
        "iceberg_metadata",
        "delta_scan",
        "st_read",
        "read_avro",
        "readcsv",
        "readparquet",
        "readjson",
    }
)
SYSTEM_FUNCTIONS = frozenset(
    {
        "getenv",
        "current_setting",
        "query",
        "query_table",
        "sqlite_scan",
        "sqlite_attach",
        "postgres_scan",
        "postgres_query",
        "postgres_attach",
        "mysql_scan",
        "mysql_query",
        "http_get",
        "http_post",
        "load_extension",
        "enable_profiling",
        "checkpoint",
        "force_checkpoint",
        "which_secret",
        "system",
        "shell",
    }
)
SYSTEM_PREFIXES = ("duckdb_", "pragma_", "sqlite_", "postgres_", "mysql_", "http", "icu_")
STATEMENTS = frozenset(
    {
        "copy",
        "attach",
        "detach",
        "install",
        "pragma",
        "set",
        "command",
        "export",
        "use",
        "call",
        "describe",
        "show",
        "transaction",
        "commit",
        "rollback",
        "load",
        "summarize",
    }
)
WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Merge,
    exp.TruncateTable,
)


@dataclass
class SqlRefused(ValueError):
    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}" if self.detail else self.kind


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return str(node.sql_name()).lower()


def check_sql(sql: str, registered: Collection[str]) -> exp.Query:
    """The parsed query when ``sql`` is one SELECT over ``registered`` tables; SqlRefused otherwise."""
    allowed = {name.lower() for name in registered}
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except SqlglotError as exc:
        raise SqlRefused("syntax", str(exc).splitlines()[0][:200]) from None
    if not statements:
        raise SqlRefused("syntax", "empty")
    if len(statements) > 1:
        raise SqlRefused("several", str(len(statements)))
    tree = statements[0]
    if isinstance(tree, WRITES):
        raise SqlRefused("write", tree.key.upper())
    if not isinstance(tree, exp.Query):
        keyword = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
        if tree.key not in STATEMENTS:
            raise SqlRefused("syntax", sql.strip()[:80])
        raise SqlRefused("statement", keyword)
    ctes = {str(cte.alias).lower() for cte in tree.find_all(exp.CTE)}
    for node in tree.walk():
        if isinstance(node, WRITES):
            raise SqlRefused("write", node.key.upper())
        if isinstance(node, exp.Command | exp.Copy | exp.Pragma | exp.Set | exp.Attach):
            raise SqlRefused("statement", node.key.upper())
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if name in FILE_FUNCTIONS or name.startswith("read_"):
                raise SqlRefused("file", name)
            if name in SYSTEM_FUNCTIONS or name.startswith(SYSTEM_PREFIXES):
                raise SqlRefused("system", name)
        if isinstance(node, exp.Table):
            _check_table(node, allowed, ctes)
    return tree


def _check_table(node: exp.Table, allowed: set[str], ctes: set[str]) -> None:
    target = node.this
    if isinstance(target, exp.Literal):
        raise SqlRefused("file", str(target.this))
    if isinstance(target, exp.Func):
        return  # a table function: its name was checked as a function
    if not isinstance(target, exp.Identifier):
        raise SqlRefused("table", node.sql(dialect="duckdb")[:80])
    name = str(target.this).lower()
    if target.quoted and ("." in name or "/" in name):
        raise SqlRefused("file", name)
    if node.args.get("db") or node.args.get("catalog"):
        raise SqlRefused("table", node.sql(dialect="duckdb")[:80])
    if name not in allowed and name not in ctes:
        raise SqlRefused("table", name)


def referenced_tables(sql: str, registered: Collection[str]) -> list[str]:
    """The registered tables a (checked) query reads, in first-mention order."""
    tree = check_sql(sql, registered)
    allowed = {name.lower() for name in registered}
    seen: list[str] = []
    for node in tree.find_all(exp.Table):
        name = str(node.name).lower()
        if name in allowed and name not in seen:
            seen.append(name)
    return seen
