"""Uploads, the citizen's document store (kho dữ liệu) and the documents of a draft.

An uploaded file is checked before anything is kept: not empty, within the slot's size limit
and the hard cap, an accepted extension, and content whose first bytes match that extension
(a renamed executable is refused). The citizen's file name is display text only: on disk a file
is ``PRIVATE_STORAGE_ROOT/<2-char prefix>/<uuid4 hex>.<ext>``, written to a temporary file
beside it, flushed and renamed, readable only by the portal's user (0o600). Files are served
only through :func:`can_read`.

A document attached to a dossier slot is either a fresh upload (``reused=False``) or an entry of
the citizen's store taken again (``reused=True``); the national portal reports the latter as
``DuocTaiSuDung`` and the service index counts it (DOMAIN §7, §8).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from identity.citizens import citizen_of
from identity.models import Citizen
from procedures.eforms import DEFAULT_ACCEPT, DEFAULT_MAX_SIZE_MB

from .models import Dossier, DossierDocument, Status, StoredDocument
from .services import Conflict, DossierError, active_document_slots

MB = 1024 * 1024
# No upload is ever larger than this, whatever a form schema or a setting says.
HARD_CAP_BYTES = 50 * MB
CHUNK = 64 * 1024
NAME_LIMIT = 255

# Document types of the form schema (procedures.eforms) and how to recognise them.
SIGNATURES: dict[str, bytes] = {
    "pdf": b"%PDF-",
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG\r\n\x1a\n",
}
EXTENSIONS: dict[str, str] = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png"}
CONTENT_TYPES: dict[str, str] = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
SUFFIXES: dict[str, str] = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png"}
TYPE_LABELS: dict[str, str] = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}
STORAGE_NAME = re.compile(r"^[0-9a-f]{32}\.(?:pdf|jpg|png)$")


# --- names and types ---------------------------------------------------------------------------


def display_name(raw: Any, kind: str | None = None) -> str:
    """The citizen's file name as harmless display text: no folders, no control or format
    characters, at most 255 characters; never used on disk."""
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    text = " ".join(text.split()).strip(" .")
    if not text:
        text = "document" + (SUFFIXES[kind] if kind else "")
    return text[:NAME_LIMIT]


def kind_of_name(name: str) -> str | None:
    """``pdf``, ``jpeg`` or ``png`` from a file name's extension, or None."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return None
    return EXTENSIONS.get(extension.lower())


def kind_of(stored: StoredDocument) -> str | None:
    """The document type of a stored document, from the type recorded when it was stored."""
    for kind, content_type in CONTENT_TYPES.items():
        if stored.content_type == content_type:
            return kind
    return None


def types_text(accept: list[str]) -> str:
    return ", ".join(TYPE_LABELS.get(kind, kind.upper()) for kind in accept)


def limit_bytes(max_size_mb: float) -> int:
    return min(int(float(max_size_mb) * MB), HARD_CAP_BYTES)


def limit_text(max_size_mb: float) -> str:
    """The effective limit in MB as people write it (``10``, ``2.5``)."""
    return f"{min(float(max_size_mb), HARD_CAP_BYTES / MB):g}"


def download_name(stored: StoredDocument) -> str:
    """A file name for Content-Disposition: the display name without characters that have a
    meaning in headers or file systems, ending with the extension of the real content."""
    kind = kind_of(stored)
    name = display_name(stored.original_name, kind)
    name = re.sub(r'[\\/:*?"<>|;,%]', "_", name)
    suffix = SUFFIXES.get(kind or "", "")
    if suffix and kind_of_name(name) != kind:
        name = name[: NAME_LIMIT - len(suffix)] + suffix
    return name


# --- storage -----------------------------------------------------------------------------------


def storage_root() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT)


def path_of(storage_name: str) -> Path:
    """Where a stored file lives. Only names this module generated are accepted, so a row
    changed by hand can never point outside the storage root."""
    if not STORAGE_NAME.fullmatch(storage_name or ""):
        raise FileNotFoundError("not a storage name")
    return storage_root() / storage_name[:2] / storage_name


