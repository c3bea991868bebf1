"""The registered key sources, and the one ``RESULT_SIGNING_BACKEND`` selects."""

from __future__ import annotations

from asn1crypto import x509
from django.conf import settings

from portal.plugins import Registry

from .base import ResultKeys, configured_roots

registry: Registry[ResultKeys] = Registry("result signing")


def active_keys() -> ResultKeys:
    """The key source named by ``RESULT_SIGNING_BACKEND`` (read at each call); an unknown name
    raises :class:`portal.plugins.UnknownPlugin` (the system check reports it at start)."""
    return registry[(getattr(settings, "RESULT_SIGNING_BACKEND", "") or "demo").strip()]


def trust_roots() -> list[x509.Certificate]:
    """What a signature must chain up to: ``RESULT_TRUST_ROOTS`` when set, else the roots the
    active source vouches for (the demo CA)."""
    return configured_roots() or active_keys().own_roots()
