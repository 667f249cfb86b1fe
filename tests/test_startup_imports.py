"""Starting Django imports no numeric library (issue 20.4).

Commands that compute nothing (users, units, serve before the first request) must not pay for
pandas, scipy, DuckDB or pyarrow at start-up: the apps register their follow-up steps as thin
wrappers that import the heavy modules when a run is published.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("pandas", "scipy", "duckdb", "pyarrow", "sqlglot")


def test_django_setup_imports_no_numeric_library() -> None:
    code = (
        "import json, sys, django; django.setup(); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grassroots.web.settings_test"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
