"""The citizen's filing journey, mounted at the site root (before the tracking URLs, so
``/dossiers/drafts/…`` is matched here and not taken for a dossier code)."""

from django.urls import path

from . import views_apply

app_name = "apply"

urlpatterns = [
    path("procedures/<str:code>/apply/", views_apply.apply_start, name="start"),
    path("dossiers/", views_apply.my_dossiers, name="my-dossiers"),
    path("dossiers/drafts/<uuid:public_id>/", views_apply.draft_resume, name="resume"),
    path(
        "dossiers/drafts/<uuid:public_id>/step/<slug:section_id>/",
        views_apply.draft_step,
        name="step",
    ),
    path("dossiers/drafts/<uuid:public_id>/review/", views_apply.draft_review, name="review"),
    path("dossiers/drafts/<uuid:public_id>/delete/", views_apply.draft_delete, name="delete"),
]
