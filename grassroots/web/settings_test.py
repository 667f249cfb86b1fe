"""Settings for the test suite: PostgreSQL, always.

DATABASE_URL selects the server; when it is unset the tests use the local server on
127.0.0.1:5432 as user postgres. Each pytest process gets its own database name, so
several checkouts can run their suites against one server at once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("GRASSROOTS_TESTING", "1")
# Tests never write into the checkout's var/: each run gets its own data directory (and a clean
# clone, which has no var/, works the same).
if not os.environ.get("GRASSROOTS_DATA_DIR"):
    _data_dir = tempfile.mkdtemp(prefix="grassroots-test-data-")
    os.environ["GRASSROOTS_DATA_DIR"] = _data_dir
    # Only the process that made it removes it (workers and subprocesses inherit the variable).
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)

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

# The suites written before the province's ranking policy existed read ranks as the scheme's
# visibility block allows them (the seeds' "ranking" practice); the reports tests and the tests
# of the pages' ranking policy set "analysis", the production default, themselves.
REPORTS_RANKING = "ranking"
