"""The citizen's payment pages (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("dossiers/<str:code>/pay/", views.pay, name="pay"),
    path("payments/<str:gateway>/return/", views.gateway_return, name="return"),
]
