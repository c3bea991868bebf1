"""The national portal's receiving API over HTTP (``POST {NATIONAL_PORTAL_URL}/api/receive``,
``GET {NATIONAL_PORTAL_URL}/api/mirror``), with the push token as a bearer token.

Answers: 200 accepted (``duplicate`` says whether it had the version already); 400 rejected (the
envelope is malformed: no retry); anything else, a timeout or a refused connection: try again.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from django.conf import settings

from ...base import Delivery, MirrorEntry, MirrorPage, Rejected, SyncTransport, TransportError
from ...registry import registry

DEMO_TOKEN = "hcmc-national-portal-push-demo"  # noqa: S105 - the demo's, refused in production

# One HTTP session per thread: pushes reuse their keep-alive connection instead of opening one
# each (requests' sessions are not meant to be shared between threads).
_local = threading.local()


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


@registry.register("national_portal")
class NationalPortalTransport(SyncTransport):
    verbose_name = "Cổng Dịch vụ công quốc gia (HTTP)"

    @property
    def base_url(self) -> str:
        return settings.NATIONAL_PORTAL_URL.rstrip("/")

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {settings.NATIONAL_PORTAL_PUSH_TOKEN}"}

    def check_config(self) -> list[str]:
        problems = []
        if not settings.NATIONAL_PORTAL_URL.startswith(("http://", "https://")):
            problems.append("NATIONAL_PORTAL_URL must be an http(s) address.")
        if not settings.NATIONAL_PORTAL_PUSH_TOKEN:
            problems.append("NATIONAL_PORTAL_PUSH_TOKEN must not be empty.")
        return problems

    def push(self, envelope: dict[str, Any]) -> Delivery:
        try:
            response = _session().post(
                f"{self.base_url}/api/receive",
                json=envelope,
                headers=self._headers(),
                timeout=settings.NATIONAL_PORTAL_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:  # timeout, refused, reset: a retry
            raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        if response.status_code == 400:
            raise Rejected(_reason(response))
        if response.status_code != 200:
            raise TransportError(f"HTTP {response.status_code}: {_reason(response)}")
        body = _json(response)
        if body.get("status") != "accepted":
            raise TransportError(f"unexpected answer: {response.text[:200]}")
        return Delivery(duplicate=bool(body.get("duplicate")))

    def mirror(self, after: str = "", limit: int = 1000) -> MirrorPage:
        try:
            response = _session().get(
                f"{self.base_url}/api/mirror",
                params={"after": after, "limit": limit},
                headers=self._headers(),
                timeout=settings.NATIONAL_PORTAL_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        if response.status_code != 200:
            raise TransportError(f"HTTP {response.status_code}: {_reason(response)}")
        body = _json(response)
        try:
            entries = [
                MirrorEntry(
                    dossier_code=str(row["dossier_code"]),
                    version=int(row["version"]),
                    status=row.get("status"),
                    payload_sha256=str(row.get("payload_sha256") or ""),
                )
                for row in body["dossiers"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise TransportError(f"unexpected mirror listing: {exc}") from exc
        return MirrorPage(entries, body.get("next_after") or None)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise TransportError(f"not JSON: {response.text[:200]}") from exc
    if not isinstance(body, dict):
        raise TransportError(f"not a JSON object: {response.text[:200]}")
    return body


def _reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error") or body)[:200] if isinstance(body, dict) else str(body)[:200]
