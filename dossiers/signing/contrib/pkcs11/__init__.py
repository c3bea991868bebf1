"""Keys on a hardware token or HSM, through its PKCS#11 module."""

from . import plugin  # noqa: F401
