from django.apps import AppConfig


class VNPayConfig(AppConfig):
    name = "sandbox.vnpay"
    label = "vnpay"
    verbose_name = "VNPay stand-in (cổng thanh toán)"
    default_auto_field = "django.db.models.BigAutoField"
