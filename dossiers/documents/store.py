"""The citizen's document store (kho dữ liệu) and the documents of a draft.

An upload is checked (:mod:`.checks`), written as a private file (:mod:`.storage`) and kept as a
:class:`~dossiers.models.StoredDocument` of its owner; attaching it to a draft's slot makes a
:class:`~dossiers.models.DossierDocument`, fresh (``reused=False``) or taken again from the
store (``reused=True``).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from identity.models import Citizen

from ..models import Dossier, DossierDocument, StoredDocument
from ..services import DossierError, active_document_slots, check_draft, lock_draft
from .checks import (
    CONTENT_TYPES,
    NAME_LIMIT,
    SUFFIXES,
    check_upload,
    content_refusal,
    kind_of,
    limit_bytes,
    limit_text,
    refuse,
    slot_accept,
    slot_max_size_mb,
    too_large,
    types_text,
)
from .storage import TooLarge, WrittenFile, path_of, write_private


@dataclass(frozen=True)
class _Written:
    """A checked upload now on disk, with the citizen's name for it and its type."""

    file: WrittenFile
    original_name: str
    kind: str

    def remove(self) -> None:
        self.file.remove()


def check_and_write(uploaded_file: Any, accept: list[str], max_size_mb: float) -> _Written:
    """Check ``uploaded_file`` and write it under a new storage name; raise DossierError.

    The one way an uploaded file reaches the private storage: the citizens' documents and the
    results officials attach (:mod:`dossiers.results`) alike. The caller keeps or removes it."""
    checked = check_upload(uploaded_file, accept, max_size_mb)

    def inspect(path: Path) -> None:
        refusal = content_refusal(path, checked.kind, checked.name)
        if refusal:
            raise refuse(refusal)

    try:
        written = write_private(uploaded_file, SUFFIXES[checked.kind], checked.limit, inspect)
    except TooLarge:
        raise too_large(checked.name, max_size_mb) from None
    return _Written(written, checked.name, checked.kind)


def _identical(citizen: Citizen, written: _Written) -> StoredDocument | None:
    """The citizen's latest stored document with the same content and type whose file is still
    there: an identical upload reuses it instead of keeping the same bytes twice."""
    candidates = StoredDocument.objects.filter(
        owner=citizen, sha256=written.file.sha256, content_type=CONTENT_TYPES[written.kind]
    ).order_by("-created_at", "-pk")
    for stored in candidates[:5]:
        with contextlib.suppress(FileNotFoundError):
            if path_of(stored.storage_name).stat().st_size == stored.size:
                return stored
    return None


def _keep(citizen: Citizen, written: _Written, title: str) -> StoredDocument:
    """The stored document for ``written``: an identical one already in the citizen's store
    (the new copy is then removed), or a new one."""
    same = _identical(citizen, written)
    if same is not None:
        written.remove()
        return same
    return _create_stored(citizen, written, title)


def _create_stored(citizen: Citizen, written: _Written, title: str) -> StoredDocument:
    return StoredDocument.objects.create(
        owner=citizen,
        source=StoredDocument.Source.UPLOAD,
        title=(" ".join(str(title or "").split()) or written.original_name)[:NAME_LIMIT],
        original_name=written.original_name,
        storage_name=written.file.storage_name,
        content_type=CONTENT_TYPES[written.kind],
        size=written.file.size,
        sha256=written.file.sha256,
    )


def store_upload(
    citizen: Citizen, uploaded_file: Any, *, accept: list[str], max_size_mb: float, title: str
) -> StoredDocument:
    """Check an upload and keep it in the citizen's document store.

    Raises :class:`DossierError` (translated, naming the file) for an empty file, one larger
    than ``max_size_mb`` or the hard cap, an extension not in ``accept``, content that does
    not match its extension or does not pass :func:`.checks.content_refusal`. A file identical
    to one already in the citizen's store returns that stored document (no second copy).
    """
    written = check_and_write(uploaded_file, list(accept), max_size_mb)
    try:
        return _keep(citizen, written, title)
    except BaseException:
        written.remove()
        raise


def stored_documents_of(citizen: Citizen) -> QuerySet[StoredDocument]:
    """The citizen's document store, newest first, each content once: of stored documents with
    the same SHA-256 and type (the same file uploaded again before identical uploads were
    reused) only the latest is listed, with its title."""
    newer = StoredDocument.objects.filter(
        owner=OuterRef("owner"), sha256=OuterRef("sha256"), content_type=OuterRef("content_type")
    ).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return (
        StoredDocument.objects.filter(owner=citizen)
        .exclude(Exists(newer))
        .order_by("-created_at", "-pk")
    )


