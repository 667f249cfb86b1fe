"""Starting Django imports no numeric library (issue 20.4).

Commands that compute nothing (users, units, serve before the first request) must not pay for
pandas, scipy, DuckDB or pyarrow at start-up: the apps register their follow-up steps as thin
wrappers that import the heavy modules when a run is published. `grassroots --help` does not
even set Django up. benchmarks/startup.py measures the seconds; this guards the cause.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Each costs from ~0.1 s (numpy, sqlglot) to ~1 s (pandas with scipy) to import on 2 cores.
HEAVY = (
    "pandas",
    "scipy",
    "duckdb",
    "pyarrow",
    "numpy",
    "polars",
    "sqlglot",
    "matplotlib",
    "openpyxl",
    "docx",
    "weasyprint",
    "jieba",
    "pyspark",
)


def _imported(code: str, modules: tuple[str, ...] = HEAVY) -> list[str]:
    """The ``modules`` in sys.modules after running ``code`` in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grassroots.web.settings_test"}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    found: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def test_django_setup_imports_no_numeric_library() -> None:
    assert _imported("import django; django.setup()") == []


def test_django_setup_imports_neither_pydantic_nor_ninja() -> None:
    # ~0.2 s of every command's start: ninja is not an installed app (its Swagger files are on
    # the template and static paths), and the permissions name the scheme's pydantic models
    # only for type checking. The API imports both when the URLs load.
    assert _imported("import django; django.setup()", ("pydantic", "ninja", "yaml")) == []


def test_the_command_line_help_imports_no_numeric_library() -> None:
    code = (
        "import sys\nfrom grassroots.cli import main\nsys.argv = ['grassroots', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _imported(code) == []
