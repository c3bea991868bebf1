"""What an upload must be before anything is kept, and the names and types shown to people.

:func:`check_upload` runs every check that needs no writing (declared size, extension, first
bytes); the size actually read is capped again while the file is written
(:func:`dossiers.documents.storage.write_private`), since a declared size may lie; and
:func:`content_refusal` looks at the written file before it is kept: it must parse as its type
(:mod:`.inspection`, in a bounded child process) and pass the virus scan when a deployment
switched one on (:mod:`.antivirus`, failing closed).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from procedures.eforms import DEFAULT_ACCEPT, DEFAULT_MAX_SIZE_MB

from ..models import StoredDocument
from ..services import DossierError
from . import antivirus, inspection

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# No upload is ever larger than this, whatever a form schema or a setting says.
HARD_CAP_BYTES = 50 * MB
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


# --- what a slot accepts -----------------------------------------------------------------------


def slot_accept(slot: dict) -> list[str]:
    return list(slot.get("accept") or DEFAULT_ACCEPT)


def slot_max_size_mb(slot: dict) -> float:
    return float(slot.get("max_size_mb") or DEFAULT_MAX_SIZE_MB)


# --- checking an upload ------------------------------------------------------------------------


def refuse(message: str, field: str = "file") -> DossierError:
    return DossierError(message, {field: message})


def too_large(name: str, max_size_mb: float) -> DossierError:
    return refuse(
        _("The file “%(name)s” is larger than %(limit)s MB.")
        % {"name": name, "limit": limit_text(max_size_mb)}
    )


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks: its display name, type and byte limit."""

    name: str
    kind: str
    limit: int


def check_upload(uploaded_file: Any, accept: list[str], max_size_mb: float) -> CheckedUpload:
    """Check ``uploaded_file`` before it is written; raise DossierError naming the file.

    Leaves the file positioned at its start, ready to be written.
    """
    name = display_name(getattr(uploaded_file, "name", ""))
    limit = limit_bytes(max_size_mb)
    declared = getattr(uploaded_file, "size", None)
    if declared == 0:
        raise refuse(_("The file “%(name)s” is empty.") % {"name": name})
    if declared is not None and declared > limit:
        raise too_large(name, max_size_mb)
    kind = kind_of_name(name)
    if kind is None or kind not in accept:
        raise refuse(
            _("The file “%(name)s” is not of an accepted type. Accepted: %(types)s.")
            % {"name": name, "types": types_text(accept)}
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(16) or b""
    if not head:
        raise refuse(_("The file “%(name)s” is empty.") % {"name": name})
    if not head.startswith(SIGNATURES[kind]):
        raise refuse(
            _(
                "The content of “%(name)s” is not a %(type)s file, whatever its name says. "
                "Please upload the document itself as %(types)s."
            )
            % {"name": name, "type": TYPE_LABELS[kind], "types": types_text(accept)}
        )
    uploaded_file.seek(0)
    return CheckedUpload(name, kind, limit)


def content_refusal(path: Path, kind: str, name: str) -> str | None:
    """Why the written file at ``path`` (a ``kind`` file the citizen calls ``name``) may not be
    kept, as a translated sentence naming it; None when it may."""
    finding = inspection.inspect_file(path, kind)
    if finding is not None:
        return inspection.message(finding, name, TYPE_LABELS[kind])
    try:
        scanned = antivirus.scan(path)
    except antivirus.ScannerUnavailable as error:
        logger.error("virus scan unavailable, upload refused: %s", error)
        return _(
            "The file “%(name)s” cannot be checked for viruses right now. Please try again later."
        ) % {"name": name}
    if scanned is not None and not scanned.clean:
        logger.warning("virus scan found %s in an upload, refused", scanned.signature)
        return _(
            "The file “%(name)s” contains a virus or other malicious content and was refused."
        ) % {"name": name}
    return None
