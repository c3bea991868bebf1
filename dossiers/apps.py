from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"

    def ready(self) -> None:
        # Registers the built-in virus scanners and the check of UPLOAD_ANTIVIRUS.
        from .documents.antivirus import checks  # noqa: F401
        from .lifecycle.transitions import transitioned
        from .read_cache import watch_dossier_models
        from .tasks import on_transition

        # The official forms (Mẫu 01–05) follow the transitions that issue them.
        transitioned.connect(on_transition, dispatch_uid="dossiers.official_forms")
        # Kept status reads follow every change of a dossier and of the rows pointing to it.
        watch_dossier_models()
