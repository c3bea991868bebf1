"""``RESULT_SIGNING_BACKEND=pkcs11``: each agency's key on a token (USB token, HSM) reached
through its vendor's PKCS#11 module; the private key never leaves the device.

Configuration only (DOMAIN of the deployment, see docs/configuration.md):
``RESULT_SIGNING_PKCS11_MODULE`` (the module's ``.so``), ``RESULT_SIGNING_PKCS11_TOKEN`` (the
token's label), ``RESULT_SIGNING_PKCS11_PIN`` (the user PIN) and
``RESULT_SIGNING_PKCS11_KEY_LABEL`` (the key's and certificate's label on the token, where
``{agency}`` stands for the agency's code; default ``{agency}``). Needs the ``python-pkcs11``
package, which pyHanko uses for this and which the portal does not install by default.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from pyhanko.sign.signers import Signer

from ...base import ResultKeys, SigningUnavailable, with_agency
from ...registry import registry


def available() -> bool:
    """The ``python-pkcs11`` package pyHanko's token support needs is installed."""
    return importlib.util.find_spec("pkcs11") is not None


@registry.register("pkcs11")
class Pkcs11Keys(ResultKeys):
    verbose_name = "PKCS#11 token or HSM (RESULT_SIGNING_PKCS11_*)"

    def check_config(self) -> list[str]:
        problems = []
        if not available():
            problems.append("the python-pkcs11 package is not installed")
        module = getattr(settings, "RESULT_SIGNING_PKCS11_MODULE", "")
        if not module or not Path(module).is_file():
            problems.append(f"RESULT_SIGNING_PKCS11_MODULE={module!r} is not a file")
        if not getattr(settings, "RESULT_SIGNING_PKCS11_TOKEN", ""):
            problems.append("RESULT_SIGNING_PKCS11_TOKEN (the token's label) is not set")
        if not getattr(settings, "RESULT_TRUST_ROOTS", None):
            problems.append("RESULT_TRUST_ROOTS (the root certificates to trust) is not set")
        return problems

    @contextmanager
    def signer(self, agency) -> Iterator[Signer]:
        if not available():
            raise SigningUnavailable("the python-pkcs11 package is not installed")
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11

        label = with_agency(
            getattr(settings, "RESULT_SIGNING_PKCS11_KEY_LABEL", "{agency}"), agency
        )
        try:
            session = pkcs11.open_pkcs11_session(
                settings.RESULT_SIGNING_PKCS11_MODULE,
                token_criteria=TokenCriteria(label=settings.RESULT_SIGNING_PKCS11_TOKEN),
                user_pin=settings.RESULT_SIGNING_PKCS11_PIN or None,
            )
        except Exception as error:  # the vendor module's errors have no common base
            raise SigningUnavailable(f"PKCS#11 token: {error}") from error
        try:
            yield pkcs11.PKCS11Signer(session, cert_label=label, key_label=label)
        finally:
            session.close()
