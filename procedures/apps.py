from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProceduresConfig(AppConfig):
    name = "procedures"

    def ready(self) -> None:
        from .filter_options import options_changed
        from .models import Agency, Sector

        # The catalogue page's rendered filter lists follow every change of these tables.
        for model in (Agency, Sector):
            post_save.connect(options_changed, sender=model, dispatch_uid=f"options-{model}")
            post_delete.connect(options_changed, sender=model, dispatch_uid=f"options-{model}-del")
