"""The built-in transports; importing this package registers them."""

from .national_portal import plugin  # noqa: F401
