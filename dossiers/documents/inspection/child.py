"""Look inside one uploaded file; run as a child process with bounded time and memory.

``python -I child.py KIND PATH LIMITS_JSON`` prints one JSON line, ``{"verdict": "ok"}`` or
``{"verdict": <reason>, "detail": <text>}``, and exits 0. Hostile files are made to exhaust a
parser, so this program is kept apart from the web process: it imports only the standard
library, pypdf and Pillow (never Django), sets its own address-space and CPU limits before
importing either parser, and the parent (:mod:`dossiers.documents.inspection`) kills it after a
wall-clock timeout. The limits are set here rather than in a ``preexec_fn`` because
``preexec_fn`` is not safe in a threaded web server.

Reasons: ``encrypted``, ``active`` (scripts, launch actions, embedded files, XFA), ``bomb``
(streams inflate beyond the limit), ``unreadable`` (not a PDF a reader can open),
``broken_image`` (truncated, bad checksum, undecodable), ``too_many_pixels``, ``wrong_format``
(an image whose real format is not the one its name says) and ``too_costly`` (ran out of memory).
"""

from __future__ import annotations

import json
import resource
import sys
import warnings
import zlib
from typing import Any

MB = 1024 * 1024
INFLATE_STEP = 1 * MB

# Actions that run code, start programs, open embedded or outside content or send data away.
ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/GoToE",
    "/ImportData",
    "/SubmitForm",
    "/RichMediaExecute",
    "/Rendition",
    "/Sound",
    "/Movie",
}
# Keys whose mere presence means scripts, attached files or an XFA form.
ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"}
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/3D"}
# Filters of compressed images: decoded by a viewer into pixels, not inflated here.
IMAGE_FILTERS = {"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}
FLATE_FILTERS = {"/FlateDecode", "/Fl"}
# What Pillow may call a file of each kind: phones write multi-picture JPEGs (MPO).
IMAGE_FORMATS = {"jpeg": {"JPEG", "MPO"}, "png": {"PNG"}}


class Refusal(Exception):
    """The file is refused for ``reason``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def bound(memory_bytes: int, cpu_seconds: int) -> None:
    """Cap this process's address space and CPU time (SIGXCPU, then SIGKILL, past the cap)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# --- PDF ---------------------------------------------------------------------------------------


class _Budget:
    """Inflated bytes counted over every stream of a document, refused past ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def add(self, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            raise Refusal("bomb", f"streams inflate beyond {self.limit // MB} MB")


def _inflate(data: bytes, budget: _Budget, keep: bool) -> bytes:
    """Inflate ``data`` step by step, counting the output; never more than one step plus what
    is kept in memory. A damaged stream counts what could be inflated (viewers do the same)."""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header
    kept = bytearray()
    pending = data
    try:
        while pending and not decompressor.eof:
            chunk = decompressor.decompress(pending, INFLATE_STEP)
            budget.add(len(chunk))
            if keep:
                kept += chunk
            pending = decompressor.unconsumed_tail
    except zlib.error:
        pass
    return bytes(kept)


def _filters(stream: Any) -> list[str]:
    filters = stream.get("/Filter")
    if filters is None:
        return []
    filters = filters.get_object()
    if isinstance(filters, list):
        return [str(name.get_object()) for name in filters]
    return [str(filters)]


def _count_stream(stream: Any, budget: _Budget) -> None:
    """Count the bytes ``stream`` decodes to, stage by stage, without decoding images."""
    from pypdf.filters import decode_stream_data
    from pypdf.generic import ArrayObject, EncodedStreamObject, NameObject

    stages = [name for name in _filters(stream) if name not in IMAGE_FILTERS]
    data = stream._data  # the encoded bytes as they are in the file
    for position, name in enumerate(stages):
        last = position == len(stages) - 1
        if name in FLATE_FILTERS:
            data = _inflate(data, budget, keep=not last)
            continue
        # ASCIIHex/ASCII85 shrink; LZW and RunLength are capped per stream by pypdf.
        single = EncodedStreamObject()
        single._data = data
        single[NameObject("/Filter")] = ArrayObject([NameObject(name)])
        data = decode_stream_data(single)
        budget.add(len(data))


def _check_dictionary(entry: dict) -> None:
    found = ACTIVE_KEYS.intersection(entry.keys())
    if found:
        raise Refusal("active", sorted(found)[0])
    action = str(entry.get("/S", ""))
    if action in ACTIVE_ACTIONS and str(entry.get("/Type", "/Action")) == "/Action":
        raise Refusal("active", action)
    subtype = str(entry.get("/Subtype", ""))
    if subtype in ACTIVE_ANNOTATIONS and str(entry.get("/Type", "/Annot")) == "/Annot":
        raise Refusal("active", subtype)
    opening = entry.get("/OpenAction")
    if opening is not None:
        opening = opening.get_object()
        # A destination (an array) or a GoTo action only shows a page; anything else acts.
        if hasattr(opening, "keys") and str(opening.get("/S")) != "/GoTo":
            raise Refusal("active", f"/OpenAction {opening.get('/S')}")


def check_pdf(path: str, limits: dict) -> None:
    """Refuse an encrypted, active, inflating or unreadable PDF (raises :class:`Refusal`)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise Refusal("encrypted")
        if len(reader.pages) < 1:
            raise Refusal("unreadable", "no pages")
    except Refusal:
        raise
    except MemoryError:
        raise
    except Exception as error:  # pypdf raises many kinds on a damaged file
        raise Refusal("unreadable", type(error).__name__) from None

    budget = _Budget(int(limits["pdf_max_inflated_bytes"]))
    seen: set[tuple[int, int]] = set()
    pending: list[Any] = [reader.trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                item = item.get_object()
            except MemoryError:
                raise
            except Exception as error:
                raise Refusal("unreadable", type(error).__name__) from None
        if isinstance(item, DictionaryObject):
            _check_dictionary(item)
            if isinstance(item, StreamObject):
                try:
                    _count_stream(item, budget)
                except (Refusal, MemoryError):
                    raise
                except Exception:  # noqa: S112 - a damaged stream is skipped, as viewers do
                    continue
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)


# --- images ------------------------------------------------------------------------------------


def check_image(path: str, kind: str, limits: dict) -> None:
    """Refuse an image that is not of ``kind``, has too many pixels or does not fully decode."""
    from PIL import Image, ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    Image.MAX_IMAGE_PIXELS = int(limits["image_max_pixels"])
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    expected = IMAGE_FORMATS[kind]
    try:
        with Image.open(path) as image:
            if image.format not in expected:
                raise Refusal("wrong_format", str(image.format))
            if image.width * image.height > Image.MAX_IMAGE_PIXELS:
                raise Refusal("too_many_pixels", f"{image.width}x{image.height}")
            image.verify()  # chunk checksums, the end marker
        with Image.open(path) as image:
            for frame in range(getattr(image, "n_frames", 1)):
                image.seek(frame)
                image.load()  # decodes every pixel: a truncated file fails here
    except Refusal:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refusal("too_many_pixels", str(error)[:200]) from None
    except MemoryError:
        raise
    except Exception as error:  # Pillow raises OSError, SyntaxError, ValueError, struct.error…
        raise Refusal("broken_image", f"{type(error).__name__}: {error}"[:200]) from None


# --- entry point -------------------------------------------------------------------------------


def inspect(kind: str, path: str, limits: dict) -> dict:
    try:
        if kind == "pdf":
            check_pdf(path, limits)
        elif kind in IMAGE_FORMATS:
            check_image(path, kind, limits)
        else:
            raise Refusal("unreadable", f"unknown kind {kind}")
    except Refusal as refusal:
        return {"verdict": refusal.reason, "detail": refusal.detail}
    except (MemoryError, RecursionError) as error:
        return {"verdict": "too_costly", "detail": type(error).__name__}
    return {"verdict": "ok"}


def main(argv: list[str]) -> int:
    kind, path, limits_text = argv[1], argv[2], argv[3]
    limits = json.loads(limits_text)
    bound(int(limits["memory_bytes"]), int(limits["cpu_seconds"]))
    sys.setrecursionlimit(5000)
    result = inspect(kind, path, limits)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
