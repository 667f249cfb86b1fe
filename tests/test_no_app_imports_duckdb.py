"""All DuckDB over case tables lives in the engine: no other module of the project imports it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "grassroots"
ENGINE = PACKAGE / "engine"


def _imports_duckdb(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name == "duckdb" or a.name.startswith("duckdb.") for a in node.names
        ):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module == "duckdb" or (node.module or "").startswith("duckdb."))
        ):
            return True
    return False


def test_no_module_outside_the_engine_imports_duckdb() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if ENGINE not in path.parents and _imports_duckdb(path)
    ]
    assert offenders == []


def test_the_check_finds_an_import_of_duckdb(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from duckdb import connect\n", encoding="utf-8")
    assert _imports_duckdb(module)
