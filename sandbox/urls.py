"""URL map of the sandbox. Each stand-in gets its own prefix."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("vneid/", include("sandbox.vneid.urls")),
    path("vnpay/", include("sandbox.vnpay.urls")),
]
