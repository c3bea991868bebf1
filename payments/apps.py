from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from dossiers.lifecycle.transitions import add_check

        from . import checks, receivers, services  # noqa: F401  (connects the receivers, checks)
        from .contrib.vnpay import plugin  # noqa: F401  (registers the gateway)

        add_check("receive", services.refuse_receive_unpaid)
        add_check("mark_fees_paid", services.refuse_desk_payment_in_flight)
