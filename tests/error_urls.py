"""The portal's URLs plus two views that refuse with Django's PermissionDenied, one under /api/,
so the tests reach handler403 as a real request would."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from portal.urls import handler400, handler403
from portal.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler400", "handler403", "urlpatterns"]


def refuse(request):
    raise PermissionDenied("not yours")


urlpatterns = [
    path("refused-for-test/", refuse),
    path("api/v1/refused-for-test/", refuse),
    *portal_urlpatterns,
]