def find_stored(citizen: Citizen, public_id: Any) -> StoredDocument | None:
    """The citizen's own stored document with ``public_id``; None for anything else."""
    try:
        key = uuid.UUID(str(public_id))
    except (TypeError, ValueError, AttributeError):
        return None
    return StoredDocument.objects.filter(owner=citizen, public_id=key).first()


# --- documents of a draft, or of a dossier answering a request --------------------------------


@dataclass(frozen=True)
class Attachable:
    """Where a citizen attaches documents: a draft's slots (:data:`DRAFT`), or the items of a
    supplement or completion request on a submitted dossier
    (:mod:`dossiers.lifecycle.answer`). ``check`` refuses without a lock (before a file is
    written), ``lock`` locks the dossier row and checks again, ``slots`` lists where documents
    may go; with ``own_slots_only`` only documents of those slots may be removed (what was
    submitted earlier stays)."""

    check: Callable[[Dossier, Citizen], None]
    lock: Callable[[Dossier, Citizen], Dossier]
    slots: Callable[[Dossier], list[dict]]
    own_slots_only: bool = False


DRAFT = Attachable(check_draft, lock_draft, active_document_slots)


def _slot(dossier: Dossier, slot_id: Any, target: Attachable = DRAFT) -> dict:
    for slot in target.slots(dossier):
        if slot["id"] == slot_id:
            return slot
    raise DossierError(
        _("This dossier has no such document to provide; reload the page."),
        {"slot_id": _("Unknown document.")},
    )


def attach_upload(
    dossier: Dossier,
    citizen: Citizen,
    slot_id: str,
    uploaded_file: Any,
    *,
    target: Attachable = DRAFT,
) -> DossierDocument:
    """Store an upload and attach it to the slot ``slot_id`` of the draft (or of ``target``)
    (``reused=False``); a file identical to one already in the citizen's store is attached as
    that stored document, still as an upload.

    The dossier is checked before the file is read, and again under a row lock after it was
    written, so no database lock is held while a large file is copied; a refused or failed
    attachment leaves neither a row nor a file behind.
    """
    target.check(dossier, citizen)
    slot = _slot(dossier, slot_id, target)
    written = check_and_write(uploaded_file, slot_accept(slot), slot_max_size_mb(slot))
    try:
        with transaction.atomic():
            locked = target.lock(dossier, citizen)
            slot = _slot(locked, slot_id, target)
            stored = _keep(citizen, written, slot["name"])
            # Identical content already attached to this slot: that attachment stands.
            document, _created = DossierDocument.objects.get_or_create(
                dossier=locked, slot_id=slot["id"], stored=stored, defaults={"reused": False}
            )
            return document
    except BaseException:
        written.remove()
        raise


@transaction.atomic
def reuse_document(
    dossier: Dossier,
    citizen: Citizen,
    slot_id: str,
    stored_public_id: Any,
    *,
    target: Attachable = DRAFT,
) -> DossierDocument:
    """Attach a document of the citizen's store to the slot of the draft (or of ``target``)
    (``reused=True``).

    Someone else's document answers exactly like one that does not exist. Attaching the same
    document to the same slot again returns the existing attachment.
    """
    locked = target.lock(dossier, citizen)
    slot = _slot(locked, slot_id, target)
    stored = find_stored(citizen, stored_public_id)
    if stored is None:
        message = _("This document was not found in your documents.")
        raise DossierError(message, {"stored": message})
    accept = slot_accept(slot)
    kind = kind_of(stored)
    if kind not in accept:
        message = _("“%(name)s” is not of a type accepted here. Accepted: %(types)s.") % {
            "name": stored.title,
            "types": types_text(accept),
        }
        raise DossierError(message, {"stored": message})
    limit = limit_bytes(slot_max_size_mb(slot))
    if stored.size > limit:
        message = _("“%(name)s” is larger than %(limit)s MB.") % {
            "name": stored.title,
            "limit": limit_text(slot_max_size_mb(slot)),
        }
        raise DossierError(message, {"stored": message})
    document, _created = DossierDocument.objects.get_or_create(
        dossier=locked, slot_id=slot["id"], stored=stored, defaults={"reused": True}
    )
    return document


@transaction.atomic
def detach(
    dossier: Dossier, citizen: Citizen, document_id: Any, *, target: Attachable = DRAFT
) -> None:
    """Remove a document from the draft (or from ``target``'s slots). The file stays in the
    citizen's store."""
    locked = target.lock(dossier, citizen)
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        pk = None
    documents = DossierDocument.objects.filter(dossier=locked, pk=pk)
    if target.own_slots_only:
        documents = documents.filter(slot_id__in=[slot["id"] for slot in target.slots(locked)])
    deleted, _detail = documents.delete()
    if not deleted:
        raise DossierError(_("This document is not attached to the dossier."))
