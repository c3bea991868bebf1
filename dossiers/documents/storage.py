"""Private files: written under server-generated names outside the web root, read back by name.

On disk a file is ``PRIVATE_STORAGE_ROOT/<2-char prefix>/<uuid4 hex>.<ext>``, written to a
temporary file beside it, flushed and renamed, readable only by the portal's user (0o600). A
reader can therefore never see half a file, and a failed write leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from ..models import StoredDocument

CHUNK = 64 * 1024
STORAGE_NAME = re.compile(r"^[0-9a-f]{32}\.(?:pdf|jpg|png)$")


class TooLarge(Exception):
    """More bytes arrived than the limit allows (the declared size was wrong)."""


def storage_root() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT)


def path_of(storage_name: str) -> Path:
    """Where a stored file lives. Only names this module generated are accepted, so a row
    changed by hand can never point outside the storage root."""
    if not STORAGE_NAME.fullmatch(storage_name or ""):
        raise FileNotFoundError("not a storage name")
    return storage_root() / storage_name[:2] / storage_name


@dataclass(frozen=True)
class WrittenFile:
    """A file now on disk: its storage name, size and SHA-256."""

    storage_name: str
    size: int
    sha256: str

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            path_of(self.storage_name).unlink()


def write_atomically(
    path: Path,
    chunks: Iterable[bytes],
    limit: int | None = None,
    inspect: Callable[[Path], None] | None = None,
) -> tuple[int, str]:
    """Write ``chunks`` at ``path``, readable by the portal's user only (0o600, in a 0o700
    folder); the size written and its SHA-256.

    The bytes go to a temporary file beside ``path`` (``.tmp-*.part``), flushed to disk and
    renamed, so a reader never sees half a file and a failure leaves nothing behind. Raises
    :class:`TooLarge` as soon as more than ``limit`` bytes arrived. ``inspect`` is called with the
    complete temporary file before it gets its name, and may raise to refuse it. Every private
    file of the portal is written here: uploads and the forms rendered for a dossier.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), 0o600)  # before the first byte, whatever the umask
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:  # the declared size was wrong: stop
                    raise TooLarge
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if inspect is not None:
            inspect(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return size, digest.hexdigest()


def write_private(
    source: Any, suffix: str, limit: int, inspect: Callable[[Path], None] | None = None
) -> WrittenFile:
    """Copy ``source`` (an uploaded file or any binary file object) to a new storage name.

    Raises :class:`TooLarge` as soon as more than ``limit`` bytes were read. ``inspect`` is
    called with the complete temporary file before it gets its name, and may raise to refuse it.
    Nothing is left on disk after a refusal or any other failure.
    """
    storage_name = uuid.uuid4().hex + suffix
    size, sha256 = write_atomically(path_of(storage_name), _chunks(source), limit, inspect)
    return WrittenFile(storage_name, size, sha256)


def _chunks(uploaded_file: Any) -> Iterator[bytes]:
    if hasattr(uploaded_file, "chunks"):
        yield from uploaded_file.chunks(CHUNK)
        return
    while chunk := uploaded_file.read(CHUNK):
        yield chunk


def open_stored(stored: StoredDocument) -> BinaryIO:
    """The stored file opened for reading (raises FileNotFoundError when it is missing)."""
    return path_of(stored.storage_name).open("rb")
