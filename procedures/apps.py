from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save


class ProceduresConfig(AppConfig):
    name = "procedures"

    def ready(self) -> None:
        from . import generation
        from .generation import catalogue_changed, options_changed
        from .models import Agency, Procedure, ProcedureVersion, Sector

        # Cached search answers, results and filter lists follow every change of these tables
        # (bulk writes move the generation themselves: procedures.generation).
        receivers = {
            Agency: options_changed,
            Sector: options_changed,
            Procedure: catalogue_changed,
            ProcedureVersion: catalogue_changed,
        }
        for model, receiver in receivers.items():
            uid = f"catalogue-{model.__name__}"
            post_save.connect(receiver, sender=model, dispatch_uid=uid)
            post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-del")
        # Each generation is read once per request (procedures.generation).
        request_started.connect(generation.request_started, dispatch_uid="generation-start")
        request_finished.connect(generation.request_finished, dispatch_uid="generation-end")
