from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflows and working time")

    def ready(self) -> None:
        """Route dossiers when the lifecycle announces a route or a forward (after commit), and
        let only the open step's holder forward (:mod:`workflow.guards`)."""
        from dossiers.lifecycle.transitions import add_check, transitioned

        from .guards import check_forward
        from .tasks import on_transition

        transitioned.connect(on_transition, dispatch_uid="workflow.route_dossier")
        add_check("forward", check_forward)
