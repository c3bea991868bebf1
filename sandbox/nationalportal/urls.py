"""URLs of the national-portal stand-in, all under ``/national-portal/``."""

from django.urls import path

from . import views

app_name = "nationalportal"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("api/receive", views.receive, name="receive"),
    path("api/mirror", views.mirror, name="mirror"),
    path("api/fault", views.fault, name="fault"),
]
