"""Suite-wide fixtures. PostgreSQL must be reachable: in CI an unreachable server is a failure."""

from __future__ import annotations

import os

import psycopg
import pytest
from django.conf import settings


def pytest_sessionstart(session: pytest.Session) -> None:
    db = settings.DATABASES["default"]
    dsn = (
        f"host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432} "
        f"user={db.get('USER') or 'postgres'} dbname=postgres connect_timeout=5"
    )
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"
    try:
        psycopg.connect(dsn).close()
    except psycopg.OperationalError as exc:
        raise pytest.UsageError(
            f"PostgreSQL is not reachable ({dsn.split(' dbname')[0]}): {exc}. "
            "Start it (pg_ctlcluster 15 main start) or set DATABASE_URL. "
            f"CI={os.environ.get('CI', '')!r}: the suite never falls back to SQLite."
        ) from None
