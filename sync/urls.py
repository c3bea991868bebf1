"""The sync's back-office page, mounted at ``/backoffice/sync/``."""

from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("", views.sync_status, name="status"),
]
