"""PostgreSQL search support: extensions and indexes. A no-op on SQLite (the demo default)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE INDEX IF NOT EXISTS procedure_search_vector_gin "
    "ON procedures_procedure USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS procedure_search_name_trgm "
    "ON procedures_procedure USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS procedure_search_text_trgm "
    "ON procedures_procedure USING gin (search_text gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS procedure_search_text_trgm",
    "DROP INDEX IF EXISTS procedure_search_name_trgm",
    "DROP INDEX IF EXISTS procedure_search_vector_gin",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
