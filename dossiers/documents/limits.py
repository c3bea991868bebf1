"""The size limit of an upload, enforced before and while its request body is read.

A slot's limit (``max_size_mb`` of the form schema, never above the hard cap) is what the page
shows and what is enforced, the same in the page and the API:

1. before anything is read, a request whose ``Content-Length`` exceeds the limit plus a small
   margin for the other fields and the multipart boundaries is refused (413);
2. while the body is read, :class:`FileSizeLimit`, put first among the request's upload
   handlers, counts the bytes really received for each file and stops reading at the limit, so a
   client that understates its length cannot get more through;
3. while the file is copied to storage, :mod:`.storage` counts again against the exact
   slot's limit.

The slot is known before the body only when the request names it in its query string
(``?slot=<id>``, as the page's upload forms do; the API also takes ``?slot_id=``); otherwise the
largest limit among the draft's slots applies to steps 1 and 2, and step 3 applies the slot's own.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException

from .. import services
from ..models import Dossier
from .checks import HARD_CAP_BYTES, MB, display_name, limit_bytes, limit_text, slot_max_size_mb

# The CSRF token, action and slot fields, and the multipart boundaries and part headers.
MULTIPART_MARGIN_BYTES = 64 * 1024


class FileSizeLimit(FileUploadHandler):
    """Counts each file's bytes as they arrive and stops reading the body past ``limit``.

    It passes every chunk on unchanged to the next handlers, which build the file as usual.
    """

    def __init__(self, request: HttpRequest, limit: int, limit_text: str) -> None:
        super().__init__(request)
        self.limit = limit
        self.limit_text = limit_text
        self.received = 0
        self.exceeded_name = ""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded_name = display_name(self.file_name)
            # connection_reset: do not read (exhaust) the rest of the body either.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler returns the file


def limit_for(
    dossier: Dossier | None, slot_id: str | None, slots: list[dict] | None = None
) -> tuple[int, str]:
    """The limit in bytes, and as the page writes it in MB, for a file sent to ``slot_id`` of
    ``dossier``; the largest of the draft's slots when the slot is not named or not one of them,
    and the hard cap without a draft. ``slots``: other slots than the draft's (the items of a
    supplement request)."""
    if slots is None:
        slots = services.active_document_slots(dossier) if dossier is not None else []
    named = [slot for slot in slots if slot_id and slot["id"] == slot_id]
    sizes = [slot_max_size_mb(slot) for slot in (named or slots)]
    size_mb = max(sizes) if sizes else HARD_CAP_BYTES / MB
    return limit_bytes(size_mb), limit_text(size_mb)


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def declared_too_large(request: HttpRequest, limit: int) -> bool:
    """Does the request announce more than one file of ``limit`` bytes and its form fields?"""
    return declared_length(request) > limit + MULTIPART_MARGIN_BYTES


def guard(request: HttpRequest, limit: int, limit_text: str) -> FileSizeLimit:
    """Put a :class:`FileSizeLimit` first among ``request``'s upload handlers (before its body
    is parsed) and return it."""
    handler = FileSizeLimit(request, limit, limit_text)
    request.upload_handlers.insert(0, handler)
    return handler


def stopped(request: HttpRequest) -> FileSizeLimit | None:
    """The request's size guard if it stopped reading a file, else None."""
    for handler in getattr(request, "_upload_handlers", None) or []:
        if isinstance(handler, FileSizeLimit) and handler.exceeded_name:
            return handler
    return None


def declared_message(limit_text: str) -> str:
    return _("The file is larger than %(limit)s MB, the limit for this document.") % {
        "limit": limit_text
    }


def stopped_message(handler: FileSizeLimit) -> str:
    return _("The file “%(name)s” is larger than %(limit)s MB.") % {
        "name": handler.exceeded_name,
        "limit": handler.limit_text,
    }


# --- the API -----------------------------------------------------------------------------------


class UploadTooLarge(APIException):
    """413 in the API's error shape, the message under ``fields.file``."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self, message: str) -> None:
        super().__init__({"file": [message]})


def guard_api(
    request: HttpRequest, dossier: Dossier | None, slot_id: str, slots: list[dict] | None = None
) -> None:
    """Before the API parses the body: 413 when it announces too much, else limit its reading."""
    limit, limit_text = limit_for(dossier, slot_id, slots)
    if declared_too_large(request, limit):
        raise UploadTooLarge(declared_message(limit_text))
    guard(request, limit, limit_text)


def refuse_if_stopped(request: HttpRequest) -> None:
    """After the API parsed the body: 413 when the size guard stopped reading a file."""
    handler = stopped(request)
    if handler is not None:
        raise UploadTooLarge(stopped_message(handler))
