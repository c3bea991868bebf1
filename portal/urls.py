"""URL map of the portal. Public paths are listed in docs/DESIGN-level README tables."""

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import health, views

# The admin, like the back office, needs the one-time code as well as the password.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("procedures/", include("procedures.urls")),
    path("", include("identity.urls_citizen")),
    path("", include("dossiers.urls_apply")),
    path("", include("dossiers.urls_documents")),
    path("", include("dossiers.urls_tracking")),
    path("", include("payments.urls")),
    path("api/v1/", include("dossiers.urls_api")),
    path("backoffice/payments/", include("payments.urls_backoffice")),
    path("backoffice/", include("backoffice.urls")),
    path("api/v1/", include("identity.urls_api")),
    path("api/v1/", include("procedures.api_urls")),
    path("api/v1/", include("backoffice.urls_api")),
    path("api/v1/", include("payments.urls_api")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        # Swagger UI draws its icons from data: URLs; its script is a separate request.
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api_docs.html"
            )
        ),
        name="api-docs",
    ),
]

# JSON in the API's error shape under /api/, the HTML pages elsewhere (portal.errors).
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
