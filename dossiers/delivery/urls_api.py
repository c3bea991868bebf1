from django.urls import path

from .api import PostalReportView

urlpatterns = [
    path("delivery/postal/reports", PostalReportView.as_view(), name="delivery-postal-report"),
]
