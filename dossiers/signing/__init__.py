"""Signed electronic results (kết quả điện tử có chữ ký số, Decree 45/2020): keys, signing,
verification.

- ``base.py``: what a key source (:class:`ResultKeys`) gives: a pyHanko signer for an agency,
  and the trust roots a verification accepts. ``registry.py`` picks the one
  ``RESULT_SIGNING_BACKEND`` names; ``contrib/<name>/`` holds one each: ``demo`` (a demo
  certificate authority and one certificate per agency, made with ``cryptography`` under
  ``var/signing/``), ``pkcs12`` (a ``.p12`` file per agency, from configuration) and ``pkcs11``
  (a hardware token or HSM through its PKCS#11 module).
- ``stamp.py``: the QR code with the short verification URL, and the PAdES signature.
- ``verify.py``: what ``/verify/`` says about a PDF anyone uploads.
- ``service.py``: sign a dossier's result once (the ``dossiers.render_signed_result`` task on
  the ``documents`` queue), revoke it.
"""

from __future__ import annotations

from . import contrib  # noqa: F401 - registers the built-in key sources
