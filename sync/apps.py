from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    """Đồng bộ Cổng DVC quốc gia: change records, the change feed, the push relay."""

    name = "sync"
    verbose_name = _("National portal sync")

    def ready(self) -> None:
        from dossiers.signals import recorded
        from portal.health import add_details

        from . import checks, ops, receivers  # noqa: F401 (checks registers itself)
        from .transports import contrib  # noqa: F401 (registers the built-in transports)

        recorded.connect(receivers.on_recorded, dispatch_uid="sync.change_records")
        add_details("sync", ops.readiness)
