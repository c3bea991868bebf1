from django.urls import path

from . import api

urlpatterns = [
    path("procedures/", api.ProcedureListView.as_view(), name="api-procedure-list"),
    path("procedures/<str:code>/", api.ProcedureDetailView.as_view(), name="api-procedure-detail"),
]
