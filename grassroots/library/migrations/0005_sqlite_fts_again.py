"""SQLite: put the FTS5 triggers back and rebuild the index.

On SQLite, 0003 (a new column) made Django rebuild ``library_searchdocument`` as a new table,
and dropping the old table dropped the triggers that keep ``library_fts`` in step with it. Any
later migration that rebuilds that table on SQLite must end with the same statements
(``search.SQLITE_FTS``: idempotent, and ending with a rebuild of the index).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from grassroots.library.search import SQLITE_FTS


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_FTS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("library", "0004_stored_vector")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
