"""Values kept in the shared cache that are never served once what they were computed from changed.

Each thing a kept value depends on (one dossier, one user) has a *stamp*: a random value in the
shared cache that every change of that thing replaces (:func:`move`). A kept value records the
stamp read *before* its rows were read from the database, and is served only while that stamp
is still current: an entry computed from old rows can exist, but it is never served.

Inside a transaction a stamp moves twice: at once, so the same transaction already reads its own
change, and again on commit, so that a value another process computed from the old rows between
the two is not served afterwards. A transaction that changes the same thing several times (a
transition saves the dossier, then writes its event) moves its stamp at once only again if the
stamp was read since (a value may have been kept under it), and on commit once. A stamp that
is missing (new, expired, evicted) is replaced by a new random value, which no kept entry
carries. This module imports no app.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

# How long an unchanged stamp stays; one that expired is replaced by a new one, which only costs
# its kept values a miss. Kept values themselves expire sooner (their own timeout).
STAMP_TIMEOUT_SECONDS = 24 * 3600


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Kept:
    stamp: str
    value: Any


def read(entry_key: str, stamp_key: str, *others: str) -> tuple[Any, str, dict[str, Any]]:
    """``(kept value or None, current stamp, what the cache holds under others)``, in one cache
    round trip. Pass the stamp to :func:`keep` once the value is computed."""
    moved = _moved_here(create=False)
    if moved is not None:
        moved.unread.discard(stamp_key)  # a value may now be kept under it: move it again
    found = cache.get_many([entry_key, stamp_key, *others])
    stamp = found.pop(stamp_key, None) or _first(stamp_key)
    kept = found.pop(entry_key, None)
    value = kept.value if isinstance(kept, Kept) and kept.stamp == stamp else None
    return value, stamp, found


def keep(entry_key: str, stamp: str, value: Any, timeout: int) -> None:
    cache.set(entry_key, Kept(stamp, value), timeout)


def move(stamp_keys: Iterable[str]) -> None:
    """What these stamps cover has changed: nothing kept under their old values is served."""
    keys = list(stamp_keys)
    if connection.in_atomic_block:
        moved = _moved_here()
        keys = [key for key in keys if key not in moved.unread]
        moved.unread.update(keys)
        moved.update(keys)  # moved again on commit, with the transaction's others
    if keys:
        _replace(keys)


def _replace(keys: Iterable[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, STAMP_TIMEOUT_SECONDS)


class _Moved(set):
    """The stamps moved in the current transaction (``unread``: those not read since their last
    move); called on commit, it moves them all again."""

    def __init__(self) -> None:
        super().__init__()
        self.unread: set[str] = set()

    def __call__(self) -> None:
        _replace(sorted(self))


def _moved_here(*, create: bool = True) -> _Moved | None:
    """This transaction's :class:`_Moved`: the one whose commit callback is still pending, else
    a new one (a rolled-back savepoint drops its callbacks; a new transaction has none), or
    None outside a transaction or with ``create`` false."""
    if not connection.in_atomic_block:
        return None
    moved = getattr(connection, "_stamps_moved", None)
    if moved is None or not any(entry[1] is moved for entry in connection.run_on_commit):
        if not create:
            return None
        moved = _Moved()
        transaction.on_commit(moved)
        connection._stamps_moved = moved
    return moved


def _first(stamp_key: str) -> str:
    """No stamp yet: the first process to ask sets one, the others read it."""
    cache.add(stamp_key, uuid.uuid4().hex, STAMP_TIMEOUT_SECONDS)
    return cache.get(stamp_key)
