"""Back-office payment pages (mounted at ``/backoffice/payments/``)."""

from django.urls import path

from . import views_backoffice

app_name = "payments-backoffice"

urlpatterns = [
    path("reconciliation/", views_backoffice.reconciliation_page, name="reconciliation"),
    path("reconciliation.csv", views_backoffice.reconciliation_csv, name="reconciliation-csv"),
]
