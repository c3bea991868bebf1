from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "sandbox.sms"
    label = "sandbox_sms"
    verbose_name = "SMS gateway stand-in (tin nhắn thương hiệu)"
    default_auto_field = "django.db.models.BigAutoField"
