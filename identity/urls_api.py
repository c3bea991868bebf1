"""Identity endpoints under /api/v1/: machine tokens and the audit log."""

from django.urls import path

from . import api

urlpatterns = [
    path("auth/token", api.TokenView.as_view(), name="api-auth-token"),
    path("auth/whoami", api.WhoAmIView.as_view(), name="api-auth-whoami"),
    path("audit/", api.AuditLogView.as_view(), name="api-audit-log"),
]
