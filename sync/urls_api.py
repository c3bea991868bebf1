"""The national-portal sync API, mounted at ``/api/sync/v1/``."""

from django.urls import path

from . import api

urlpatterns = [
    path("changes", api.ChangesView.as_view(), name="api-sync-changes"),
]
