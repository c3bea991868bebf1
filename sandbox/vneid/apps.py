from django.apps import AppConfig


class VNeIDConfig(AppConfig):
    name = "sandbox.vneid"
    label = "vneid"
    verbose_name = "VNeID stand-in (định danh điện tử)"
    default_auto_field = "django.db.models.BigAutoField"
