from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflows and working time")

    def ready(self) -> None:
        """Route dossiers when the lifecycle announces a route or a forward (after commit)."""
        from dossiers.lifecycle.transitions import transitioned

        from .tasks import on_transition

        transitioned.connect(on_transition, dispatch_uid="workflow.route_dossier")
