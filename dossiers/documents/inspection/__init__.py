"""Parse an uploaded file before it is kept, in a child process with bounded time and memory.

The first bytes of a file say little: a PDF that runs JavaScript, one whose streams inflate to
hundreds of MB or a PNG cut in half all start correctly. :func:`inspect_file` runs
:mod:`dossiers.documents.inspection.child` (pypdf, Pillow; no Django) on the written file under the
limits of the ``UPLOAD_CHECK_*`` settings and returns why the file is refused, or None. A file
that takes too long or too much memory is refused too: it is never a server error.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

CHILD = Path(__file__).with_name("child.py")
MB = 1024 * 1024
REASONS = {
    "encrypted",
    "active",
    "bomb",
    "unreadable",
    "broken_image",
    "too_many_pixels",
    "wrong_format",
    "too_costly",
}


@dataclass(frozen=True)
class Finding:
    """Why a file is refused: one of :data:`REASONS`, and what the parser saw (for logs)."""

    reason: str
    detail: str = ""


def limits() -> dict[str, int]:
    """The child's limits, from settings (documented in docs/configuration.md)."""
    timeout = int(settings.UPLOAD_CHECK_TIMEOUT_SECONDS)
    return {
        "memory_bytes": int(settings.UPLOAD_CHECK_MEMORY_MB) * MB,
        "cpu_seconds": max(1, timeout),
        "pdf_max_inflated_bytes": int(settings.UPLOAD_PDF_MAX_INFLATED_MB) * MB,
        "image_max_pixels": int(settings.UPLOAD_IMAGE_MAX_PIXELS),
    }


def inspect_file(path: Path, kind: str) -> Finding | None:
    """Parse ``path`` as ``kind`` (``pdf``, ``jpeg``, ``png``); None when it may be kept."""
    bounds = limits()
    command = [sys.executable, "-I", str(CHILD), kind, str(path), json.dumps(bounds)]
    try:
        done = subprocess.run(  # noqa: S603 - our own program, arguments we built
            command,
            capture_output=True,
            text=True,
            timeout=int(settings.UPLOAD_CHECK_TIMEOUT_SECONDS),
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        logger.warning("upload check of %s timed out", path.name)
        return Finding("too_costly", "timeout")
    verdict = _verdict(done.stdout)
    if verdict is None:
        # Killed past its CPU or memory cap, or could not even start: refuse, and say why in logs.
        logger.warning(
            "upload check of %s ended with %s: %s", path.name, done.returncode, done.stderr[-500:]
        )
        return Finding("too_costly", f"exit {done.returncode}")
    if verdict["verdict"] == "ok":
        return None
    reason = verdict["verdict"] if verdict["verdict"] in REASONS else "unreadable"
    logger.info("upload %s refused: %s %s", path.name, reason, verdict.get("detail", ""))
    return Finding(reason, str(verdict.get("detail", "")))


def _verdict(output: str) -> dict | None:
    lines = output.strip().splitlines()
    if not lines:
        return None
    try:
        verdict = json.loads(lines[-1])
    except ValueError:
        return None
    return verdict if isinstance(verdict, dict) and "verdict" in verdict else None


def message(finding: Finding, name: str, type_label: str) -> str:
    """A translated sentence naming the file and saying what the citizen can do."""
    values = {"name": name, "type": type_label}
    texts = {
        "encrypted": _(
            "The PDF “%(name)s” is protected by a password or encrypted. "
            "Please upload a copy without protection."
        ),
        "active": _(
            "The PDF “%(name)s” contains active content (scripts, actions that start "
            "programs, attached files or an interactive form) and cannot be accepted. "
            "Please print it to a new PDF or scan the paper document."
        ),
        "bomb": _(
            "The PDF “%(name)s” unpacks to far more data than a document needs and cannot be "
            "accepted. Please save it again as an ordinary PDF."
        ),
        "unreadable": _(
            "The file “%(name)s” is not a readable %(type)s file: it is damaged or incomplete. "
            "Please save or scan it again."
        ),
        "broken_image": _(
            "The image “%(name)s” is damaged or incomplete. Please take or save it again."
        ),
        "too_many_pixels": _(
            "The image “%(name)s” has too many pixels (more than %(limit)s megapixels). "
            "Please upload a smaller image."
        ),
        "wrong_format": _(
            "The content of “%(name)s” is not a %(type)s image, whatever its name says. "
            "Please save it again as %(type)s."
        ),
        "too_costly": _(
            "The file “%(name)s” could not be checked within the time and memory allowed: it "
            "may be damaged or too complex. Please save it again or scan it at a lower "
            "resolution."
        ),
    }
    values["limit"] = f"{int(settings.UPLOAD_IMAGE_MAX_PIXELS) / 1_000_000:g}"
    return texts.get(finding.reason, texts["unreadable"]) % values