@dataclass(frozen=True)
class _Written:
    storage_name: str
    original_name: str
    kind: str
    size: int
    sha256: str

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            path_of(self.storage_name).unlink()


def _refuse(message: str, field: str = "file") -> DossierError:
    return DossierError(message, {field: message})


def _check_and_write(uploaded_file: Any, accept: list[str], max_size_mb: float) -> _Written:
    """Check ``uploaded_file`` and write it under a new storage name; raise DossierError."""
    name = display_name(getattr(uploaded_file, "name", ""))
    limit = limit_bytes(max_size_mb)
    declared = getattr(uploaded_file, "size", None)
    if declared == 0:
        raise _refuse(_("The file “%(name)s” is empty.") % {"name": name})
    if declared is not None and declared > limit:
        raise _refuse(
            _("The file “%(name)s” is larger than %(limit)s MB.")
            % {"name": name, "limit": limit_text(max_size_mb)}
        )
    kind = kind_of_name(name)
    if kind is None or kind not in accept:
        raise _refuse(
            _("The file “%(name)s” is not of an accepted type. Accepted: %(types)s.")
            % {"name": name, "types": types_text(accept)}
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(16) or b""
    if not head:
        raise _refuse(_("The file “%(name)s” is empty.") % {"name": name})
    if not head.startswith(SIGNATURES[kind]):
        raise _refuse(
            _(
                "The content of “%(name)s” is not a %(type)s file, whatever its name says. "
                "Please upload the document itself as %(types)s."
            )
            % {"name": name, "type": TYPE_LABELS[kind], "types": types_text(accept)}
        )
    uploaded_file.seek(0)

    storage_name = uuid.uuid4().hex + SUFFIXES[kind]
    final = path_of(storage_name)
    final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=final.parent)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            for chunk in _chunks(uploaded_file):
                size += len(chunk)
                if size > limit:  # the declared size was wrong: stop reading at once
                    raise _refuse(
                        _("The file “%(name)s” is larger than %(limit)s MB.")
                        % {"name": name, "limit": limit_text(max_size_mb)}
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return _Written(storage_name, name, kind, size, digest.hexdigest())


def _chunks(uploaded_file: Any):
    if hasattr(uploaded_file, "chunks"):
        yield from uploaded_file.chunks(CHUNK)
        return
    while chunk := uploaded_file.read(CHUNK):
        yield chunk


def _create_stored(citizen: Citizen, written: _Written, title: str) -> StoredDocument:
    return StoredDocument.objects.create(
        owner=citizen,
        source=StoredDocument.Source.UPLOAD,
        title=(" ".join(str(title or "").split()) or written.original_name)[:NAME_LIMIT],
        original_name=written.original_name,
        storage_name=written.storage_name,
        content_type=CONTENT_TYPES[written.kind],
        size=written.size,
        sha256=written.sha256,
    )


def store_upload(
    citizen: Citizen, uploaded_file: Any, *, accept: list[str], max_size_mb: float, title: str
) -> StoredDocument:
    """Check an upload and keep it in the citizen's document store.

    Raises :class:`DossierError` (translated, naming the file) for an empty file, one larger
    than ``max_size_mb`` or the hard cap, an extension not in ``accept``, or content that does
    not match its extension.
    """
    written = _check_and_write(uploaded_file, list(accept), max_size_mb)
    try:
        return _create_stored(citizen, written, title)
    except BaseException:
        written.remove()
        raise


def open_stored(stored: StoredDocument) -> BinaryIO:
    """The stored file opened for reading (raises FileNotFoundError when it is missing)."""
    return path_of(stored.storage_name).open("rb")


def stored_documents_of(citizen: Citizen) -> QuerySet[StoredDocument]:
    """The citizen's document store, newest first."""
    return StoredDocument.objects.filter(owner=citizen).order_by("-created_at", "-pk")


def find_stored(citizen: Citizen, public_id: Any) -> StoredDocument | None:
    """The citizen's own stored document with ``public_id``; None for anything else."""
    try:
        key = uuid.UUID(str(public_id))
    except (TypeError, ValueError, AttributeError):
        return None
    return StoredDocument.objects.filter(owner=citizen, public_id=key).first()


# --- documents of a draft ---------------------------------------------------------------------


def _not_found_draft() -> DossierError:
    return DossierError(_("This draft was not found."))


def _check_draft(dossier: Dossier, citizen: Citizen) -> None:
    if dossier.applicant_id != citizen.pk:
        raise _not_found_draft()
    if dossier.status != Status.DRAFT:
        raise Conflict(_("This dossier has already been submitted and can no longer be edited."))


def _lock_draft(dossier: Dossier, citizen: Citizen) -> Dossier:
    """The draft's row, locked, if it is the citizen's and still a draft."""
    locked = Dossier.objects.select_for_update().filter(pk=dossier.pk, applicant=citizen).first()
    if locked is None:
        raise _not_found_draft()
    _check_draft(locked, citizen)
    return locked


def _slot(dossier: Dossier, slot_id: Any) -> dict:
    for slot in active_document_slots(dossier):
        if slot["id"] == slot_id:
            return slot
    raise DossierError(
        _("This dossier has no such document to provide; reload the page."),
        {"slot_id": _("Unknown document.")},
    )


def slot_accept(slot: dict) -> list[str]:
    return list(slot.get("accept") or DEFAULT_ACCEPT)


def slot_max_size_mb(slot: dict) -> float:
    return float(slot.get("max_size_mb") or DEFAULT_MAX_SIZE_MB)


def attach_upload(
    dossier: Dossier, citizen: Citizen, slot_id: str, uploaded_file: Any
) -> DossierDocument:
    """Store an upload and attach it to the draft's slot ``slot_id`` (``reused=False``).

    The draft is checked before the file is read, and again under a row lock after it was
    written, so no database lock is held while a large file is copied; a refused or failed
    attachment leaves neither a row nor a file behind.
    """
    _check_draft(dossier, citizen)
    slot = _slot(dossier, slot_id)
    written = _check_and_write(uploaded_file, slot_accept(slot), slot_max_size_mb(slot))
    try:
        with transaction.atomic():
            locked = _lock_draft(dossier, citizen)
            slot = _slot(locked, slot_id)
            stored = _create_stored(citizen, written, slot["name"])
            return DossierDocument.objects.create(
                dossier=locked, slot_id=slot["id"], stored=stored, reused=False
            )
    except BaseException:
        written.remove()
        raise


@transaction.atomic
def reuse_document(
    dossier: Dossier, citizen: Citizen, slot_id: str, stored_public_id: Any
) -> DossierDocument:
    """Attach a document of the citizen's store to the draft's slot (``reused=True``).

    Someone else's document answers exactly like one that does not exist. Attaching the same
    document to the same slot again returns the existing attachment.
    """
    locked = _lock_draft(dossier, citizen)
    slot = _slot(locked, slot_id)
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
def detach(dossier: Dossier, citizen: Citizen, document_id: Any) -> None:
    """Remove a document from the draft. The file stays in the citizen's store."""
    locked = _lock_draft(dossier, citizen)
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        pk = None
    deleted, _detail = DossierDocument.objects.filter(dossier=locked, pk=pk).delete()
    if not deleted:
        raise DossierError(_("This document is not attached to the dossier."))


# --- who may read ------------------------------------------------------------------------------


def can_read(user: Any, document: StoredDocument | DossierDocument) -> bool:
    """May ``user`` read this file?

    A stored document: only its owner (the store is personal). A document attached to a dossier:
    its owner, and officials allowed by :func:`official_may_read`.
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if isinstance(document, DossierDocument):
        stored = document.stored
        if official_may_read(user, document.dossier):
            return True
    else:
        stored = document
    citizen = citizen_of(user)
    return citizen is not None and stored.owner_id == citizen.pk


def official_may_read(user: Any, dossier: Dossier) -> bool:
    """Extension point for the back office: an official who passed the second factor and works
    in the agency handling a submitted dossier may read its documents. Drafts are private."""
    from identity import access

    if dossier.status == Status.DRAFT or dossier.receiving_agency_id is None:
        return False
    if not access.is_official(user) or not access.is_verified(user):
        return False
    return access.can_access_agency(user, dossier.receiving_agency)
