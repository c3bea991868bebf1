"""Citizen URLs, mounted at the site root: VNeID login, logout, the profile."""

from django.urls import path

from . import views_citizen

app_name = "citizen"

urlpatterns = [
    path("auth/vneid/login/", views_citizen.vneid_login, name="vneid-login"),
    path("auth/vneid/callback/", views_citizen.vneid_callback, name="vneid-callback"),
    path("auth/logout/", views_citizen.logout_view, name="logout"),
    path("account/", views_citizen.account, name="account"),
]
