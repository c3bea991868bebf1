"""Back-office REST API, mounted at ``/api/v1/`` (``path("api/v1/", include(...))``)."""

from django.urls import path

from . import api, api_queues, api_results

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
    path(
        "backoffice/dossiers/",
        api_queues.DossierInboxView.as_view(),
        name="api-backoffice-inbox",
    ),
    path(
        "backoffice/dossiers/<str:code>/transitions/",
        api.DossierTransitionView.as_view(),
        name="api-backoffice-dossier-transition",
    ),
    path(
        "backoffice/dossiers/<str:code>/result/",
        api_results.DossierResultView.as_view(),
        name="api-backoffice-dossier-result",
    ),
    path(
        "backoffice/dossiers/<str:code>/claim/",
        api_queues.ClaimStepView.as_view(),
        name="api-backoffice-dossier-claim",
    ),
    path(
        "backoffice/dossiers/<str:code>/release/",
        api_queues.ReleaseStepView.as_view(),
        name="api-backoffice-dossier-release",
    ),
]
