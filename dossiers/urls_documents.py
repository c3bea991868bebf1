"""Document URLs, mounted at the site root: the documents step of a draft and downloads."""

from django.urls import path

from . import views_documents

app_name = "documents"

urlpatterns = [
    path(
        "dossiers/drafts/<uuid:public_id>/documents/",
        views_documents.documents_step,
        name="step",
    ),
    path("documents/<uuid:public_id>/", views_documents.download, name="download"),
]
