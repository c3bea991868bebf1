"""The payments API (mounted at ``/api/v1/``)."""

from django.urls import path

from . import api

urlpatterns = [
    path("payments/<str:gateway>/ipn", api.PaymentNotification.as_view(), name="payments-ipn"),
]
