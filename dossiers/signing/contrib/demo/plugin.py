"""The demo key source (``RESULT_SIGNING_BACKEND=demo``, the default): keys made by
:mod:`.authority`, trusted through the demo CA."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from asn1crypto import x509
from pyhanko.keys import load_cert_from_pemder
from pyhanko.sign.signers import Signer, SimpleSigner

from ...base import ResultKeys, SigningUnavailable
from ...registry import registry
from . import authority


@registry.register("demo")
class DemoKeys(ResultKeys):
    verbose_name = "Demo certificate authority (var/signing, no legal value)"

    @contextmanager
    def signer(self, agency) -> Iterator[Signer]:
        try:
            pair = authority.ensure_agency(agency.code, agency.name)
            ca = load_cert_from_pemder(str(authority.authority_files().certificate))
            loaded = SimpleSigner.load(
                str(pair.key),
                str(pair.certificate),
                other_certs=[ca],
            )
        except (OSError, ValueError) as error:
            raise SigningUnavailable(f"demo key of {agency.code}: {error}") from error
        if loaded is None:
            raise SigningUnavailable(f"demo key of {agency.code} could not be read")
        yield loaded

    def own_roots(self) -> list[x509.Certificate]:
        pair = authority.ensure_authority()
        return [load_cert_from_pemder(str(pair.certificate))]
