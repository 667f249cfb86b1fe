"""Every command's start checks the database has all migrations (issue 20.4: without loading
them when the file names say so)."""

from __future__ import annotations

import pytest
from django.db import connection

from grassroots.commands._django import _all_recorded, _check_migrations
from grassroots.commands._errors import UsageError


def test_the_quick_check_passes_a_migrated_database_and_a_missing_one_is_still_named(db) -> None:
    assert _all_recorded(connection)
    _check_migrations()  # nothing pending: no error
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations "
            "WHERE app = 'intake')"
        )
    assert not _all_recorded(connection)
    with pytest.raises(UsageError, match="lacks 1 migration"):
        _check_migrations()
