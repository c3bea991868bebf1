from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = "Sandbox of outside systems"
    default_auto_field = "django.db.models.BigAutoField"
