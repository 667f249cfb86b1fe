"""Configuration faults end in one clear line and exit code 2, never a traceback.

Each case runs the real `grassroots` command in a subprocess with a clean environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

GRASSROOTS = str(Path(sys.executable).with_name("grassroots"))
GOOD_DB = "postgres://postgres@127.0.0.1:5432/postgres"


def run(args: list[str], *, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GRASSROOTS_", "DJANGO_")) and k != "DATABASE_URL"
    }
    clean |= {"GRASSROOTS_SECRET_KEY": "k" * 50, "GRASSROOTS_DATA_DIR": str(data_dir), **env}
    return subprocess.run(
        [GRASSROOTS, *args], env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, output
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("command", [["manage", "check"], ["serve"]])
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("notaurl", ["DATABASE_URL", "no scheme"]),
        ("mongodb://h/db", ["DATABASE_URL", "unknown scheme 'mongodb'"]),
        ("postgres://u:secret@h:notaport/db", ["DATABASE_URL", "not a valid database URL"]),
        ("postgres://postgres@127.0.0.1:1/grassroots", ["cannot connect to the database"]),
    ],
)
def test_a_bad_database_url_gives_one_line(tmp_path, command, url, words) -> None:
    result = run(command, data_dir=tmp_path, DATABASE_URL=url)
    assert_one_clear_line(result, *words)
    assert "secret" not in result.stderr  # the password is never echoed


@pytest.mark.parametrize("command", [["manage", "check"], ["serve"]])
def test_a_missing_data_dir_gives_one_line(tmp_path, command) -> None:
    result = run(command, data_dir=tmp_path / "absent", DATABASE_URL=GOOD_DB)
    assert_one_clear_line(result, "data directory", "does not exist")


def test_a_data_dir_that_is_a_file_gives_one_line(tmp_path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    result = run(["manage", "check"], data_dir=not_a_dir, DATABASE_URL=GOOD_DB)
    assert_one_clear_line(result, "data directory", "not a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any directory")
def test_a_read_only_data_dir_gives_one_line(tmp_path) -> None:
    read_only = tmp_path / "ro"
    read_only.mkdir(mode=0o500)
    result = run(["manage", "check"], data_dir=read_only, DATABASE_URL=GOOD_DB)
    assert_one_clear_line(result, "data directory", "not writable")


def test_a_missing_secret_key_gives_one_line(tmp_path) -> None:
    result = run(
        ["manage", "check"], data_dir=tmp_path, DATABASE_URL=GOOD_DB, GRASSROOTS_SECRET_KEY=""
    )
    assert_one_clear_line(result, "GRASSROOTS_SECRET_KEY")


@pytest.fixture
def empty_database():
    """A new, empty PostgreSQL database on the test server: nothing migrated."""
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    name = f"grassroots_unmigrated_{os.getpid()}"
    admin = f"host={host} port={port} user={db.get('USER') or 'postgres'} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db.get('USER') or 'postgres'}@{host}:{port}/{name}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_serving_an_unmigrated_database_gives_one_line(tmp_path, empty_database) -> None:
    result = run(["serve"], data_dir=tmp_path, DATABASE_URL=empty_database)
    assert_one_clear_line(result, "migration", "grassroots manage migrate")


def test_a_healthy_configuration_passes_the_check(tmp_path) -> None:
    result = run(["manage", "check"], data_dir=tmp_path, DATABASE_URL=GOOD_DB)
    assert result.returncode == 0, result.stderr
