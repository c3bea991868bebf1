from django.apps import AppConfig


class PostConfig(AppConfig):
    name = "sandbox.post"
    label = "sandbox_post"
    verbose_name = "Postal service stand-in (bưu chính công ích)"
    default_auto_field = "django.db.models.BigAutoField"
