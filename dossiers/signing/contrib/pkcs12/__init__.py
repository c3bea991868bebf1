"""Keys in PKCS#12 files (``.p12`` / ``.pfx``), one per agency, named by configuration."""

from . import plugin  # noqa: F401
