"""`grassroots demo --no-serve` (what `make demo` runs before serving) on its embedded SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook


def _demo(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(GRASSROOTS_DATA_DIR=str(data_dir), GRASSROOTS_DEBUG="true")
    return subprocess.run(
        [sys.executable, "-m", "grassroots.cli", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_demo_prepares_logins_and_an_evaluation_and_can_run_twice(tmp_path: Path) -> None:
    first = _demo(tmp_path)
    assert first.returncode == 0, first.stderr
    for username in ("demo-admin", "demo-reviewer", "demo-clerk", "demo-leader", "demo-auditor"):
        assert username in first.stdout
    result = tmp_path / "demo" / "evaluation-37-2024Q4.xlsx"
    rows = list(load_workbook(result, read_only=True).worksheets[0].values)
    assert list(rows[0][:4]) == ["unit_code", "period", "node", "level"]
    assert len({row[0] for row in rows[1:]}) == 138  # every grassroots unit of Shandong

    stamp = result.stat().st_mtime_ns
    second = _demo(tmp_path)
    assert second.returncode == 0, second.stderr
    assert result.stat().st_mtime_ns == stamp  # idempotent: nothing recomputed
    assert (tmp_path / "grassroots.sqlite3").exists()
