"""URL map of the sandbox. Each stand-in gets its own prefix when it arrives."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
]
