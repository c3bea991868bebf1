from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "dossiers.delivery"
    label = "delivery"
    verbose_name = _("Delivery of results")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dossiers import signals
        from dossiers.lifecycle.transitions import add_check

        from . import services
        from .postal import checks  # noqa: F401 - registers the transports and their check

        signals.recorded.connect(services.on_dossier_recorded, dispatch_uid="delivery.recorded")
        add_check("return_result", services.check_hand_over)
