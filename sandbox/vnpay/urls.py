"""URLs of the VNPay stand-in, under ``/vnpay/`` (paths as the real gateway's)."""

from django.urls import path

from . import views

app_name = "vnpay"

urlpatterns = [
    path("paymentv2/vpcpay.html", views.payment_page, name="pay"),
    path("paymentv2/<int:pk>/decide", views.decide, name="decide"),
    path("merchant_webapi/api/transaction", views.merchant_api, name="api"),
    path("transactions/", views.transactions, name="transactions"),
]
