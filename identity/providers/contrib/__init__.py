"""Built-in identity providers, one folder each; importing this package registers them."""

from . import vneid  # noqa: F401
