"""The demo key source: a demo certificate authority and one certificate per agency."""

from . import plugin  # noqa: F401
