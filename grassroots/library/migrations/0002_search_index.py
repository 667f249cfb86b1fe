"""The full-text index of the search documents: a GIN index on PostgreSQL, FTS5 on SQLite."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from grassroots.library.search import SQLITE_FTS, SQLITE_FTS_DROP

# The expression Django writes for SearchVector("tokens", config="simple"), so the planner uses it.
PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS library_doc_tokens_gin ON library_searchdocument "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(tokens, '')))"
)


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = [PG_INDEX] if vendor == "postgresql" else SQLITE_FTS if vendor == "sqlite" else ()
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_doc_tokens_gin")
    elif vendor == "sqlite":
        for sql in SQLITE_FTS_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
