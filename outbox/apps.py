import importlib

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Outbox")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every app's topics (``<app>.outbox_topics``), this one's included.
        for config in apps.get_app_configs():
            try:
                importlib.import_module(f"{config.name}.outbox_topics")
            except ModuleNotFoundError as missing:
                if missing.name != f"{config.name}.outbox_topics":
                    raise
