"""A citizen's status read, computed once per revision of the dossier and shared by every process.

A citizen reloads the status of a dossier far more often than anything about it changes. The
answer of ``GET /api/v1/dossiers/<ref>/`` (the serialized data) and the context of the page
``/dossiers/<code>/`` are therefore kept in the shared cache (Redis in production) and served
again until the dossier changes. An entry is keyed by what the answer depends on besides the
dossier: the kind (``api``, ``page``), the language, the scheme and host (the API's links are
absolute), the local date (so wording relative to today never outlives its day) and the reference
as requested.

**Never stale.** Each dossier has a *stamp*, a random value in the cache that every change of the
dossier replaces: saving or deleting the dossier itself, or a row of **any model with a foreign
key to** :class:`~dossiers.models.Dossier` (events, documents, files, issued forms, supplement
requests, and whatever a later model adds: :func:`watch_dossier_models` finds them in the app
registry), and the renaming of a stored document a dossier shows. Bulk ``update()`` paths, which
send no signal, call :func:`dossier_changed` themselves. Inside a transaction the stamp moves at
once and again on commit, so an answer another process computed from the old rows in between is
never served afterwards. An entry records the stamp read *before* its rows were read and the
catalogue generation (:mod:`procedures.generation`: procedure, version and agency names); it is
served only while both are current.

**Only to its owner.** An entry records the dossier's applicant; it is served only when the
signed-in citizen is that applicant. Anyone else goes the uncached way, which answers "not found"
as before. Drafts are never kept (they are not status reads and change with every keystroke).

Only what is the same for each request of the owner is kept: no session, CSRF token, message or
CSP nonce (the page is rendered around the kept context on every request).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from portal import stamps
from procedures.generation import CATALOGUE

# Entries also die with their stamp; the timeout only bounds how long an unused one stays (and a
# receipt file removed from disk behind the database's back).
TIMEOUT_SECONDS = 600
# Part of every entry key: a change of what an entry holds starts with new keys (no old pickles).
FORMAT = 4


def canonical_ref(ref: str) -> str:
    """A dossier's reference as its stamp is filed: the code as is, a public_id in one form."""
    try:
        return str(uuid.UUID(ref))
    except ValueError:
        return ref


def stamp_key(ref: str) -> str:
    return f"dossiers:read:stamp:{stamps.digest(ref)}"


def refs_of(dossier: Any) -> list[str]:
    """Every reference a dossier is read by: its code (once submitted) and its public_id."""
    return [ref for ref in (dossier.code, str(dossier.public_id)) if ref]


def entry_key(kind: str, request: HttpRequest, ref: str) -> str:
    where = f"{request.scheme}://{request.get_host()}"
    day = timezone.localdate().isoformat()
    text = "\x1f".join([kind, get_language() or "", where, day, ref])
    return f"dossiers:read:{FORMAT}:{kind}:{stamps.digest(text)}"


class Read:
    """One status read: :meth:`lookup` before anything is read from the database, :meth:`keep`
    once the answer is computed."""

    def __init__(self, kind: str, request: HttpRequest, ref: str, owner_pk: int) -> None:
        self.ref = canonical_ref(ref)
        self.key = entry_key(kind, request, self.ref)
        self.owner_pk = owner_pk
        self.stamp = ""
        self.catalogue = ""

    def lookup(self) -> Any:
        """The kept answer if it is current and the caller's, else None.

        The entry, the dossier's stamp and the catalogue generation come in one cache round
        trip, read before the caller reads any row: on a miss, :meth:`keep` files the answer
        under a stamp no later than its data.
        """
        kept, self.stamp, found = stamps.read(self.key, stamp_key(self.ref), CATALOGUE.key)
        self.catalogue = found.get(CATALOGUE.key) or CATALOGUE.current()
        if kept is None:
            return None
        owner, catalogue, value = kept
        return value if owner == self.owner_pk and catalogue == self.catalogue else None

    def keep(self, dossier: Any, value: Any) -> None:
        """Keep ``value``, computed from ``dossier`` after :meth:`lookup` missed."""
        if dossier.applicant_id != self.owner_pk or self.ref not in refs_of(dossier):
            return
        stamps.keep(self.key, self.stamp, (self.owner_pk, self.catalogue, value), TIMEOUT_SECONDS)


def dossier_changed(dossier: Any) -> None:
    """Something the dossier's answer shows has changed: no kept answer of it is current.

    Call this from any write that sends no ``post_save``/``post_delete`` (``update()``, raw SQL).
    """
    stamps.move(stamp_key(ref) for ref in refs_of(dossier))


# --- what moves the stamp -----------------------------------------------------------------------


def dossier_saved(sender, instance, **_kwargs) -> None:
    dossier_changed(instance)


def related_saved(sender, instance, **_kwargs) -> None:
    """A row of a model with a foreign key to Dossier: every dossier it points to changed."""
    from .models import Dossier

    for field in WATCHED.get(sender, ()):
        if field.is_cached(instance):
            dossier = field.get_cached_value(instance)
        else:  # one small query, on writes only
            pk = getattr(instance, field.attname, None)
            dossier = Dossier.objects.filter(pk=pk).only("code", "public_id").first()
        if dossier is not None:
            dossier_changed(dossier)


def stored_document_saved(sender, instance, created: bool = False, **_kwargs) -> None:
    """A stored document's title and file names are shown by the dossiers it is attached to."""
    if created:
        return
    from .models import Dossier

    for dossier in Dossier.objects.filter(documents__stored=instance).only("code", "public_id"):
        dossier_changed(dossier)


# model → its foreign keys to Dossier
WATCHED: dict[type, tuple[Any, ...]] = {}


def dossier_foreign_keys(model: type) -> tuple[Any, ...]:
    """``model``'s many-to-one and one-to-one fields that point to Dossier."""
    from .models import Dossier

    return tuple(
        field
        for field in model._meta.concrete_fields
        if field.is_relation
        and (field.many_to_one or field.one_to_one)
        and field.related_model is Dossier
    )


def watch_dossier_models() -> None:
    """Connect the receivers: Dossier, every model with a foreign key to it (from the app
    registry, so that a model added later is covered without a change here), StoredDocument."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    from .models import Dossier, StoredDocument

    post_save.connect(dossier_saved, sender=Dossier, dispatch_uid="read-cache-dossier")
    post_delete.connect(dossier_saved, sender=Dossier, dispatch_uid="read-cache-dossier-del")
    for model in apps.get_models(include_auto_created=True):
        fields = dossier_foreign_keys(model)
        if not fields:
            continue
        WATCHED[model] = fields
        uid = f"read-cache-{model._meta.label_lower}"
        post_save.connect(related_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(related_saved, sender=model, dispatch_uid=f"{uid}-del")
    post_save.connect(stored_document_saved, sender=StoredDocument, dispatch_uid="read-cache-sd")
