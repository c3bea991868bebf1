"""``Content-Disposition`` for file downloads that keeps Vietnamese names (RFC 6266, RFC 5987).

Django writes ``filename*`` only for non-ASCII names and then no plain ``filename`` at all, so
a client that does not read ``filename*`` saves "Giấy khai sinh.pdf" under a name of its own
choosing. Every download states both: ``filename*=UTF-8''…`` with the exact name, and an ASCII
``filename="…"`` without the accents for older clients. This module imports no app.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Letters NFKD does not take apart into a base letter and a mark.
_ASCII_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_fallback(name: str) -> str:
    """``Giấy khai sinh.pdf`` → ``Giay khai sinh.pdf``; anything else non-ASCII becomes ``_``."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_ASCII_LETTERS))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = re.sub(r'[^\x20-\x7e]|["\\]', "_", plain)
    return plain or "download"


def content_disposition(name: str, *, attachment: bool = True) -> str:
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
