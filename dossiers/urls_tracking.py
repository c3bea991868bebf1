"""Following a dossier (mounted at the site root, after ``dossiers.urls_apply``)."""

from django.urls import path

from . import ratings_views, results_views, views_answer, views_forms, views_tracking

app_name = "tracking"

urlpatterns = [
    path("dossiers/<str:code>/", views_tracking.dossier_detail, name="detail"),
    path("dossiers/<str:code>/receipt.pdf", views_tracking.receipt_pdf, name="receipt"),
    path("dossiers/<str:code>/forms/<int:pk>.pdf", views_forms.form_pdf, name="form"),
    path("dossiers/<str:code>/withdraw/", views_tracking.withdraw, name="withdraw"),
    path("dossiers/<str:code>/supplement/", views_answer.answer_page, name="supplement"),
    path("dossiers/<str:code>/result.pdf", results_views.result_pdf, name="result"),
    path("dossiers/<str:code>/rating/", ratings_views.rating_page, name="rating"),
    path("lookup/", views_tracking.lookup, name="lookup"),
]
