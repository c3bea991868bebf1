"""Back-office REST API, mounted at ``/api/v1/`` (``path("api/v1/", include(...))``)."""

from django.urls import path

from . import api_backoffice

urlpatterns = [
    path(
        "backoffice/agencies/<str:code>/",
        api_backoffice.AgencyDetailView.as_view(),
        name="api-backoffice-agency",
    ),
    path(
        "backoffice/agencies/<str:code>/staff/",
        api_backoffice.AgencyStaffView.as_view(),
        name="api-backoffice-agency-staff",
    ),
]
