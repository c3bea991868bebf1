from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"

    def ready(self) -> None:
        # Registers the built-in virus scanners and the check of UPLOAD_ANTIVIRUS.
        from .documents.antivirus import checks  # noqa: F401
        from .lifecycle.transitions import transitioned
        from .read_cache import watch_dossier_models
        from .signing import checks as signing_checks  # noqa: F401 (and the key sources)
        from .signing import tasks as signing_tasks  # noqa: F401 (dossiers.render_signed_result)
        from .tasks import on_transition

        # The official forms (Mẫu 01–05) follow the transitions that issue them.
        transitioned.connect(on_transition, dispatch_uid="dossiers.official_forms")
        # Kept status reads follow every change of a dossier and of the rows pointing to it.
        watch_dossier_models()
