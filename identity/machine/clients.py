"""Machine clients (hệ thống kết nối) and their scopes: creating, listing scopes, rotating
secrets. A client's secret is stored hashed and shown once, when it is made or rotated.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ..models import MachineClient

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")

# Scopes the portal's APIs check today (for help texts; a client may hold others).
KNOWN_SCOPES = {
    "sync:read": _("Read the national-portal change feed"),
    "audit:read": _("Read the audit log"),
}


# --- scopes and clients -----------------------------------------------------------------------


def parse_scopes(value: str | Iterable[str] | None) -> list[str]:
    """Sorted, de-duplicated scope tokens from a space-separated string or an iterable.

    Raises ValueError naming the first token that is not a valid RFC 6749 scope token.
    """
    if value is None:
        return []
    items = value.split() if isinstance(value, str) else [str(item) for item in value]
    for item in items:
        if not SCOPE_TOKEN.match(item):
            raise ValueError(item)
    return sorted(set(items))


def generate_secret() -> str:
    """A random client secret (256 bits, URL-safe so it needs no escaping in Basic auth)."""
    return secrets.token_urlsafe(32)


def ensure_client(
    client_id: str,
    name: str,
    scopes: str | Iterable[str],
    secret: str | None = None,
    *,
    rotate: bool = False,
) -> tuple[MachineClient, str | None]:
    """Create the client or bring its name and scopes up to date; for seeding and the CLI.

    Returns ``(client, secret)`` where ``secret`` is the new plain-text secret when one was set
    (a new client, an explicit ``secret``, or ``rotate=True``) and ``None`` when the existing
    secret was kept. Only the hash is stored, so this is the one chance to show it.
    """
    try:
        wanted_scopes = parse_scopes(scopes)
    except ValueError as exc:
        raise ValidationError(
            _("“%(scope)s” is not a valid scope."), params={"scope": str(exc)}
        ) from exc
    if secret is not None and not secret:
        raise ValidationError(_("The secret must not be empty."))
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _ensure_client(client_id, name, wanted_scopes, secret, rotate)
        except IntegrityError:
            # Another process created the same client between our read and our insert.
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _ensure_client(
    client_id: str, name: str, scopes: list[str], secret: str | None, rotate: bool
) -> tuple[MachineClient, str | None]:
    client = MachineClient.objects.select_for_update().filter(client_id=client_id).first()
    new_secret: str | None = None
    if client is None:
        client = MachineClient(client_id=client_id, name=name, scopes=scopes)
        new_secret = secret or generate_secret()
    else:
        client.name = name
        client.scopes = scopes
        if secret is not None or rotate:
            new_secret = secret or generate_secret()
    if new_secret is not None:
        client.set_secret(new_secret)
    client.full_clean(validate_unique=False)
    client.save()
    return client, new_secret


def rotate_secret(client: MachineClient) -> str:
    """Give ``client`` a new random secret and return it (shown once, stored hashed)."""
    secret = generate_secret()
    client.set_secret(secret)
    client.save(update_fields=["secret_hash"])
    return secret
