"""The registry of scanners: each implementation registers under its own id, once."""

from __future__ import annotations

from .base import Scanner


class Registry:
    """Scanner classes by id; registering a second class under a taken id is refused."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Scanner]] = {}

    def register(self, cls: type[Scanner]) -> type[Scanner]:
        """Class decorator: add ``cls`` under ``cls.id``."""
        if not getattr(cls, "id", ""):
            raise ValueError(f"{cls.__name__} has no id")
        if cls.id in self._classes:
            raise ValueError(f"a scanner with id {cls.id!r} is already registered")
        self._classes[cls.id] = cls
        return cls

    def get(self, scanner_id: str) -> type[Scanner]:
        """The class registered as ``scanner_id`` (KeyError when there is none)."""
        return self._classes[scanner_id]

    def ids(self) -> list[str]:
        return sorted(self._classes)


registry = Registry()
