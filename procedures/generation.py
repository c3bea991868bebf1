"""Generations of what is computed from the catalogue and kept for reuse.

Search answers, the catalogue page's results and its rendered filter lists are computed once and
reused until what they come from changes. Rather than finding and deleting each kept entry, each
is tied to a *generation* (in its key or its value): a random value in the shared cache that a
change replaces, so every web process stops using the old entries at once (they expire on their
own).

Two generations, one helper:

* :data:`CATALOGUE`, of search answers: moved by saving or deleting a procedure, a version
  (publication, retirement, a rename), a sector or an agency (signals connected in
  :mod:`procedures.apps`), and by the bulk paths that send no signal,
  :func:`procedures.services.sync_listing` (import, publication) and
  :func:`procedures.search.rebuild_vocabulary` (the typo corrections);
* :data:`FILTER_OPTIONS`, of the sector and agency lists: moved by sectors and agencies only, so a
  publication does not render the lists again.

Inside a transaction a generation moves twice: at once, so the same transaction already reads its
own change, and again on commit, so that an answer another process computed from the old rows
between the two is never served afterwards.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

# Inside a request, each generation is read from the cache once (both in one round trip) and
# remembered until the request ends; outside requests (workers, commands) it is read every time.
_request = threading.local()


@dataclass(frozen=True)
class Generation:
    name: str

    @property
    def key(self) -> str:
        return f"procedures:{self.name}:generation"

    def current(self) -> str:
        """The current value: one cache read, shared by the request when there is one."""
        return self.current_and(None)[0]

    def current_and(self, other_key: str | None) -> tuple[str, Any]:
        """The current value and what the cache holds under ``other_key``, in one round trip.

        The request's first read fetches every generation at once; a later one only
        ``other_key``.
        """
        memo = getattr(_request, "memo", None)
        wanted = [g.key for g in ALL] if memo is None or self.key not in memo else []
        if other_key is not None:
            wanted.append(other_key)
        found = cache.get_many(wanted) if wanted else {}
        other = found.pop(other_key, None)
        if memo is not None:
            memo.update(found)
            value = memo.get(self.key)
        else:
            value = found.get(self.key)
        if value is None:
            value = self._first()
        return value, other

    def _first(self) -> str:
        """No value yet (a new cache): the first process to ask sets one, the others read it."""
        cache.add(self.key, uuid.uuid4().hex, timeout=None)
        value = cache.get(self.key)
        memo = getattr(_request, "memo", None)
        if memo is not None:
            memo[self.key] = value
        return value

    def move_on(self) -> None:
        """What this generation covers has changed: nothing kept under the old value is current."""
        self._replace()
        if connection.in_atomic_block:
            transaction.on_commit(self._replace)

    def _replace(self) -> None:
        value = uuid.uuid4().hex
        cache.set(self.key, value, timeout=None)
        memo = getattr(_request, "memo", None)
        if memo is not None:
            memo[self.key] = value


CATALOGUE = Generation("catalogue")
FILTER_OPTIONS = Generation("filter-options")
ALL = (CATALOGUE, FILTER_OPTIONS)


def request_started(**_signal_kwargs) -> None:
    _request.memo = {}


def request_finished(**_signal_kwargs) -> None:
    _request.memo = None


def catalogue_changed(**_signal_kwargs) -> None:
    """A procedure or a version changed (usable as a ``post_save``/``post_delete`` receiver)."""
    CATALOGUE.move_on()


def options_changed(**_signal_kwargs) -> None:
    """A sector or an agency changed: the filter lists and every search answer are out of date."""
    FILTER_OPTIONS.move_on()
    CATALOGUE.move_on()
