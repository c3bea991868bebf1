"""``manage.py seed_workflows``: create the default and specific workflow templates."""

from django.core.management.base import BaseCommand

from workflow.seed import seed_workflows


class Command(BaseCommand):
    help = (
        "Create the default workflow templates of each authority tier and the specific ones of "
        "the most filed procedures, and attach those. Idempotent: edits are kept."
    )

    def handle(self, *args, **options):
        result = seed_workflows()
        self.stdout.write(
            f"Workflow templates: {result['templates']} created, "
            f"{result['attached']} procedures attached."
        )
