"""Back-office REST API, mounted at ``/api/v1/`` (``path("api/v1/", include(...))``)."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "backoffice/agencies/<str:code>/",
        api.AgencyDetailView.as_view(),
        name="api-backoffice-agency",
    ),
    path(
        "backoffice/agencies/<str:code>/staff/",
        api.AgencyStaffView.as_view(),
        name="api-backoffice-agency-staff",
    ),
]
