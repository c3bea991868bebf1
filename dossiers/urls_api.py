"""Dossier endpoints under /api/v1/ (``ref``: a dossier code or a draft's public_id)."""

from django.urls import path

from . import api, ratings_views
from .api import answers

urlpatterns = [
    path("dossiers/", api.DossierListView.as_view(), name="api-dossier-list"),
    path("documents/", api.StoredDocumentListView.as_view(), name="api-document-store"),
    path("dossiers/<str:ref>/", api.DossierDetailView.as_view(), name="api-dossier-detail"),
    path(
        "dossiers/<str:ref>/documents/",
        api.DossierDocumentsView.as_view(),
        name="api-dossier-documents",
    ),
    path(
        "dossiers/<str:ref>/documents/<int:document_id>/",
        api.DossierDocumentView.as_view(),
        name="api-dossier-document",
    ),
    path("dossiers/<str:ref>/submit", api.DossierSubmitView.as_view(), name="api-dossier-submit"),
    path(
        "dossiers/<str:ref>/supplement/",
        answers.SupplementAnswerView.as_view(),
        name="api-dossier-supplement",
    ),
    path(
        "dossiers/<str:ref>/supplement/documents/",
        answers.SupplementDocumentsView.as_view(),
        name="api-dossier-supplement-documents",
    ),
    path(
        "dossiers/<str:ref>/supplement/documents/<int:document_id>/",
        answers.SupplementDocumentView.as_view(),
        name="api-dossier-supplement-document",
    ),
    path(
        "dossiers/<str:ref>/withdraw",
        api.DossierWithdrawView.as_view(),
        name="api-dossier-withdraw",
    ),
    path(
        "dossiers/<str:ref>/rating/",
        ratings_views.DossierRatingView.as_view(),
        name="api-dossier-rating",
    ),
]
