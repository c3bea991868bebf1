"""The refusals of the dossier services, in a module of their own so that the services, the
lifecycle (state machine) and the API handlers share them without importing each other.

``message`` is translated and meant for the person who asked; ``errors`` names the fields.
"""

from __future__ import annotations


class DossierError(Exception):
    """A request the rules refuse (the API answers 400)."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class Conflict(DossierError):
    """The dossier is no longer in the state the request expected (409)."""


class DraftNotFound(DossierError):
    """The draft is not the citizen's, or no longer exists (the API answers 404)."""


class KeyReused(DossierError):
    """An idempotency key sent again with a different dossier."""


class NotEligible(DossierError):
    """The VNeID account type may not file this procedure (a person filing for a business)."""


class ActionForbidden(DossierError):
    """The official may see the dossier but their role may not take this action (403)."""
