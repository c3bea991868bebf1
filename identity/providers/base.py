"""What the relying party needs from an identity provider (nhà cung cấp định danh điện tử).

The OpenID Connect flow itself (discovery, PKCE, token exchange, ID-token checks, userinfo) is
the same for every provider and lives in :mod:`identity.oidc`. A provider only supplies its
configuration (issuer, client credentials, scopes, timing) and the names of the claims that carry
each field of the citizen profile.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from portal.plugins import Plugin


@dataclass(frozen=True)
class ClaimMapping:
    """Which claim carries each field of the citizen profile (``sub`` is OpenID's own).

    ``assurance_level`` lists claim names in order of preference: the first one present wins.
    """

    id_number: str
    full_name: str
    birth_date: str
    gender: str
    account_type: str
    assurance_level: tuple[str, ...]


class IdentityProvider(Plugin, ABC):
    """An OpenID Connect provider that citizens, businesses and organisations log in with."""

    #: The provider's claim names for the citizen profile.
    claims: ClassVar[ClaimMapping]

    @property
    @abstractmethod
    def issuer(self) -> str:
        """The issuer URL, without a trailing slash; discovery is read below it."""

    @property
    @abstractmethod
    def client_id(self) -> str:
        """The portal's client id at the provider (also the ``aud`` of its ID tokens)."""

    @property
    @abstractmethod
    def client_secret(self) -> str:
        """The portal's client secret at the provider."""

    @property
    def scopes(self) -> str:
        """Space-separated scopes asked for at login."""
        return "openid profile"

    @property
    def redirect_uri(self) -> str:
        """The registered callback URL; empty: built from the request."""
        return ""

    @property
    def clock_skew_seconds(self) -> int:
        """Leeway for ``exp``/``iat``; also how long after expiry a nonce stays remembered."""
        return 60

    @property
    def http_timeout_seconds(self) -> float:
        """Timeout of each call to the provider."""
        return 5

    def check_config(self) -> list[str]:
        """What any OpenID provider's configuration must have, checked without calling it."""
        problems = []
        parts = urlsplit(self.issuer or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"the issuer {self.issuer!r} is not an http(s) URL")
        elif self.issuer.endswith("/") or parts.query or parts.fragment:
            problems.append(f"the issuer {self.issuer!r} must end without '/', '?' or '#'")
        if not self.client_id:
            problems.append("the client id is empty")
        if not self.client_secret:
            problems.append("the client secret is empty")
        if "openid" not in self.scopes.split():
            problems.append(f"the scopes {self.scopes!r} do not include 'openid'")
        return problems
