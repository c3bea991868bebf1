"""Built-in virus scanners, one folder each; importing this package registers them."""

from . import clamd  # noqa: F401
