from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dossiers import signals
        from dossiers.delivery import signals as delivery_signals

        from . import events, tasks  # noqa: F401 - the beat tasks, registered with Celery
        from .sms import checks  # noqa: F401 - registers the gateways and their system check

        # Written inside the transaction of the change: the notice commits with it, or not at all.
        signals.recorded.connect(events.on_dossier_recorded, dispatch_uid="notifications.recorded")
        delivery_signals.delivery_changed.connect(
            events.on_delivery_changed, dispatch_uid="notifications.delivery"
        )
