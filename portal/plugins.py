"""One shape for every outside system (hệ thống bên ngoài): a plugin class and a registry.

Each pluggable domain (identity providers, payment gateways, national-portal transport, postal
delivery, SMS) has a ``base.py`` with a small abstract subclass of :class:`Plugin`, a
``registry.py`` with one :class:`Registry`, and one folder per implementation under
``contrib/<vendor>/``. The core asks the registry for the plugin a setting names and never names a
vendor itself.

Imports no app: this is plumbing that every app may use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar, Generic, TypeVar


class PluginError(Exception):
    """A registry was used wrongly: a duplicate or an unknown identifier."""


class DuplicatePlugin(PluginError):
    """Two plugins claimed the same identifier in one registry."""


class UnknownPlugin(PluginError, LookupError):
    """No plugin with this identifier is registered (often a typo in a setting)."""


class Plugin:
    """Base of every plugin for an outside system.

    ``identifier`` is the stable id a setting selects (``"vneid"``); the registry sets it.
    ``verbose_name`` is what administrators read. :meth:`check_config` says what is missing or
    wrong in the plugin's configuration without calling the outside system, so that a Django
    system check can refuse to start with a broken configuration.
    """

    verbose_name: ClassVar[str] = ""

    def __init__(self, identifier: str) -> None:
        self.identifier = identifier

    def check_config(self) -> list[str]:
        """Problems in this plugin's configuration, one readable sentence each; [] when fine."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier!r}>"


P = TypeVar("P", bound=Plugin)


class Registry(Generic[P]):
    """The plugins of one kind, by identifier. ``kind`` names them in error messages."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._plugins: dict[str, P] = {}

    def register(self, identifier: str) -> Callable[[type[P]], type[P]]:
        """Class decorator: instantiate the plugin under ``identifier``; a duplicate raises."""
        if not identifier or not identifier.isidentifier():
            raise PluginError(f"{self.kind} plugin identifier {identifier!r} is not a simple name")

        def decorator(cls: type[P]) -> type[P]:
            if identifier in self._plugins:
                existing = type(self._plugins[identifier])
                raise DuplicatePlugin(
                    f"{self.kind} plugin {identifier!r} is already registered "
                    f"by {existing.__module__}.{existing.__qualname__}"
                )
            self._plugins[identifier] = cls(identifier)
            return cls

        return decorator

    def __getitem__(self, identifier: str) -> P:
        try:
            return self._plugins[identifier]
        except KeyError:
            known = ", ".join(sorted(self._plugins)) or "none"
            raise UnknownPlugin(
                f"unknown {self.kind} plugin {identifier!r}; registered: {known}"
            ) from None

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._plugins

    def __iter__(self) -> Iterator[P]:
        return iter(list(self._plugins.values()))

    def __len__(self) -> int:
        return len(self._plugins)
