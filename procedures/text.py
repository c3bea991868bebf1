"""Vietnamese text folding for search: the same function folds stored text and queries.

Folding removes tone marks and other diacritics, maps đ/Đ to d, lower-cases, and keeps only
letters, digits and dots (dots belong to procedure codes such as ``1.004222``). Because the
stored columns are folded in Python, SQLite and PostgreSQL match exactly the same way, and the
PostgreSQL indexes (tsvector, trigram) are built on plain ASCII text.
"""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9.]+")
_LONE_DOTS = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """``"Đăng ký Khai sinh!"`` → ``"dang ky khai sinh"``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()
    words = _NON_WORD.sub(" ", stripped)
    words = _LONE_DOTS.sub(" ", words)
    return _SPACES.sub(" ", words).strip()


def tokens(text: str | None) -> list[str]:
    """Distinct folded words of ``text`` in their original order."""
    seen: dict[str, None] = {}
    for word in fold(text).split():
        seen.setdefault(word, None)
    return list(seen)
