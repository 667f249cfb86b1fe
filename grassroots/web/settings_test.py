"""Settings for the test suite: PostgreSQL, always.

DATABASE_URL selects the server; when it is unset the tests use the local server on
127.0.0.1:5432 as user postgres. Each pytest process gets its own database name, so
several checkouts can run their suites against one server at once.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRASSROOTS_TESTING", "1")

from grassroots.web.settings import *  # noqa: E402,F403
from grassroots.web.settings import DATABASES  # noqa: E402

if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": f"grassroots_{os.getpid()}",
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "TEST": {"NAME": f"test_grassroots_{os.getpid()}"},
    }

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError(
        "The test suite runs on PostgreSQL only; DATABASE_URL points elsewhere: "
        f"{DATABASES['default']['ENGINE']}"
    )

PASSWORD_HASHERS = [
    # Fast hashing in tests only; production uses Django's default (PBKDF2).
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
