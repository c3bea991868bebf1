"""The default workflow template of each authority tier, so every procedure of any database
resolves to one. The specific templates name agencies and procedures, which are imported
later: ``manage.py seed_workflows`` creates those."""

from django.db import migrations

from workflow.seed import DEFAULT_TEMPLATES, ensure_templates


def create_defaults(apps, schema_editor):
    ensure_templates(
        DEFAULT_TEMPLATES,
        apps.get_model("workflow", "WorkflowTemplate"),
        apps.get_model("workflow", "WorkflowStep"),
        apps.get_model("procedures", "Agency"),
    )


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_workflow_templates")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
