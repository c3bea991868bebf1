"""Back office pages, mounted at ``/backoffice/``."""

from django.urls import path

from . import backoffice

app_name = "backoffice"

urlpatterns = [
    path("", backoffice.inbox, name="inbox"),
    path("login/", backoffice.login_view, name="login"),
    path("logout/", backoffice.logout_view, name="logout"),
    path("agencies/<str:code>/", backoffice.agency_workspace, name="agency"),
    path("agencies/<str:code>/staff/", backoffice.agency_staff, name="agency-staff"),
]
