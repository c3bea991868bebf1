"""``RESULT_SIGNING_BACKEND=pkcs12``: each agency's key and certificate chain in a PKCS#12 file.

``RESULT_SIGNING_PKCS12`` is the file's path, where ``{agency}`` stands for the agency's code
(``/etc/portal/keys/{agency}.p12``); ``RESULT_SIGNING_PKCS12_PASSWORD`` its password (the same
for every file; from the environment or a secret store, never from the repository). The chain up
to the root is taken from the file; verification trusts the roots in ``RESULT_TRUST_ROOTS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from pyhanko.sign.signers import Signer, SimpleSigner

from ...base import ResultKeys, SigningUnavailable, with_agency
from ...registry import registry


@registry.register("pkcs12")
class Pkcs12Keys(ResultKeys):
    verbose_name = "PKCS#12 file per agency (RESULT_SIGNING_PKCS12)"

    def check_config(self) -> list[str]:
        problems = []
        template = getattr(settings, "RESULT_SIGNING_PKCS12", "")
        if not template:
            problems.append("RESULT_SIGNING_PKCS12 (the path of the .p12 files) is not set")
        elif "{agency}" not in template and not Path(template).is_file():
            problems.append(f"RESULT_SIGNING_PKCS12={template!r} is not a file")
        if not getattr(settings, "RESULT_TRUST_ROOTS", None):
            problems.append("RESULT_TRUST_ROOTS (the root certificates to trust) is not set")
        return problems

    @contextmanager
    def signer(self, agency) -> Iterator[Signer]:
        path = Path(with_agency(settings.RESULT_SIGNING_PKCS12, agency))
        password = getattr(settings, "RESULT_SIGNING_PKCS12_PASSWORD", "") or ""
        if not path.is_file():
            raise SigningUnavailable(f"no PKCS#12 file for agency {agency.code} at {path}")
        loaded = SimpleSigner.load_pkcs12(str(path), passphrase=password.encode() or None)
        if loaded is None:  # pyHanko logged why: a wrong password or a damaged file
            raise SigningUnavailable(f"the PKCS#12 file {path} could not be opened")
        yield loaded
