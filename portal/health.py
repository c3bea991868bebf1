"""Liveness and readiness endpoints for operators and load balancers.

Apps add figures to the readiness answer with :func:`add_details` (e.g. ``sync`` its lag and
feed positions): they are reported under ``details`` and never make the portal "not ready".
This module names no app.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.celery import app as celery_app

logger = logging.getLogger("portal.health")

_DETAILS: dict[str, Callable[[], dict[str, Any]]] = {}


def add_details(name: str, provider: Callable[[], dict[str, Any]]) -> None:
    """Report ``provider()`` under ``details[name]`` in ``/readyz`` (an app's ``ready()``)."""
    _DETAILS[name] = provider


def _details() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, provider in _DETAILS.items():
        try:
            found[name] = provider()
        except Exception as exc:  # a figure that cannot be read is reported, not fatal
            logger.warning("readyz: %s details failed: %s", name, exc)
            found[name] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
    return found


@never_cache
@require_GET
def healthz(request):
    """The process is alive and can answer; checks nothing else on purpose."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


def _check_broker() -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many kinds; all mean "not ready"
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


@never_cache
@require_GET
def readyz(request):
    """Ready when the database and the Celery broker both answer; 503 names what is down."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    down = sorted(name for name, error in checks.items() if error)
    body = {
        "status": "ok" if not down else "unavailable",
        "checks": {name: ("ok" if error is None else error) for name, error in checks.items()},
    }
    if down:
        body["down"] = down
    elif _DETAILS:
        body["details"] = _details()
    return JsonResponse(body, status=503 if down else 200)
