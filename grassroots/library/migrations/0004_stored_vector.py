"""PostgreSQL keeps each search document's tsvector in a stored generated column with the GIN
index on it, so a search neither rebuilds the vector of every match nor of every ranked row."""

from __future__ import annotations

from typing import Any

from django.db import migrations

FORWARDS = (
    "ALTER TABLE library_searchdocument ADD COLUMN IF NOT EXISTS vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(tokens, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS library_doc_vector_gin ON library_searchdocument USING gin (vector)",
    "DROP INDEX IF EXISTS library_doc_tokens_gin",
)
BACKWARDS = (
    "CREATE INDEX IF NOT EXISTS library_doc_tokens_gin ON library_searchdocument "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(tokens, '')))",
    "DROP INDEX IF EXISTS library_doc_vector_gin",
    "ALTER TABLE library_searchdocument DROP COLUMN IF EXISTS vector",
)


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARDS:
            schema_editor.execute(sql)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARDS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("library", "0003_search_words")]
    operations = [migrations.RunPython(forwards, backwards)]
