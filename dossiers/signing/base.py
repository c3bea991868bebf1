"""What signing a result needs from a key source (nguồn khóa ký số), nothing vendor-specific."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from pathlib import Path

from asn1crypto import x509
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.signers import Signer

from portal.plugins import Plugin


class SigningUnavailable(Exception):
    """The key of an agency cannot be used now (file missing, wrong password, token absent).

    The signing task logs it and retries later; the result stays unsigned meanwhile."""


class ResultKeys(Plugin, ABC):
    """A source of signing keys; its identifier is the value of ``RESULT_SIGNING_BACKEND``."""

    @abstractmethod
    def signer(self, agency) -> AbstractContextManager[Signer]:
        """A pyHanko signer holding ``agency``'s key and certificate chain, for one signing
        (a token session is closed when the block ends). Raise :class:`SigningUnavailable`."""

    def own_roots(self) -> list[x509.Certificate]:
        """Roots this source vouches for itself (the demo CA); [] for a real one, whose roots
        come from ``RESULT_TRUST_ROOTS``."""
        return []


def configured_roots() -> list[x509.Certificate]:
    """The certificates in the PEM/DER files ``RESULT_TRUST_ROOTS`` lists."""
    found: list[x509.Certificate] = []
    for name in getattr(settings, "RESULT_TRUST_ROOTS", []) or []:
        found.extend(load_certs_from_pemder([str(Path(name))]))
    return found


def with_agency(template: str, agency) -> str:
    """``template`` with ``{agency}`` replaced by the agency's code (one key per agency)."""
    return template.replace("{agency}", getattr(agency, "code", "") or "")
