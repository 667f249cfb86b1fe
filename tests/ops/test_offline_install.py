"""Offline install (issue 17.3): `make wheelhouse` builds every wheel a production install
needs, and a fresh virtual environment installs from it with `pip install --no-index` and no
pip configuration (the machine's own indexes and find-links are switched off), then runs.

Time: the wheelhouse is built once per suite (module fixture), reusing pip's cache: ~20 s
warm on a 2-core machine, plus ~160 MB of downloads the first time on a new machine; the
install into the fresh venv and the smoke run take ~60-90 s more.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _isolated_pip_env() -> dict[str, str]:
    """This environment without any pip setting: no index, no find-links, no constraints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make wheelhouse` into a temporary folder (the heavy part: once per suite)."""
    out = tmp_path_factory.mktemp("offline") / "wheelhouse"
    built = subprocess.run(
        ["make", "--no-print-directory", "wheelhouse", f"WHEELHOUSE={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return out


def _pinned(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        if "==" in line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version.strip()
    return pins


def _check_contents(wheelhouse: Path) -> None:
    """The project's wheel and each dependency's at the version requirements.lock pins."""
    wheels = sorted(p.name for p in wheelhouse.glob("*.whl"))
    assert any(w.startswith("grassroots-") for w in wheels)
    assert not list(wheelhouse.glob("*.tar.gz"))  # wheels only: nothing to build offline
    pins = _pinned(ROOT / "requirements.lock")
    for wheel in wheels:
        name, version = wheel.split("-")[:2]
        name = name.lower().replace("_", "-")
        if name != "grassroots":
            assert pins.get(name) == version, f"{wheel} is not the version requirements.lock pins"
    for needed in ("django", "duckdb", "psycopg-binary", "pyarrow", "gunicorn", "scipy"):
        assert any(w.lower().replace("_", "-").startswith(needed + "-") for w in wheels), needed


def test_a_fresh_venv_installs_offline_from_the_wheelhouse_and_runs(wheelhouse, tmp_path) -> None:
    # One test, so the wheelhouse is built once per suite also when xdist spreads the tests.
    _check_contents(wheelhouse)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = _isolated_pip_env()
    installed = subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            "grassroots",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    grassroots = str(venv / "bin" / "grassroots")
    version = subprocess.run([grassroots, "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("grassroots ")
    # The installed program works end to end (engine, DuckDB, Parquet, SciPy), from its own
    # site-packages, not from this checkout.
    cases, out = tmp_path / "cases", tmp_path / "result.csv"
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import grassroots; print(grassroots.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert str(venv) in where.stdout, where.stdout + where.stderr
    for argv in (
        ["generate", "--from", "2024Q4", "--to", "2024Q4", "--scale", "0.05", "--out", str(cases)],
        [
            "evaluate",
            "--scheme",
            "core-business",
            "--period",
            "2024Q4",
            "--cases",
            str(cases),
            "--out",
            str(out),
        ],
    ):
        done = subprocess.run(
            [grassroots, *argv], capture_output=True, text=True, env=env, cwd=tmp_path
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert out.read_text(encoding="utf-8").count("\n") > 100
