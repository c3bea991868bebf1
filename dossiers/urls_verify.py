"""Checking electronic results (mounted at ``/verify/``): public."""

from django.urls import path

from . import verify_views

app_name = "verify"

urlpatterns = [
    path("", verify_views.verify_upload, name="upload"),
    path("<str:token>/", verify_views.verify_token, name="token"),
]
