from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"

    def ready(self) -> None:
        # Registers the built-in virus scanners and the check of UPLOAD_ANTIVIRUS.
        from .documents.antivirus import checks  # noqa: F401
