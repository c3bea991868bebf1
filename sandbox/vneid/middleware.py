"""Picks up a key rotation without restarting the sandbox."""

from __future__ import annotations

import threading

from django.conf import settings
from oauth2_provider.settings import oauth2_settings

from . import keys

_lock = threading.Lock()
_seen: dict[str, tuple] = {}


def refresh_signing_keys() -> None:
    """Reload the key folder into django-oauth-toolkit's settings when its files changed.

    ``vneid_rotate_key`` runs in another process; checking two file stamps per request to
    ``/vneid/`` is cheap and lets the running provider sign with the new key at once.
    """
    if settings.VNEID_KEYS_FROM_ENVIRONMENT:
        return
    directory = settings.VNEID_KEY_DIR
    current = keys.fingerprint(directory)
    if _seen.get("fingerprint") == current:
        return
    with _lock:
        current = keys.fingerprint(directory)
        if _seen.get("fingerprint") == current:
            return
        loaded = keys.load(directory)
        values = {
            "OIDC_RSA_PRIVATE_KEYS_INACTIVE": list(loaded.inactive),
            "OIDC_RSA_PRIVATE_KEY": loaded.active,
        }
        settings.OAUTH2_PROVIDER.update(values)
        for name, value in values.items():
            # The toolkit caches each setting as an attribute of ``oauth2_settings``; replacing
            # the attribute (rather than calling reload()) never leaves a setting missing.
            setattr(oauth2_settings, name, value)
            oauth2_settings._cached_attrs.add(name)
        _seen["fingerprint"] = current


class SigningKeyRefreshMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/vneid/"):
            refresh_signing_keys()
        return self.get_response(request)
