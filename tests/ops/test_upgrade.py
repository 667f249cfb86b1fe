"""`grassroots upgrade` (issue 17.6): the pending migrations run on a restored copy in a
temporary database first (`--dry-run`), the installation is untouched until `grassroots
upgrade`, and that refuses to migrate migrations no dry run covered. On PostgreSQL and SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.slow  # ~2.5 min: each step is a new process, migrations run several times

PENDING = "evaluation.0006_run_publication"


@pytest.fixture(params=["postgresql", "sqlite"])
def old_installation(request, tmp_path, fresh_database, cli) -> dict[str, str]:
    """An installation one migration behind the code: migrated, schemes stored, then the
    evaluation app taken back to 0005 (as if installed by the previous version)."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (tmp_path / "tmp").mkdir()
    url = fresh_database("upgrade") if request.param == "postgresql" else ""
    env = {
        "TMPDIR": str(tmp_path / "tmp"),  # where the dry run makes its copy
        "DJANGO_SETTINGS_MODULE": "grassroots.web.settings",
        "DATABASE_URL": url,
        "GRASSROOTS_DATA_DIR": str(data),
        "LANG": "C.UTF-8",
    }
    for step in (
        ("manage", "migrate", "-v0"),
        ("runs", "schemes"),
        ("manage", "migrate", "evaluation", "0005", "-v0"),
    ):
        done = cli(*step, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    return env


def _applied(env: dict[str, str], server_dsn) -> set[str]:
    """The migrations the installation's database records as applied (read directly)."""
    sql = "SELECT app || '.' || name FROM django_migrations"
    if env["DATABASE_URL"]:
        with psycopg.connect(server_dsn(env["DATABASE_URL"].rsplit("/", 1)[1])) as con:
            return {r[0] for r in con.execute(sql).fetchall()}
    with sqlite3.connect(Path(env["GRASSROOTS_DATA_DIR"]) / "grassroots.sqlite3") as con:
        return {r[0] for r in con.execute(sql).fetchall()}


def _copies_left(url: str, server_dsn) -> list[str]:
    if not url:
        return []
    with psycopg.connect(server_dsn()) as con:
        rows = con.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (url.rsplit("/", 1)[1] + "_upgrade_%",),
        ).fetchall()
    return [r[0] for r in rows]


def test_the_dry_run_migrates_a_copy_and_only_then_the_upgrade_migrates_for_real(
    old_installation, cli, server_dsn
) -> None:
    env = old_installation
    assert PENDING not in _applied(env, server_dsn)

    refused = cli("upgrade", env=env)
    assert refused.returncode == 2
    assert "run `grassroots upgrade --dry-run` first" in refused.stderr
    assert PENDING not in _applied(env, server_dsn)

    dry = cli("upgrade", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"  {PENDING}" in dry.stdout
    assert "the installation was not changed" in dry.stdout
    assert PENDING not in _applied(env, server_dsn)  # not changed indeed
    assert _copies_left(env["DATABASE_URL"], server_dsn) == []  # the temporary database is gone
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # and the copy's files

    real = cli("upgrade", env=env)
    assert real.returncode == 0, real.stdout + real.stderr
    assert "Applying evaluation.0006_run_publication... OK" in real.stdout
    assert PENDING in _applied(env, server_dsn)
    listed = cli("runs", "schemes", env=env)  # the stored schemes survived: no new versions
    assert listed.returncode == 0, listed.stderr
    assert "core-business v1" in listed.stdout

    again = cli("upgrade", env=env)
    assert again.returncode == 0
    assert "nothing to migrate" in again.stdout


def test_a_dry_run_from_a_tampered_backup_is_refused(cli, tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    env = {
        "DJANGO_SETTINGS_MODULE": "grassroots.web.settings",
        "DATABASE_URL": "",  # SQLite in the data directory, not yet migrated: enough here
        "GRASSROOTS_DATA_DIR": str(data),
        "LANG": "C.UTF-8",
    }
    out = tmp_path / "backup"
    assert cli("backup", "--out", str(out), env=env).returncode == 0
    dump = next(out.glob("database.*"))
    dump.write_bytes(dump.read_bytes() + b"x")
    dry = cli("upgrade", "--dry-run", "--from-backup", str(out), env=env)
    assert dry.returncode == 2
    assert f"{dump.name} has changed" in dry.stderr
