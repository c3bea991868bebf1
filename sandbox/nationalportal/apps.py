from django.apps import AppConfig


class NationalPortalConfig(AppConfig):
    name = "sandbox.nationalportal"
    label = "nationalportal"
    verbose_name = "National Public Service Portal stand-in (Cổng Dịch vụ công quốc gia)"
    default_auto_field = "django.db.models.BigAutoField"
