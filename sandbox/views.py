from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .systems import SYSTEMS


@require_GET
def index(request):
    """Lists the stand-ins and whether each one is available yet."""
    systems = [
        {
            "system": system,
            "links": [(label, f"{settings.SANDBOX_URL}/{path}") for label, path in system.links],
        }
        for system in SYSTEMS
    ]
    return render(
        request,
        "sandbox/index.html",
        {"systems": systems, "portal_url": settings.PORTAL_URL},
    )


@never_cache
@require_GET
def healthz(request):
    """Liveness of the sandbox process; checks nothing else on purpose."""
    return JsonResponse({"status": "ok", "service": "sandbox"})
