"""Trigram index on the search vocabulary (PostgreSQL only; a no-op on SQLite)."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_word_trgm "
            "ON procedures_searchword USING gin (word gin_trgm_ops)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_word_trgm")


class Migration(migrations.Migration):
    dependencies = [("procedures", "0003_search_words")]
    operations = [migrations.RunPython(forward, backward)]
