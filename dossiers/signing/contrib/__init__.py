"""Built-in key sources for signing results, one folder each; importing this registers them."""

from . import demo, pkcs11, pkcs12  # noqa: F401
