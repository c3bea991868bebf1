"""Back office for officials."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def official_locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this when an account or address is locked after repeated failures."""
    return render(request, "identity/locked_out.html", status=403)
