"""On PostgreSQL, the audit table refuses UPDATE and DELETE at the database level too."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION identity_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'identity_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS identity_audit_append_only ON identity_auditevent;
CREATE TRIGGER identity_audit_append_only BEFORE UPDATE OR DELETE ON identity_auditevent
    FOR EACH ROW EXECUTE FUNCTION identity_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS identity_audit_append_only ON identity_auditevent;
DROP FUNCTION IF EXISTS identity_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
