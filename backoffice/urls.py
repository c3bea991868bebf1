"""Back office pages, mounted at ``/backoffice/``.

Sign-in and sign-out are ``identity``'s views (authentication), named in this namespace so that
``backoffice:login`` stays the officials' way in.
"""

from django.urls import path

from identity import views_official

from . import views, views_dossiers, views_inbox, views_outbox, views_steps

app_name = "backoffice"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("dossiers/", views_inbox.dossier_inbox, name="dossiers"),
    path("dossiers/<str:code>/", views_dossiers.dossier_page, name="dossier"),
    path("dossiers/<str:code>/claim/", views_steps.claim_step, name="dossier-claim"),
    path("dossiers/<str:code>/release/", views_steps.release_step, name="dossier-release"),
    path("outbox/", views_outbox.outbox_page, name="outbox"),
    path("login/", views_official.login_view, name="login"),
    path("logout/", views_official.logout_view, name="logout"),
    path("agencies/<str:code>/", views.agency_workspace, name="agency"),
    path("agencies/<str:code>/staff/", views.agency_staff, name="agency-staff"),
]
