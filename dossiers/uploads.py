"""The former single-module path of :mod:`dossiers.documents`, kept for existing callers.

New code imports from the package's modules by concern: ``checks``, ``storage``, ``store`` and
``access``.
"""

from .documents.access import can_read, official_may_read
from .documents.checks import (
    CONTENT_TYPES,
    EXTENSIONS,
    HARD_CAP_BYTES,
    MB,
    NAME_LIMIT,
    SIGNATURES,
    SUFFIXES,
    TYPE_LABELS,
    display_name,
    download_name,
    kind_of,
    kind_of_name,
    limit_bytes,
    limit_text,
    slot_accept,
    slot_max_size_mb,
    types_text,
)
from .documents.storage import CHUNK, STORAGE_NAME, open_stored, path_of, storage_root
from .documents.store import (
    attach_upload,
    detach,
    find_stored,
    reuse_document,
    store_upload,
    stored_documents_of,
)

__all__ = [
    "CHUNK",
    "CONTENT_TYPES",
    "EXTENSIONS",
    "HARD_CAP_BYTES",
    "MB",
    "NAME_LIMIT",
    "SIGNATURES",
    "STORAGE_NAME",
    "SUFFIXES",
    "TYPE_LABELS",
    "attach_upload",
    "can_read",
    "detach",
    "display_name",
    "download_name",
    "find_stored",
    "kind_of",
    "kind_of_name",
    "limit_bytes",
    "limit_text",
    "official_may_read",
    "open_stored",
    "path_of",
    "reuse_document",
    "slot_accept",
    "slot_max_size_mb",
    "storage_root",
    "store_upload",
    "stored_documents_of",
    "types_text",
]
