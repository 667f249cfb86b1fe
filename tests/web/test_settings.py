"""Settings read from the environment: HTTPS switches on the strict transport settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = (
    "import json; from grassroots.web import settings as s; print(json.dumps({k: getattr(s, k) for k in ("
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'LANGUAGE_COOKIE_SECURE', "
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'ALLOWED_HOSTS', 'INSTALLED_APPS')}, default=str))"
)


def settings_with(**env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRASSROOTS_", "DJANGO_"))}
    clean |= {"GRASSROOTS_SECRET_KEY": "k" * 50, **env}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_debug_is_off_and_cookies_plain_by_default() -> None:
    values = settings_with()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert "testserver" not in values["ALLOWED_HOSTS"]


def test_https_turns_on_secure_cookies_hsts_and_redirects() -> None:
    values = settings_with(GRASSROOTS_HTTPS="true", GRASSROOTS_ALLOWED_HOSTS="grassroots.example")
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["ALLOWED_HOSTS"] == ["grassroots.example"]


def test_django_admin_is_not_installed() -> None:
    assert "django.contrib.admin" not in settings_with()["INSTALLED_APPS"]


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_boolean_is_refused(value) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRASSROOTS_", "DJANGO_"))}
    clean |= {"GRASSROOTS_SECRET_KEY": "k" * 50, "GRASSROOTS_HTTPS": value}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert f"Unexpected value GRASSROOTS_HTTPS={value!r}" in result.stderr


DB_PROBE = (
    "import json; from grassroots.web import settings as s; "
    "print(json.dumps(s.DATABASES['default'], default=str))"
)


@pytest.mark.parametrize("url", ["", "sqlite:////tmp/grassroots-elsewhere.sqlite3"])
def test_every_sqlite_database_gets_wal_and_immediate_transactions(url, tmp_path) -> None:
    """Issue 19.8: DATABASE_URL=sqlite://… once dropped both, and concurrent writes failed."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRASSROOTS_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean |= {"GRASSROOTS_SECRET_KEY": "k" * 50, "GRASSROOTS_DATA_DIR": str(tmp_path)}
    if url:
        clean["DATABASE_URL"] = url
    out = subprocess.run(
        [sys.executable, "-c", DB_PROBE], env=clean, capture_output=True, text=True, check=True
    )
    db = json.loads(out.stdout)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
