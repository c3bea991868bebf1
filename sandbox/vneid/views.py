"""The provider's "login": pick one of the demo citizens instead of scanning a VNeID QR code."""

from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from .models import Citizen

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request) -> str:
    """The page to continue with (the pending authorization request), if it stays on this host."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def choose_citizen(request):
    """GET lists the demo citizens; POST signs the chosen one in and resumes the authorization."""
    next_url = _safe_next(request)
    status = 200
    error = ""
    if request.method == "POST":
        citizen = Citizen.objects.filter(id_number=request.POST.get("id_number", "")).first()
        if citizen is not None:
            login(request, citizen, backend=BACKEND)
            return redirect(next_url or reverse("vneid:login"))
        status = 400
        error = "Không tìm thấy tài khoản này. Hãy chọn một công dân trong danh sách."
    context = {
        "citizens": Citizen.objects.all(),
        "next": next_url,
        "error": error,
        "signed_in": request.user if request.user.is_authenticated else None,
    }
    return render(request, "vneid/login.html", context, status=status)
