"""The one module that touches JSON Web Tokens (python-jose).

Every decode names its algorithms explicitly: ID tokens from VNeID are RS256 only, machine
tokens we issue are HS256 only, so a token cannot choose its own algorithm (``alg: none``, or
HS256 signed with a provider's public key, are refused).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTError

ID_TOKEN_ALGORITHMS = ["RS256"]
MACHINE_TOKEN_ALGORITHMS = ["HS256"]

# python-jose checks ``aud``, ``iss``, ``exp`` and ``iat`` only when the claim is present: a token
# that leaves one out would skip that check. Both kinds of token must carry all of them.
REQUIRED_CLAIMS = {f"require_{claim}": True for claim in ("aud", "iss", "exp", "iat", "sub")}


class TokenError(Exception):
    """A token that must not be trusted; the message says why (for logs, not for users)."""


class TokenExpired(TokenError):
    pass


def unverified_header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except JWTError as exc:
        raise TokenError(f"malformed token header: {exc}") from exc


def verify_id_token(
    token: str,
    *,
    key_for: Callable[[str], dict[str, Any] | None],
    issuer: str,
    audience: str,
    nonce: str,
    access_token: str | None = None,
    leeway: int = 60,
) -> dict[str, Any]:
    """Verify an OpenID Connect ID token and return its claims.

    ``key_for(kid)`` returns the provider's public JWK for that key id (fetching the JWKS again
    when the id is unknown) or None.
    """
    header = unverified_header(token)
    if header.get("alg") not in ID_TOKEN_ALGORITHMS:
        raise TokenError(f"algorithm {header.get('alg')!r} is not accepted")
    kid = header.get("kid")
    if not kid or not isinstance(kid, str):
        raise TokenError("the token names no key id")
    key = key_for(kid)
    if key is None:
        raise TokenError(f"unknown signing key {kid!r}")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=ID_TOKEN_ALGORITHMS,
            audience=audience,
            issuer=issuer,
            access_token=access_token,
            options={"leeway": leeway, **REQUIRED_CLAIMS},
        )
    except ExpiredSignatureError as exc:
        raise TokenExpired("the ID token has expired") from exc
    except JWTError as exc:
        raise TokenError(f"the ID token is not valid: {exc}") from exc
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat > time.time() + leeway:
        raise TokenError("the ID token was issued in the future")
    if claims.get("nonce") != nonce:
        raise TokenError("the nonce does not match this login")
    return claims


def _machine_key() -> str:
    return settings.MACHINE_TOKEN_SECRET


def issue_machine_token(client_id: str, scopes: list[str], ttl: int) -> tuple[str, int]:
    """A signed token for a machine client; returns (token, expires_in seconds)."""
    now = int(time.time())
    claims = {
        "iss": settings.MACHINE_TOKEN_ISSUER,
        "aud": settings.MACHINE_TOKEN_ISSUER,
        "sub": client_id,
        "scope": " ".join(sorted(scopes)),
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _machine_key(), algorithm="HS256"), ttl


def verify_machine_token(token: str, leeway: int = 5) -> dict[str, Any]:
    """Claims of a machine token we issued; raises TokenExpired / TokenError.

    The signature alone is not enough: a token signed with a leaked or guessed key could carry
    times we never write (an ``exp`` of 10^20, an ``iat`` in the future, a lifetime of years,
    numbers as strings). Such claims are refused rather than trusted or crashed on.
    """
    try:
        claims = jwt.decode(
            token,
            _machine_key(),
            algorithms=MACHINE_TOKEN_ALGORITHMS,
            audience=settings.MACHINE_TOKEN_ISSUER,
            issuer=settings.MACHINE_TOKEN_ISSUER,
            options={"leeway": leeway, **REQUIRED_CLAIMS},
        )
    except ExpiredSignatureError as exc:
        raise TokenExpired("the token has expired") from exc
    except JWTError as exc:
        raise TokenError(f"the token is not valid: {exc}") from exc
    _check_machine_times(claims, leeway)
    return claims


def _check_machine_times(claims: dict[str, Any], leeway: int) -> None:
    """``iat``/``nbf``/``exp`` as :func:`issue_machine_token` writes them, or TokenError."""
    for name in ("iat", "nbf", "exp"):
        value = claims.get(name, 0)
        # bool is an int in Python, not in JSON: true is not a time.
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise TokenError(f"the {name} claim is not a whole number of seconds")
    issued, expires = claims["iat"], claims["exp"]
    if issued > time.time() + leeway:
        raise TokenError("the token was issued in the future")
    if expires <= issued or expires - issued > settings.MACHINE_TOKEN_TTL_SECONDS:
        raise TokenError("the token lives longer than the tokens we issue")
    if claims.get("nbf", issued) > expires:
        raise TokenError("the token is never valid")
