"""``/backoffice/sync/``: the national-portal sync for city administrators (read-only; dead
pushes are read and requeued on the outbox page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from identity import access
from identity.models import Role

from . import ops


@access.official_required(roles=[Role.CITY_ADMIN])
def sync_status(request: HttpRequest) -> HttpResponse:
    return render(request, "sync/status.html", {"status": ops.status()})
